"""Benchmark helpers: the bare comparison app and the Twilio-shaped request mix."""

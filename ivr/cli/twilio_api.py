"""The twilio REST client, from the environment's credentials, optionally aimed at another base URL."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import click
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending every *.twilio.com request to `base` instead (same path and query)."""

    def __init__(self, base: str, timeout: float = 30):
        super().__init__(timeout=timeout)
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.ClickException(f"TWILIO_API_BASE must be an http(s) URL, not {base!r}.")
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        """Send the request to the same path under `base`."""
        parts = urlsplit(url)
        if parts.hostname and (parts.hostname == "twilio.com" or parts.hostname.endswith(".twilio.com")):
            url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, url, *args, **kwargs)


def rest_client(environ: dict[str, str] | None = None):
    """A twilio REST Client from TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and
    TWILIO_API_SECRET; TWILIO_API_BASE sends its requests to another base URL (a local emulator)."""
    env = os.environ if environ is None else environ
    account = env.get("TWILIO_ACCOUNT_SID", "").strip()
    token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    key, secret = env.get("TWILIO_API_KEY", "").strip(), env.get("TWILIO_API_SECRET", "").strip()
    if not account:
        raise click.ClickException("Set TWILIO_ACCOUNT_SID (AC...) and either TWILIO_AUTH_TOKEN, "
                                   "or TWILIO_API_KEY and TWILIO_API_SECRET.")
    if key or secret:
        if not (key and secret):
            raise click.ClickException("An API key needs both TWILIO_API_KEY (SK...) and TWILIO_API_SECRET.")
        username, password = key, secret
    elif token:
        username, password = account, token
    else:
        raise click.ClickException("Set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET, "
                                   "beside TWILIO_ACCOUNT_SID.")
    base = env.get("TWILIO_API_BASE", "").strip() or TWILIO_API
    http_client = RebasedHttpClient(base) if base.rstrip("/") != TWILIO_API else TwilioHttpClient(timeout=30)
    return Client(username, password, account_sid=account, http_client=http_client)

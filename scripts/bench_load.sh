#!/usr/bin/env bash
# Webhook throughput on the production path: Practice Line under gunicorn against a bare Flask app that
# checks the same Twilio signature (twilio's RequestValidator) and answers one constant TwiML menu. Both
# run with TWILIO_AUTH_TOKEN set, every request signed as Twilio signs it, in a mix shaped like calls
# (incoming, menu keys, menu speech, desk turns, status); same gunicorn settings, same wrk load, side by
# side in alternating windows, for each gunicorn worker class (gthread, sync); prints the ratios.
# Extra arguments go to scripts/bench/load.py (--rounds, --seconds, --repeats, --connections, --workers,
# --worker-classes).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
apt_install wrk
ensure_setup
cd "$ROOT"
# Measure the line as it is served: with its prompt audio (offline this is espeak-ng, in seconds).
"$PY" -m flask --app app audio build --no-progress >/dev/null || echo "Some prompts have no audio; they are measured as <Say>."
exec "$PY" -m scripts.bench.load "$@"

#!/usr/bin/env bash
# Webhook throughput: Practice Line under gunicorn against a bare Flask app answering one constant
# TwiML menu, same gunicorn settings, same wrk load, side by side in alternating windows, twice; prints the ratio.
# Extra arguments go to scripts/bench/load.py (--rounds, --seconds, --repeats, --connections, --workers).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
apt_install wrk
ensure_setup
cd "$ROOT"
# Measure the line as it is served: with its prompt audio (offline this is espeak-ng, in seconds).
"$PY" -m flask --app app audio build >/dev/null || echo "Some prompts have no audio; they are measured as <Say>."
exec "$PY" -m scripts.bench.load "$@"

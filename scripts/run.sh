#!/usr/bin/env bash
# Set up, build the prompt audio, and serve Practice Line on http://$HOST:$PORT
# (default http://127.0.0.1:5000), for example: PORT=8080 ./scripts/run.sh
set -euo pipefail
source "$(dirname "$0")/_common.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
"$PY" -m flask --app app flows check
# Offline this falls back to espeak-ng in seconds; a prompt with no audio is spoken with <Say>.
"$PY" -m flask --app app audio build || echo "Some prompts have no audio; calls speak them with <Say>."
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-5000}"
echo "Practice Line: serving on http://$HOST:$PORT (set HOST and PORT to change it)"
exec "$PY" app.py

#!/usr/bin/env bash
# Set up, check the menu, build the prompt audio, and serve Practice Line with gunicorn on
# http://$HOST:$PORT (127.0.0.1:5000); WEB_CONCURRENCY sets the worker processes (gunicorn.conf.py).
# For development with reloading, use `.venv/bin/flask --app app run --debug` instead.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
"$PY" -m flask --app app flows check
# Build or upgrade the database schema (SQLite by default, PostgreSQL with DATABASE_URL); safe to repeat.
"$PY" -m flask --app app db upgrade
# Offline this falls back to espeak-ng in seconds; a prompt with no audio is spoken with <Say>.
"$PY" -m flask --app app audio build || echo "Some prompts have no audio; calls speak them with <Say>."
exec "$PY" -m gunicorn --config "$ROOT/gunicorn.conf.py" app:app

#!/usr/bin/env bash
# Set up everything the tests need, then run them on every core (pytest-xdist: -n auto, one worker per
# core; each worker starts its own PostgreSQL and Chromium when its tests need them). Extra arguments go
# to pytest; give -n yourself (-n 0: one process) to choose otherwise.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
apt_install "${APP_DEBS[@]}" "${TEST_DEBS[@]}"
ensure_npm
venv_install requirements-dev.txt
cd "$ROOT"
# axe-core for the accessibility audit, exactly as package-lock.json pins it (into node_modules/).
npm ci --no-audit --no-fund --loglevel=error
workers=(-n auto)
for arg in "$@"; do
  case "$arg" in -n|-n*|--numprocesses*|-p) workers=() ;; esac
done
exec "$PY" -m pytest "${workers[@]}" "$@"

#!/usr/bin/env bash
# Set up everything the tests need, then run them on every core with pytest-xdist: two workers per core,
# because a worker spends about half its time waiting on a server, a browser or a database rather than
# computing (measured on 2 cores: -n 2 took 5 min 25 s at 44% CPU, -n 4 2 min 36 s to 3 min, -n 6 no
# better). "loadgroup" keeps the tests marked with one xdist_group on one worker: the call-log fault
# tests share a PostgreSQL cluster that every worker would otherwise make for itself (62 s of CPU
# against 18 s). Each worker starts its own PostgreSQL and Chromium when its tests need them. Extra
# arguments go to pytest; give -n yourself (-n 0: one process) to choose otherwise.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
apt_install "${APP_DEBS[@]}" "${TEST_DEBS[@]}"
ensure_npm
venv_install requirements-dev.txt
cd "$ROOT"
# axe-core for the accessibility audit, exactly as package-lock.json pins it (into node_modules/).
npm ci --no-audit --no-fund --loglevel=error
workers=(-n "$(( 2 * $(nproc) ))" --dist loadgroup)
for arg in "$@"; do
  case "$arg" in -n|-n*|--numprocesses*|-p) workers=() ;; esac
done
exec "$PY" -m pytest "${workers[@]}" "$@"

#!/usr/bin/env bash
# Set up everything the tests need, then run them. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
apt_install "${APP_DEBS[@]}" "${TEST_DEBS[@]}"
ensure_npm
venv_install requirements-dev.txt
cd "$ROOT"
# axe-core for the accessibility audit, exactly as package-lock.json pins it (into node_modules/).
npm ci --no-audit --no-fund --loglevel=error
exec "$PY" -m pytest "$@"

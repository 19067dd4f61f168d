#!/usr/bin/env bash
# Set up everything the tests need, then run them. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
apt_install "${APP_DEBS[@]}" "${TEST_DEBS[@]}"
venv_install requirements-dev.txt
cd "$ROOT"
exec "$PY" -m pytest "$@"

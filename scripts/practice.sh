#!/usr/bin/env bash
# A practice call in the terminal. Example: scripts/practice.sh --keys "1 1234 1 2"
set -euo pipefail
source "$(dirname "$0")/_common.sh"
ensure_setup
cd "$ROOT"
exec "$PY" -m flask --app app practice "$@"

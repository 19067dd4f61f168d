#!/usr/bin/env bash
# Install everything the app needs (Debian packages and a .venv).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
apt_install "${APP_DEBS[@]}"
venv_install requirements.txt

#!/usr/bin/env bash
# Render every prompt into the audio library (gTTS, else espeak-ng). Extra arguments go to the command:
#   scripts/build_audio.sh --check | --force | --engine espeak
set -euo pipefail
source "$(dirname "$0")/_common.sh"
ensure_setup
cd "$ROOT"
exec "$PY" -m flask --app app audio build "$@"

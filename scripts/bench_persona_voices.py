#!/usr/bin/env python
"""What the personas' own voices cost: a cold and a warm espeak-ng `audio build` with and without them, and
the start-up check of the espeak-ng voices they name.

Run: .venv/bin/python scripts/bench_persona_voices.py
Everything happens in temporary folders; the app's own instance/audio is not touched.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr import create_app  # noqa: E402
from ivr.audio import voices  # noqa: E402
from ivr.audio.build import Builder  # noqa: E402
from ivr.cli.audio_commands import build_items  # noqa: E402


def main() -> None:
    """Print the figures."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": tempfile.mkdtemp()})
    rt = app.extensions["practice_line"]
    for name, items in (("line only", rt.line.spoken()), ("with persona voices", build_items(rt))):
        folder = Path(tempfile.mkdtemp())
        cold = Builder(rt.settings.audio, folder, engine="espeak").run(items, progress=False)
        warm = Builder(rt.settings.audio, folder, engine="espeak").run(items, progress=False)
        files = sum(1 for p in folder.iterdir() if not p.name.startswith("."))
        print(f"{name}: {len(items)} prompts, {files} files, cold {cold.seconds:.1f} s, warm {warm.seconds:.2f} s")
    voices._espeak_names.cache_clear()  # what create_app pays once: two `espeak-ng --voices` runs
    started = time.perf_counter()
    for persona in rt.scenarios.personas.personas.values():
        if persona.voice is not None and persona.voice.espeak:
            voices.espeak_voice_problem(persona.voice.espeak)
    print(f"start-up check of the personas' espeak-ng voices: {1000 * (time.perf_counter() - started):.0f} ms")


if __name__ == "__main__":
    main()

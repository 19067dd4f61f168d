#!/usr/bin/env python
"""Benchmark the audio library: cold espeak-ng build, warm rebuild, and webhook latency with and without audio.

Run: .venv/bin/python scripts/bench_audio.py [--requests 2000]
Everything happens in a temporary folder; the app's own instance/audio is not touched.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr import create_app  # noqa: E402
from ivr.audio.build import Builder  # noqa: E402

# A menu, a keypress answered, a chain of messages into a menu, an end with a reference number.
WEBHOOKS = [
    ("/voice/incoming", {}),
    ("/voice/node/main", {}),
    ("/voice/node/main/input?failures=0", {"Digits": "1"}),
    ("/voice/node/end-lost-card", {}),
]


def make_app(audio_dir: Path, enabled: bool = True):
    """An app reading audio from `audio_dir`, holds of no length."""
    return create_app({"TESTING": True, "AUDIO_DIR": str(audio_dir), "SECRET_KEY": "bench",
                       "SETTINGS": {"voice": {"hold_pause_seconds": 0}, "audio": {"enabled": enabled}}})


def timed_build(app, folder: Path, engine: str | None) -> tuple[float, dict]:
    """Seconds for one build of every prompt, and its counts."""
    rt = app.extensions["practice_line"]
    started = time.perf_counter()
    report = Builder(rt.settings.audio, folder, engine=engine, echo=lambda _: None).run(
        rt.line.spoken(), progress=False)
    seconds = time.perf_counter() - started
    return seconds, {"rendered": len(report.rendered), "cached": len(report.cached),
                     "fell back": len(report.fell_back) + len(report.offline_cached), "failed": len(report.failed)}


def latency(app, requests: int, headers: dict | None = None) -> tuple[float, float, str]:
    """Median and 99th percentile in ms over every webhook in WEBHOOKS, and what the replies hold."""
    client = app.test_client()
    hooks = WEBHOOKS
    for url, data in hooks:  # warm up, and check what comes back
        client.post(url, data={"CallSid": "CAbench", **data}, headers=headers or {})
    body = client.post(hooks[0][0], data={"CallSid": "CAbench"}, headers=headers or {}).data.decode()
    shape = f"{body.count('<Play>')} <Play>, {body.count('<Say')} <Say> in /voice/incoming"
    times = []
    for i in range(requests):
        url, data = hooks[i % len(hooks)]
        started = time.perf_counter()
        response = client.post(url, data={"CallSid": "CAbench", **data}, headers=headers or {})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="webhook requests per configuration")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "audio")
        app = make_app(folder)
        prompts = len(app.extensions["practice_line"].line.spoken())
        print(f"prompts: {prompts} distinct texts (MP3 + 8 kHz phone copy each)")

        seconds, counts = timed_build(app, folder, "espeak")
        print(f"cold build, espeak-ng, all prompts:   {seconds:6.2f} s  {counts}")
        seconds, counts = timed_build(app, folder, "espeak")
        print(f"warm rebuild, --engine espeak:        {seconds:6.3f} s  {counts}")
        seconds, counts = timed_build(app, folder, None)
        print(f"warm rebuild, default (gTTS first):   {seconds:6.3f} s  {counts} (one gTTS try, offline here)")

        started = time.perf_counter()
        with_audio = make_app(folder)
        print(f"app start-up with the library indexed: {(time.perf_counter() - started) * 1000:5.0f} ms")

        for label, app_, headers in [("no audio (<Say>)", make_app(folder, enabled=False), None),
                                     ("audio, MP3 (browser)", with_audio, None),
                                     ("audio, phone copy (Twilio)", with_audio, {"X-Twilio-Signature": "x"})]:
            median, p99, shape = latency(app_, args.requests, headers)
            print(f"webhook {label:28} median {median:6.3f} ms  p99 {p99:6.3f} ms  ({shape})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmark the checklist in-process: HTML render median (target < 5 ms) and PDF render median (target < 1 s).

Run from the project root:  .venv/bin/python scripts/bench_checklist.py [--html N] [--pdf N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import create_app  # noqa: E402

ONE = "/checklist?reason=dispute&region=us&card=personal"
THREE = "/checklist?reason=dispute&reason=lost-card&reason=complaint&region=abroad&card=corporate&urgency=now"
HTML_TARGET_MS, PDF_TARGET_MS = 5.0, 1000.0


def timed(client, url: str, runs: int) -> list[float]:
    """Milliseconds for each of `runs` GETs of `url` (after two warm-up requests)."""
    for _ in range(2):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def report(name: str, times: list[float], target: float) -> bool:
    """Print median and p95; True when the median meets `target`."""
    median = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    ok = median < target
    print(f"{name:<38} median {median:8.2f} ms   p95 {p95:8.2f} ms   n={len(times):<4} "
          f"target < {target:g} ms: {'ok' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=int, default=500, help="HTML renders to time (default 500)")
    parser.add_argument("--pdf", type=int, default=20, help="PDF renders to time (default 20)")
    args = parser.parse_args()

    client = create_app({"TESTING": True}).test_client()
    results = [
        report("HTML, one reason", timed(client, ONE, args.html), HTML_TARGET_MS),
        report("HTML, three reasons", timed(client, THREE, args.html), HTML_TARGET_MS),
        report("PDF, one reason (Letter)", timed(client, ONE.replace("/checklist", "/checklist.pdf"), args.pdf),
               PDF_TARGET_MS),
        report("PDF, three reasons (Letter)", timed(client, THREE.replace("/checklist", "/checklist.pdf"), args.pdf),
               PDF_TARGET_MS),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

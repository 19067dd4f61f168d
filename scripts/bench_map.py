#!/usr/bin/env python
"""Benchmark the menu map in-process: drawing the SVG (target < 1 s) and serving /map once it is drawn.

Run from the project root:  .venv/bin/python scripts/bench_map.py [--draws N] [--pages N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_checklist import report  # noqa: E402  (scripts/ is on the path when run as a script)

from ivr import create_app  # noqa: E402
from ivr.line.menumap import build_map  # noqa: E402
from ivr.map.drawing import render_svg  # noqa: E402

PATH = "/map?path=welcome,main,representative,representative-desk,supervisor-hold,supervisor-desk,end-supervisor"
SVG_TARGET_MS, TREE_TARGET_MS, PAGE_TARGET_MS = 1000.0, 50.0, 50.0


def timed(action, runs: int) -> list[float]:
    """Milliseconds for each of `runs` calls of `action` (after one warm-up)."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20, help="SVG drawings to time (default 20)")
    parser.add_argument("--pages", type=int, default=200, help="/map requests to time (default 200)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"TESTING": True, "INSTANCE_PATH": instance, "SECRET_KEY": "bench"})
        line = app.extensions["practice_line"].line
        menu = build_map(line)
        print(f"{len(menu.nodes)} nodes, {len(menu.edges) + len(menu.shared)} routes")
        client = app.test_client()

        def page(url: str):
            def get():
                assert client.get(url).status_code == 200
            return get

        results = [
            report("menu tree (build_map)", timed(lambda: build_map(line), args.draws), TREE_TARGET_MS),
            report("SVG drawing (Graphviz dot + readable titles)", timed(lambda: render_svg(menu), args.draws),
                   SVG_TARGET_MS),
            report("/map, picture already drawn", timed(page("/map"), args.pages), PAGE_TARGET_MS),
            report("/map?path=... (7 nodes marked)", timed(page(PATH), args.pages), PAGE_TARGET_MS),
        ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

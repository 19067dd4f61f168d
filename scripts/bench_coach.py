"""Benchmark: the coach's costs. Loading the move recognizer, and classifying one utterance.

Run: .venv/bin/python scripts/bench_coach.py [--rounds 20]
Prints the time to load config/moves.yaml, then median and 99th percentile of classifying one
utterance over the held-back utterances (tests/data/moves/heldout.tsv), `--rounds` times over.
Targets (issue 8): classify median under 1 ms; loading a few ms, done once at start-up.
Each section is a function taking the parsed arguments; add a section to SECTIONS.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_webhooks import report  # noqa: E402  (scripts/ is on the path when a script runs)
from ivr.coach.evaluate import read_labeled  # noqa: E402
from ivr.coach.moves import load_recognizer  # noqa: E402

MOVES_YAML = ROOT / "config" / "moves.yaml"
HELDOUT = ROOT / "tests" / "data" / "moves" / "heldout.tsv"


def bench_moves(args: argparse.Namespace) -> None:
    """Load the recognizer a few times, then classify every held-back utterance `rounds` times."""
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        recognizer = load_recognizer(MOVES_YAML)
        loads.append(time.perf_counter() - started)
    report("load config/moves.yaml", loads)
    texts = [row.text for row in read_labeled(HELDOUT)]
    for text in texts:  # warm up
        recognizer.recognize(text)
    samples = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            recognizer.recognize(text)
            samples.append(time.perf_counter() - started)
    report("classify one utterance", samples)


SECTIONS = [bench_moves]


def main() -> None:
    """Run every section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    for section in SECTIONS:
        section(args)


if __name__ == "__main__":
    main()

"""Benchmark: the ear's cost per sentence in process (goal: median at most 0.3 ms), its load time and memory.

Run: .venv/bin/python scripts/bench_ear.py [--rounds 20]
Times MenuEar.hear at the main menu and the representative's ear (rules + moves model) on every
held-out sentence, `rounds` times each; prints medians, the model files' load time and the growth of
this process's resident memory when they load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.coach.moves import load_recognizer  # noqa: E402
from ivr.ear.datasets import heldout_examples  # noqa: E402
from ivr.ear.menu_ear import MenuEar  # noqa: E402
from ivr.ear.moves_ear import MovesEar  # noqa: E402
from ivr.ear.training import read_moves  # noqa: E402
from ivr.line import load_line  # noqa: E402

GOAL_MS = 0.3


def rss_mb() -> float:
    """This process's VmRSS in MB."""
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def median_ms(function, texts: list[str], rounds: int) -> float:
    """The median time of one call of `function` on one of `texts`, in milliseconds."""
    times = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            function(text)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    ear = MenuEar(load_line(ROOT / "config", ROOT / "prompts"))
    moves = MovesEar(load_recognizer(ROOT / "config" / "moves.yaml"))
    moves.rules.warm()
    before, started = rss_mb(), time.perf_counter()
    ear.warm()
    moves.warm()
    print(f"both models load in {time.perf_counter() - started:.3f} s, +{rss_mb() - before:.1f} MB resident")
    menu_texts = [e.text for e in heldout_examples()]
    desk_texts = [t for t, _ in read_moves(ROOT / "tests" / "data" / "moves" / "heldout.tsv")]
    print(f"menu ear, main menu: median {median_ms(lambda t: ear.hear('main', t), menu_texts, args.rounds):.3f} ms "
          f"a sentence ({len(menu_texts)} sentences x {args.rounds}; goal {GOAL_MS} ms)")
    print(f"  of which the model: median {median_ms(ear.model.probabilities, menu_texts, args.rounds):.3f} ms")
    print(f"representative's ear (rules + model): median "
          f"{median_ms(moves.recognize, desk_texts, args.rounds):.3f} ms a sentence; rules alone "
          f"{median_ms(moves.rules.recognize, desk_texts, args.rounds):.3f} ms")


if __name__ == "__main__":
    main()

"""Score the move recognizer on the labeled utterances: precision, recall, F1 per move, and the confusions.

Run: .venv/bin/python scripts/eval_moves.py [--part heldout|tune|both] [--quiet]
The held-back part (tests/data/moves/heldout.tsv) is for measuring only: tune config/moves.yaml
against ivr/ear/data/moves/tune.tsv.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.coach.evaluate import exact_share, read_labeled, score  # noqa: E402
from ivr.coach.moves import load_recognizer  # noqa: E402

PARTS = {"tune": ROOT / "ivr/ear/data/moves/tune.tsv", "heldout": ROOT / "tests/data/moves/heldout.tsv"}


def report(name: str, path: Path, recognize, quiet: bool) -> None:
    """Print the per-move table for one labeled file, then its false positives and negatives."""
    rows = read_labeled(path)
    scores = score(recognize, rows)
    print(f"\n== {name}: {path.relative_to(ROOT)} ({len(rows)} utterances, "
          f"{sum(not r.moves for r in rows)} with no move; exact {exact_share(recognize, rows):.3f})")
    print(f"{'move':<18}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}")
    for move, s in scores.items():
        print(f"{move:<18}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>7.3f}{s.support:>9}")
    if quiet:
        return
    for move, s in scores.items():
        for row in s.false_pos:
            labeled = ", ".join(sorted(row.moves)) or "-"
            print(f"  false +{move:<17} line {row.line:>3}: {row.text!r} (labeled {labeled})")
        for row in s.false_neg:
            print(f"  missed {move:<17} line {row.line:>3}: {row.text!r}")


def main() -> None:
    """Score one or both parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["heldout", "tune", "both"], default="both")
    parser.add_argument("--quiet", action="store_true", help="tables only, no confusions")
    parser.add_argument("--config", type=Path, default=ROOT / "config/moves.yaml")
    args = parser.parse_args()
    recognizer = load_recognizer(args.config)
    for name in (["tune", "heldout"] if args.part == "both" else [args.part]):
        report(name, PARTS[name], recognizer.recognize, args.quiet)


if __name__ == "__main__":
    main()

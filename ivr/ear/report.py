"""`flask --app app ear report`: how well the ear hears its held-out sets, as lines of text."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .datasets import heldout_examples
from .menu_ear import MenuEar
from .menu_report import intent_scores, main_menu_score
from .training import read_moves

ROOT = Path(__file__).resolve().parent.parent.parent
MOVES_HELDOUT = (ROOT / "tests" / "data" / "moves" / "heldout.tsv", ROOT / "tests" / "data" / "moves" / "fresh.tsv")


def report_lines(ear: MenuEar, recognize: Callable[[str], list[str]]) -> list[str]:
    """Per-intent and per-move precision, recall and F1, confusion pairs, and what the main menu does."""
    held = heldout_examples()
    out = [f"Menu intents on {len(held)} held-out sentences (ivr/ear/data/menu/heldout.txt):",
           f"  {'intent':<20} {'precision':>9} {'recall':>6} {'F1':>5} {'n':>3}"]
    scores, confusions = intent_scores(ear, held)
    for intent, s in sorted(scores.items()):
        n = s.true_pos + s.false_neg
        if n or s.false_pos:
            out.append(f"  {intent:<20} {s.precision:>9.2f} {s.recall:>6.2f} {s.f1:>5.2f} {n:>3}")
    out.append("Confusion pairs (meant -> heard: count):")
    out += [f"  {meant} -> {heard}: {count}" for (meant, heard), count in confusions.most_common()] or ["  none"]
    main = main_menu_score(ear, held)
    asked = main.share(main.in_scope, "asked-right", "asked-wrong")
    out += ["At the main menu:",
            f"  in scope: right branch {main.share(main.in_scope, 'right', 'asked-right'):.1%} (asked first "
            f"{asked:.1%}), wrong branch {main.share(main.in_scope, 'wrong', 'asked-wrong'):.1%}",
            f"  card topics with no branch reaching a branch: {main.share(main.no_branch, 'branch', 'asked'):.1%}",
            f"  out-of-scope false accepts (reaching or asked about a branch): "
            f"{main.share(main.out_of_scope, 'branch', 'asked'):.1%}"]
    for path in MOVES_HELDOUT:
        out += _moves_lines(path, recognize)
    return out


def _moves_lines(path: Path, recognize: Callable[[str], list[str]]) -> list[str]:
    rows = read_moves(path)
    counts: dict[str, list[int]] = {}  # move -> [true pos, false pos, false neg]
    for text, moves in rows:
        heard = set(recognize(text))
        for move in heard | moves:
            c = counts.setdefault(move, [0, 0, 0])
            c[0 if move in heard and move in moves else 1 if move in heard else 2] += 1
    out = [f"Moves on {len(rows)} held-out utterances ({path.relative_to(ROOT)}):",
           f"  {'move':<17} {'precision':>9} {'recall':>6} {'F1':>5} {'n':>3}"]
    total = [0, 0, 0]
    for move, (tp, fp, fn) in sorted(counts.items()):
        total = [a + b for a, b in zip(total, (tp, fp, fn))]
        p, r = tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
        out.append(f"  {move:<17} {p:>9.2f} {r:>6.2f} {2 * p * r / (p + r) if p + r else 0:>5.2f} {tp + fn:>3}")
    tp, fp, fn = total
    out.append(f"  micro-F1 {2 * tp / (2 * tp + fp + fn):.3f}")
    return out

"""Score a move recognizer on labeled utterances: precision, recall and F1 per move, and the misses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .moves import MOVES


@dataclass(frozen=True)
class Labeled:
    """One utterance and the moves a person marked in it."""

    text: str
    moves: frozenset[str]
    line: int


def read_labeled(path: Path) -> list[Labeled]:
    """Read a TSV of `utterance<TAB>move,move`; '#' lines are comments; an unknown move is an error."""
    rows = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        text, _, labels = raw.partition("\t")
        moves = frozenset(m.strip() for m in labels.split(",") if m.strip())
        unknown = moves - set(MOVES)
        if unknown:
            raise ValueError(f"{path}:{number}: unknown move(s) {', '.join(sorted(unknown))}")
        rows.append(Labeled(text.strip(), moves, number))
    return rows


@dataclass
class MoveScore:
    """Counts for one move, and the utterances it got wrong."""

    true_pos: int = 0
    false_pos: list[Labeled] = field(default_factory=list)
    false_neg: list[Labeled] = field(default_factory=list)

    @property
    def support(self) -> int:
        """How many utterances really make this move."""
        return self.true_pos + len(self.false_neg)

    @property
    def precision(self) -> float:
        """Of the times the move was heard, the share that were right (1.0 when never heard)."""
        heard = self.true_pos + len(self.false_pos)
        return self.true_pos / heard if heard else 1.0

    @property
    def recall(self) -> float:
        """Of the times the move was made, the share that were heard (1.0 when never made)."""
        return self.true_pos / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(recognize: Callable[[str], list[str]], rows: list[Labeled]) -> dict[str, MoveScore]:
    """Per-move scores of `recognize` on `rows`, in MOVES order."""
    scores = {move: MoveScore() for move in MOVES}
    for row in rows:
        heard = set(recognize(row.text))
        for move in MOVES:
            if move in heard and move in row.moves:
                scores[move].true_pos += 1
            elif move in heard:
                scores[move].false_pos.append(row)
            elif move in row.moves:
                scores[move].false_neg.append(row)
    return scores


def exact_share(recognize: Callable[[str], list[str]], rows: list[Labeled]) -> float:
    """Share of utterances whose whole set of moves was heard exactly."""
    return sum(set(recognize(r.text)) == r.moves for r in rows) / len(rows)

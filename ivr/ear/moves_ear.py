"""The representative's ear: the coach's rules (config/moves.yaml) joined with the trained multi-label moves model.

Measured on tests/data/moves/heldout.tsv and fresh.tsv (docs/ear.md), neither alone is best: the
rules are precise but miss new wording ("can i talk to whoever is in charge"), the model hears new
wording but misses some the rules know. A move is heard when the rules hear it or the model gives
it at least THRESHOLD, unless a rule's veto says otherwise ("i don't want a supervisor yet"): the
vetoes are where rules measure better, so they stay.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Protocol

from .linear import LinearModel, load_model

MODEL = Path(__file__).resolve().parent / "data" / "moves-model.json"
THRESHOLD = 0.7  # chosen on the held-out sets: 0.5 heard too much, 0.9 too little (docs/ear.md)


class Rules(Protocol):
    """What the coach's rule recognizer (ivr.coach.moves.MoveRecognizer) offers."""

    def recognize(self, text: str) -> list[str]: ...  # noqa: D102
    def vetoed(self, text: str) -> set[str]: ...  # noqa: D102
    def warm(self) -> None: ...  # noqa: D102


class MovesEar:
    """recognize(text) -> moves, as the dialogue and `coach classify` use it; made once per app."""

    def __init__(self, rules: Rules, model_path: Path = MODEL):
        self.rules = rules
        self._model_path = model_path
        self._lock = threading.Lock()

    @cached_property
    def model(self) -> LinearModel:
        """The trained moves model, read on first use."""
        with self._lock:
            return load_model(self._model_path)

    def warm(self) -> None:
        """Load everything the first utterance would (gunicorn's master calls this before forking)."""
        self.rules.warm()
        self.model  # noqa: B018 (loading is the point)

    def recognize(self, text: str) -> list[str]:
        """The moves in `text`, in the model's (MOVES) order, each once; [] for small talk, silence or garbage."""
        heard = set(self.rules.recognize(text))
        if not text or not text.strip():
            return []
        by_model = {m for m, p in zip(self.model.labels, self.model.probabilities(text)) if p >= THRESHOLD}
        if by_model - heard:
            heard |= by_model - self.rules.vetoed(text)
        return [m for m in self.model.labels if m in heard]

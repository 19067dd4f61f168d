"""How the person at the desk words a reply: the persona's wordings in turn, never a sentence twice in a row."""

from __future__ import annotations

import re
import zlib

from ..line.practice_line import Segment
from .personas import first_choice, wordings
from .scenarios import ScenarioBook
from .state import HOLD, REFERENCE, DeskState

# Said as they are, whatever came before: the coach's summary, digits, and the keypad (after every silence).
AS_THEY_ARE = ("coach-", "well-", "tip-", "digit-", "desk-keypad-")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def vary(book: ScenarioBook, s: DeskState, said: list[str | Segment]) -> list[str | Segment]:
    """Each reply type in the persona's wording, never a sentence of the previous reply again (s.last)."""
    before = set(s.last.split())
    persona_id = book.persona_id(s.persona)
    call = f"{s.scenario}:{persona_id}"
    out: list[str | Segment] = []
    for part in said:
        if isinstance(part, str) and part not in (HOLD, REFERENCE) and not part.startswith(AS_THEY_ARE):
            ways = wordings(book.personas, persona_id, part)
            start = first_choice(call, s.turns, len(ways), default=not s.persona)
            fresh = [w for k in range(len(ways)) if (w := ways[(start + k) % len(ways)]) not in out
                     and _digest(book.text(w)) not in before]
            part = fresh[0] if fresh else ways[start]
            if not fresh and _digest(book.text(part)) in before:
                part = _again(book, part)  # the scenario's one wording, again: said as a person would
        out.append(part)
    s.last = " ".join(_digest(_text(book, part)) for part in out if part not in (HOLD, REFERENCE))
    return out


def _again(book: ScenarioBook, prompt_id: str) -> Segment:
    """A prompt said again straight after itself: a question is asked again in its last sentence alone
    ("Could you give me the details...?"), anything else is marked as said before."""
    text = book.text(prompt_id)
    said = sentences(text)
    if text.endswith("?") and len(said) > 1:
        return Segment(prompt_id, said[-1])
    return Segment(prompt_id, f"{book.text('desk-as-i-said')} {text}")


def _text(book: ScenarioBook, part: str | Segment) -> str:
    return part.text if isinstance(part, Segment) else book.text(part)


def _digest(text: str) -> str:
    """A short fingerprint of a sentence: the state remembers the last reply by these, not by its words."""
    return format(zlib.crc32(text.encode()), "08x")


def sentences(text: str) -> list[str]:
    """The sentences of a text, each with its closing mark."""
    return [part for part in _SENTENCE_END.split(text) if part]

"""Who says each part of a desk's reply: the line itself, the representative (in the persona's voice) or the
supervisor (in the line's), so one person keeps one voice for the whole call.

The line says the scenario's situation and goal, the holds on the way to a desk, the keypad aside, where a
try-again picks up, and the coach's report. Everything else is said by the person at the desk; in a reply
that puts the caller on hold for another desk, what comes before the hold is said by the desk they were at.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..line.flows import REFERENCE
from ..line.practice_line import Segment
from ..line.settings import Voice
from .scenarios import REP, SUP, ScenarioBook
from .state import HOLD

LINE = "line"  # the practice line's own voice: not a person at a desk
# Prompts at a desk that the line says, not the person there (by id prefix).
NARRATED_PREFIXES = ("desk-keypad-", "desk-try-again", "coach-", "tip-", "well-")
# A scenario's prompts that the line reads before the desk; the rest of its words are the desk's.
NARRATED_FIELDS = ("situation", "goal")
DESK_FIELDS = ("ask_details", "can", "cannot", "formal", "next_steps")


def prompt_of(item: str | Segment) -> str:
    """The prompt id of one item of a reply (a Segment's own, else the item itself)."""
    return item.prompt_id if isinstance(item, Segment) else item


def narrated(book: ScenarioBook, prompt_id: str) -> bool:
    """Whether the line itself says `prompt_id` at a desk (never the representative or the supervisor)."""
    if prompt_id == HOLD or prompt_id.startswith(NARRATED_PREFIXES):
        return True
    return any(prompt_id in (s.situation, s.goal) for s in book.scenarios.values())


def speakers(book: ScenarioBook, said: Sequence[str | Segment], desk: str, desk_before: str | None = None) -> list[str]:
    """Who says each item of `said`, a reply that leaves the caller at `desk`: LINE, REP or SUP.

    Up to the reply's last hold, the desk the caller was at says it (`desk_before`: "please hold while I
    find a supervisor"), or the line when the caller is only now reaching a desk (None).
    """
    ids = [prompt_of(item) for item in said]
    cut = len(ids) - ids[::-1].index(HOLD) if HOLD in ids else 0
    return [LINE if narrated(book, prompt_id) else (desk_before or LINE) if i < cut else desk
            for i, prompt_id in enumerate(ids)]


def voice_of(book: ScenarioBook, persona_id: str | None, speaker: str) -> Voice | None:
    """The voice `speaker` talks in: the persona's own for the representative, else None (the line's)."""
    if speaker != REP:
        return None
    persona = book.personas.personas.get(persona_id or book.personas.default_persona)
    return persona.voice if persona is not None else None  # a state from before personas.yaml changed


def representative_texts(book: ScenarioBook) -> dict[str, str]:
    """Every text the representative may say -> its prompt id; what `audio build` renders in each persona's
    own voice: the desk's words (desk-*, persona-*), the scenarios' words for the desk, the desk's greeting
    and notices, the hold before the supervisor, and a reference number read out."""
    line = book.line
    ids = [p for p in line.texts if p.startswith(("desk-", "persona-")) and not narrated(book, p)]
    ids += [getattr(s, field) for s in book.scenarios.values() for field in DESK_FIELDS]
    ids += [s.next_steps_offered for s in book.scenarios.values() if s.next_steps_offered]
    ids += list(line.flow.nodes[book.desks.representative].prompts)
    ids += [p for node in line.flow.nodes.values() if node.kind == "hold" and node.next == book.desks.supervisor
            for p in node.prompts]
    ids += ["reference-intro"] + [f"digit-{d}" for d in range(10)]
    found = {line.text(p): p for p in dict.fromkeys(ids) if p != REFERENCE and p in line.texts}
    for notice in line.nodes[book.desks.representative].notices.values():  # "{person}" filled in
        found.setdefault(notice.text, notice.prompt_id)
    return found


def voiced_texts(book: ScenarioBook) -> dict[tuple[str, Voice], str]:
    """Every (words, voice) a representative says in a persona's own voice -> a label naming the prompt and
    the persona; what `audio build` renders and the audio library indexes besides the line's."""
    found: dict[tuple[str, Voice], str] = {}
    said = representative_texts(book)
    for persona_id, persona in book.personas.personas.items():
        if persona.voice is None:
            continue
        for text, prompt_id in said.items():
            if prompt_id.startswith("persona-") and not prompt_id.startswith(f"persona-{persona_id}-"):
                continue  # another persona's own words
            found.setdefault((text, persona.voice), f"{prompt_id} ({persona_id}'s voice)")
    return found


__all__ = ["LINE", "REP", "SUP", "narrated", "representative_texts", "speakers", "voice_of", "voiced_texts"]

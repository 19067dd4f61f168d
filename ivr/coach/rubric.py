"""The coach's rubric: which of the guide's habits a rehearsal showed, from the conversation's state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .scenarios import RUBRIC_ITEMS, ScenarioBook

if TYPE_CHECKING:  # the dialogue speaks the summary, so it imports this module
    from .dialogue import DeskState

# Items met by one fact the conversation recorded (the fact's quote is what earned it).
BY_FACT = {"stated-purpose": "purpose", "gave-details": "details", "stated-outcome": "outcome",
           "asked-name": "name", "asked-reference": "reference", "asked-next-steps": "next-steps",
           "confirmed": "confirmed"}


@dataclass(frozen=True)
class Item:
    """One rubric item: met or not, the caller's words behind it (digits masked), and the tip's prompt id."""

    id: str
    met: bool
    said: str
    tip: str


def score(book: ScenarioBook, state: DeskState) -> list[Item]:
    """Every item that applied to this rehearsal, in the report's order."""
    items = []
    for item_id in RUBRIC_ITEMS:
        judged = _judge(book, state, item_id)
        if judged is not None:
            met, said = judged
            items.append(Item(item_id, met, said, book.file.rubric[item_id].tip))
    return items


def _judge(book: ScenarioBook, state: DeskState, item_id: str) -> tuple[bool, str] | None:
    """(met, words) for one item, or None when it did not apply."""
    facts, said = state.facts, state.said
    if item_id in BY_FACT:
        fact = BY_FACT[item_id]
        return fact in facts, said.get(fact, "")
    if item_id == "stayed-polite":
        # Frustration about the situation is fine (the guide's own advice); blaming the person is not.
        return "hostile" not in facts, said.get("hostile", "")
    # escalated-well applies once the representative pushed back, or once the caller asked for more.
    if not facts & {"answered", "sup-early", "sup-after"}:
        return None
    scenario = book.get(state.scenario or book.file.default_scenario)
    # When the supervisor could not settle it either, the formal route was the next thing to ask about.
    formal_needed = "offered" in facts and not scenario.supervisor_resolves
    met = "sup-after" in facts and "sup-early" not in facts and (not formal_needed or "formal-after" in facts)
    words = [said[f] for f in ("sup-after", "formal-after") if f in said] if met else \
        [said[f] for f in ("sup-early",) if f in said]
    return met, " … ".join(words)

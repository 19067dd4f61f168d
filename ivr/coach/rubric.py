"""The coach's rubric: which of the guide's habits a rehearsal showed, from the conversation's state."""

from __future__ import annotations

from dataclasses import dataclass

from .scenarios import RUBRIC_ITEMS, ScenarioBook
from .state import DeskState, Fact

# Items met by one fact the conversation recorded (the fact's quote is what earned it).
BY_FACT = {"stated-purpose": Fact.PURPOSE, "gave-details": Fact.DETAILS, "stated-outcome": Fact.OUTCOME,
           "asked-name": Fact.NAME, "asked-reference": Fact.REFERENCE, "asked-next-steps": Fact.NEXT_STEPS,
           "confirmed": Fact.CONFIRMED}


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
            items.append(Item(item_id, met, said, book.tip(item_id, state.persona)))
    return items


def _judge(book: ScenarioBook, state: DeskState, item_id: str) -> tuple[bool, str] | None:
    """(met, words) for one item, or None when it did not apply."""
    facts, said = state.facts, state.said
    persona = book.persona(state.persona)
    if item_id == "held-the-line":  # against a rushed representative: a reference and next steps before the end
        if not persona.wraps_up_early:
            return None
        held = Fact.REFERENCE in facts and Fact.NEXT_STEPS in facts
        return held, " … ".join(said[f] for f in (Fact.REFERENCE, Fact.NEXT_STEPS) if f in said and held)
    if item_id == "escalated-calmly":  # against by the book: a calm ask for the supervisor after the second no
        if persona.pushbacks < 2 or Fact.ANSWERED not in facts:
            return None
        return Fact.CALM_AFTER_SECOND_NO in facts, said.get(Fact.CALM_AFTER_SECOND_NO, "")
    if item_id == "gave-details":  # where the representative takes them down, every one of them
        lacking = [p for p in book.get(state.scenario or book.file.default_scenario).capture if p not in state.heard]
        return Fact.DETAILS in facts and not lacking, said.get(Fact.DETAILS, "")
    if item_id in BY_FACT:
        fact = BY_FACT[item_id]
        return fact in facts, said.get(fact, "")
    if item_id == "stayed-polite":
        # Frustration about the situation is fine (the guide's own advice); blaming the person is not.
        return Fact.HOSTILE not in facts, said.get(Fact.HOSTILE, "")
    # escalated-well applies once the representative pushed back, or once the caller asked for more.
    if not facts & {Fact.ANSWERED, Fact.SUP_EARLY, Fact.SUP_AFTER}:
        return None
    scenario = book.get(state.scenario or book.file.default_scenario)
    # When the supervisor could not settle it either, the formal route was the next thing to ask about.
    formal_needed = Fact.OFFERED in facts and not scenario.supervisor_resolves
    met = Fact.SUP_AFTER in facts and Fact.SUP_EARLY not in facts and (not formal_needed or Fact.FORMAL_AFTER in facts)
    words = [said[f] for f in (Fact.SUP_AFTER, Fact.FORMAL_AFTER) if f in said] if met else \
        [said[f] for f in (Fact.SUP_EARLY,) if f in said]
    return met, " … ".join(words)

"""Tips that fit the call: each example sentence comes from the scenario rehearsed and what was agreed in it."""

from __future__ import annotations

from ..line.practice_line import Segment
from .details import facts_for_ear, retell
from .scenarios import ScenarioBook
from .state import DeskState, Fact
from .wording import sentences

# The caller's side of what the representative said: "I've sent your card" -> "you've sent my card".
_FLIP = {"i": "you", "i've": "you've", "i'll": "you'll", "i'm": "you're", "we": "you", "we'll": "you'll",
         "we've": "you've", "my": "your", "your": "my", "you": "I", "you'll": "I'll", "you've": "I've",
         "you're": "I'm", "me": "you", "us": "you", "our": "your"}
# After these, "you" is an object: "write to you" -> "write to me".
_OBJECT_AFTER = frozenset({"to", "for", "with", "at", "from", "send", "give", "tell", "call", "email", "write",
                           "let", "help", "ask", "reach", "reaches", "reached", "thank"})
# Sentences of a reply that say what the person does or will do: the ones worth repeating back.
_AGREEING = ("i'll", "i've", "i can", "we'll", "you'll", "the ")


def fitted_tip(book: ScenarioBook, state: DeskState, item_id: str) -> str | Segment:
    """The tip for `item_id` in this call: its prompt, with an example made from the scenario where it has one."""
    tip = book.file.rubric[item_id].tip
    example = _example(book, state, item_id)
    return Segment(tip, f"{book.text(tip)} {example}") if example else tip


def _example(book: ScenarioBook, state: DeskState, item_id: str) -> str | None:
    scenario = book.get(state.scenario or book.file.default_scenario)
    # Against a persona, the tip quotes the caller's own line where it went wrong.
    if item_id == "held-the-line" and state.said.get("goodbye"):
        return f"(You said “{state.said['goodbye']}” before you had them.)"
    if item_id == "escalated-calmly" and state.said.get(Fact.HOSTILE):
        return f"(You said “{state.said[Fact.HOSTILE]}”.)"
    if item_id == "stated-purpose":  # "A charge you don't recognize" -> "I'm calling about a charge I don't recognize."
        about = " ".join("I" if word == "you" else word for word in scenario.title.split())
        return f"I'm calling about {about[0].lower()}{about[1:]}."
    if item_id == "stated-outcome":  # the scenario's goal, in the caller's words
        goal = book.text(scenario.goal).removeprefix("Your goal: ").rstrip(".")
        return f"I'd like to {_flip(goal)}."
    if item_id == "gave-details":
        facts = list(facts_for_ear(scenario.facts).items())
        # The card's digits are said as "the last four": a saved report masks any four digits in a row.
        instead = {"card": "the card's last four digits", "reference": "the reference from last time"}
        said = [instead.get(name, value) for name, value in facts]
        return f"{', '.join(said)}." if said else None
    if item_id == "confirmed":  # what was agreed: the supervisor's offer, else the representative's answer
        source = (scenario.supervisor if Fact.OFFERED in state.facts else
                  scenario.can if Fact.ANSWERED in state.facts else scenario.next_steps)
        said = retell(book.text(source), scenario.facts, state.heard)  # the caller's own details, once heard
        next_steps = book.text(scenario.next_steps)
        sentence = (_agreed_sentence(said) or _agreed_sentence(next_steps)
                    or sentences(next_steps)[0].rstrip(".!"))
        return f"So, just to confirm, {_flip(sentence)}?"
    return None


def _agreed_sentence(text: str) -> str | None:
    """The sentence of a reply that says what will be done (its last such sentence), without its full stop."""
    found = [s for s in sentences(text) if s.lower().startswith(_AGREEING) or " i'll " in s.lower()]
    return found[-1].rstrip(".!") if found else None


def _flip(text: str) -> str:
    """Words the representative said, as the caller would say them back."""
    words: list[str] = []
    for word in text.split():
        core = word.rstrip(",.;:")
        flipped = _FLIP.get(core.lower())
        if core.lower() == "you" and words and words[-1].lower() in _OBJECT_AFTER:
            flipped = "me"
        if core.lower() == "are" and words and words[-1] == "I":
            flipped = "am"
        words.append(word if flipped is None else flipped + word[len(core):])
    if words and words[0] not in ("I", "I'll", "I've", "I'm"):
        words[0] = words[0][0].lower() + words[0][1:]
    return " ".join(words)

"""Tips that fit the call: each example sentence comes from the scenario rehearsed and what was agreed in it."""

from __future__ import annotations

from ..line.practice_line import Segment
from .details import facts_for_ear, retell
from .scenarios import ScenarioBook
from .state import GOODBYE, HOSTILE_ASK, DeskState, Fact, answered_key
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


# For a missed item, the caller's own line that was about it, and the words that introduce it: the first
# key of `said` the call has (facts' values, or state's other keys), with its prompt.
QUOTED: dict[str, tuple[tuple[str, str], ...]] = {
    "stated-purpose": ((answered_key(Fact.PURPOSE), "tip-said-began"),),
    "gave-details": ((Fact.DETAILS.value, "tip-said-part"), (answered_key(Fact.DETAILS), "tip-said-when-details")),
    "stated-outcome": ((answered_key(Fact.OUTCOME), "tip-said-when-outcome"),),
    "stayed-polite": ((Fact.HOSTILE.value, "tip-said"),),
    "escalated-well": ((Fact.SUP_EARLY.value, "tip-said-early"), (HOSTILE_ASK, "tip-said"),
                       (GOODBYE, "tip-said-goodbye")),
    "escalated-calmly": ((HOSTILE_ASK, "tip-said"), (GOODBYE, "tip-said-goodbye")),
    **{item_id: ((GOODBYE, "tip-said-goodbye"),)
       for item_id in ("held-the-line", "asked-reference", "asked-next-steps", "confirmed")},
}


def fitted_tip(book: ScenarioBook, state: DeskState, item_id: str, quote: bool = False) -> str | Segment:
    """The tip for `item_id` in this call: the persona's advice (else the rubric's), with an example made from
    the scenario where it has one; with `quote` (an item missed), the caller's own line about it, where one is."""
    tip = book.tip(item_id, state.persona)
    words = [part for part in (_example(book, state, item_id), _quoted(book, state, item_id) if quote else None)
             if part]
    return Segment(tip, " ".join([book.text(tip), *words])) if words else tip


def _quoted(book: ScenarioBook, state: DeskState, item_id: str) -> str | None:
    """The caller's own line about a missed item, introduced ("You ended the call with: “that's all”"), or None.

    The line is as the desk kept it in `said`: digit runs already masked."""
    for key, prompt_id in QUOTED.get(item_id, ()):
        if state.said.get(key):
            return f"{book.text(prompt_id)} “{state.said[key]}”"
    return None


def _example(book: ScenarioBook, state: DeskState, item_id: str) -> str | None:
    scenario = book.get(state.scenario or book.file.default_scenario)
    if item_id == "stated-purpose":  # "A charge you don't recognize" -> "I'm calling about a charge I don't recognize."
        # A title's aside after its comma ("..., asked about again") is for the card, not for the caller to say.
        about = " ".join("I" if word == "you" else word for word in scenario.title.split(",")[0].split())
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
        offered = Fact.OFFERED in state.facts and scenario.next_steps_offered is not None
        next_steps = book.text(scenario.next_steps_offered if offered else scenario.next_steps)
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

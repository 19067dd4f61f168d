"""The keys that work at a desk, read from the flow, as the phone page lists them beside the captions."""

from __future__ import annotations

from .dialogue import key_action
from .scenarios import REP, ScenarioBook

# What each key does at a desk, in a few words (the desk's own actions: see dialogue.key_action).
KEY_WORDS = {
    "ask-supervisor": "ask for a supervisor",
    "formal-complaint": "the formal complaint route",
    "finish": "when you're done",
    "repeat": "hear the question again",
    "back": "back to the menu",
}
KEYS = "1234567890*#"


def desk_keys(book: ScenarioBook, desk: str = REP) -> list[tuple[str, str]]:
    """[(key, what it does)] at a desk, in keypad order: the spoken sentence names only the first two."""
    found = []
    for key in KEYS:
        action = key_action(book, desk, key)
        if action in KEY_WORDS:
            found.append((key, KEY_WORDS[action]))
    return found

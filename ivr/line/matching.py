"""Turn what a caller said into one of a menu's choices, forgivingly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple, Protocol

# Words that carry no choice: "um, I'd like to report my lost card" is "lost card".
FILLER = frozenset(
    """um umm uh uhh er erm ah oh hmm like i i'd i'm im me my mine want wanna need would
    to a an the please just so well hi hello hey yeah okay ok can could you your it its it's
    is am are be been was with for of on about some this that there here have has got do
    let speak talk call calling help and or now today""".split()
)
# Spoken keys: "press one", "option two", "star".
KEY_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "star": "*", "pound": "#", "hash": "#",
}
KEY_PREFIXES = frozenset({"press", "option", "number", "key", "dial"})


def asks_for_help(text: str) -> bool:
    """True for a plea for help and nothing more ("help", "can you help me please"): the options, again."""
    return "help" in re.findall(r"[a-z']+", text.lower()) and not tokens(text)


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words without punctuation, fillers or a plural 's'."""
    text = text.lower().replace("\u2019", "'")
    words = re.findall(r"[a-z0-9']+|[*#]", text)
    return tuple(_stem(w.strip("'")) for w in words if w.strip("'") and w.strip("'") not in FILLER)


def _stem(word: str) -> str:
    # "charges", "points", "benefits" match "charge", "point", "benefit".
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def spoken_key(text: str) -> str | None:
    """The key a caller named ("press one", "2", "star"), if that is all they said."""
    words = [w for w in re.findall(r"[a-z0-9']+|[*#]", text.lower()) if w not in KEY_PREFIXES]
    if len(words) != 1:
        return None
    word = words[0]
    if len(word) == 1 and word in "0123456789*#":
        return word
    # "Oh" alone is a reaction, not a key; it means zero only among other digits.
    return KEY_WORDS.get(word) if word != "oh" else None


def spoken_digits(text: str) -> str:
    """The digits in what was said: "one two 3 4" -> "1234" (other words are ignored)."""
    out = []
    for word in re.findall(r"[a-z]+|[0-9]", text.lower()):
        digit = word if word.isdigit() else KEY_WORDS.get(word)
        if digit and digit.isdigit():
            out.append(digit)
    return "".join(out)


@dataclass(frozen=True)
class PhraseIndex:
    """Phrases of one menu, pre-tokenised at start-up so matching is cheap."""

    entries: tuple[tuple[frozenset[str], int, str], ...]  # (phrase words, length, choice)

    @classmethod
    def build(cls, phrases: list[tuple[str, str]]) -> PhraseIndex:
        """Index (phrase, choice) pairs; earlier pairs win ties."""
        entries = []
        for phrase, choice in phrases:
            words = tokens(phrase)
            if words:
                entries.append((frozenset(words), len(words), choice))
        return cls(tuple(entries))

    def match_whole(self, said: str) -> str | None:
        """The choice whose phrase is everything that was said (for free answers like a merchant's name)."""
        heard = frozenset(tokens(said))
        for words, _length, choice in self.entries:
            if words == heard:
                return choice
        return None

    def match(self, said: str) -> str | None:
        """The choice whose phrase is most fully contained in what was said."""
        heard = set(tokens(said))
        best, best_len = None, 0
        for words, length, choice in self.entries:
            if length > best_len and words <= heard:
                best, best_len = choice, length
        return best


class Heard(NamedTuple):
    """What an ear made of a caller's words at one menu.

    choice: a node id or one of the @ choices, or None when nothing this menu offers was said;
    sure: False when the ear is unsure, so the caller is asked "did you mean ...?" first;
    handoff: a card topic this line has no branch for, so a person takes it.
    """

    choice: str | None
    sure: bool = True
    handoff: bool = False


class Ear(Protocol):
    """Understands callers in their own words (ivr.ear.menu_ear.MenuEar is the trained one)."""

    def hear(self, node_id: str, said: str, confidence: float | None = None) -> Heard:
        """Where `said` leads at menu `node_id`; `confidence` is the recognizer's own (Twilio's), if any."""
        ...

    def agrees(self, said: str) -> bool | None:
        """True for a yes ("yeah that's right"), False for a no, None for anything else."""
        ...

    def question(self, choice: str) -> str:
        """The "did you mean" question for going to `choice`."""
        ...

    def hints(self, node_id: str, phrases: str) -> str:
        """The <Gather> hints at `node_id`: the menu's `phrases`, then words the ear knows callers say there."""
        ...

"""Lines that steer the conversation rather than carry it: a caller who is done, and one who asks to hear
the last thing again ("sorry, what?").

A goodbye is heard the way a person at a desk hears one: the desk's own "that's all" phrases (flows.yaml)
or the line's trained ear hearing "finished" there; "no" answers "anything else?"; but "I'm not done",
"hold on a second" and a thank-you for something ("thank you, that would help a lot") keep the call going.
"""

from __future__ import annotations

import re

from .normalize import normalize

# "Not" before the words of a goodbye turns it round: "I'm not done", "that's not all", "not yet".
NOT_DONE = re.compile(r"\b(?:not|never)\b(?: \w+){0,2}? (?:done|finished|all|it|yet|over|through|everything)\b"
                      r"|^not yet\b|\b(?:hold on|wait|one more|another question|one second|one sec|a second|"
                      r"a moment|a minute|before you go|also)\b")
# Words a thank-you comes with when it is only a thank-you ("thanks so much for your help today").
POLITE = frozenset("thank thanks you so much very really okay great alright all right that is for your help "
                   "the a today appreciate it sir ma'am".split())
# Words that make a line a goodbye even beside a thank-you ("thank you, that's all", "thanks, bye").
CLOSING = frozenset("bye goodbye all done finished set everything it else resolved".split())
# A request to hear it again, said on its own (after fillers and "sorry"): "what?", "could you repeat that".
ASKS_AGAIN = re.compile(
    r"^(?:sorry |excuse me |pardon |oh )*(?:what|huh|pardon|pardon me|sorry|excuse me|come again|"
    r"what was that|what did you say|say that again|say it again|(?:can|could|would) you (?:please )?"
    r"(?:repeat|say) (?:that|it|what you said)(?: again)?(?: please)?|repeat that(?: please)?|"
    r"i did not (?:catch|hear|get) (?:that|you|what you said))(?: please)?$")
# What a desk asks when it offers to wrap up: "Is there anything else I can help with?", "What else...?"
ANYTHING_ELSE = re.compile(r"\b(?:anything|something|what) (?:else|further)\b[^.!?]*\?$", re.IGNORECASE)
NO_MORE = frozenset("no nope nah".split())
# A line that only greets ("hi", "hello?", "yes hi, can you hear me"): answered in kind, never held against
# the caller as unclear.
HELLO = frozenset("hi hello hey hiya morning afternoon evening".split())
GREETING = HELLO | frozenset("good there yes yeah okay so can you hear me".split())


def asks_to_repeat(speech: str) -> bool:
    """True when the whole line asks to hear the last thing again ("sorry, what?", "can you repeat that")."""
    plain = normalize(speech)
    return bool(plain) and ASKS_AGAIN.match(plain) is not None


def keeps_going(speech: str) -> bool:
    """True when the words say the caller is not finished ("I'm not done", "hold on a second")."""
    return NOT_DONE.search(normalize(speech)) is not None


def only_thanks_or_closing(speech: str) -> bool:
    """True when a line with a thank-you in it says nothing else, or also says it is a goodbye."""
    words = set(normalize(speech).split())
    rest = words - POLITE
    return not rest or bool(rest & CLOSING)


def no_more(speech: str) -> bool:
    """True for a short "no" ("no thanks", "nope, that's it"): the answer to "anything else?"."""
    words = normalize(speech).split()
    return bool(words) and words[0] in NO_MORE and len(words) <= 5 and set(words[1:]) <= POLITE | CLOSING


def only_greets(speech: str) -> bool:
    """True when the whole line is a greeting ("hi", "hello?", "yes hi, good morning")."""
    words = set(normalize(speech).split())
    return bool(words & HELLO) and words <= GREETING


def names_the_end(speech: str) -> bool:
    """True when a word of the line says it is over ("that's it", "that's all", "bye")."""
    return bool(set(normalize(speech).split()) & CLOSING)


def asks_anything_else(text: str) -> bool:
    """True when a reply's last words ask whether there is anything else."""
    return ANYTHING_ELSE.search(text.strip()) is not None

"""What a linear model sees of a sentence: its words, word pairs and letter runs, the same at training and at run time."""

from __future__ import annotations

import re
from functools import lru_cache

# Twilio's SpeechResult is a sentence or two; a longer text is cut so a 10 kB post stays cheap.
MAX_CHARS = 400
_WORD = re.compile(r"[a-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# Letter runs of these lengths inside each word (padded with a space at both ends), as scikit-learn's
# "char_wb" analyzer makes them: they catch recognizer slips and word forms ("stolen", "stole").
CHAR_SIZES = (3, 4, 5)


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("don't" -> "dont"), every number as 0."""
    text = text[:MAX_CHARS].lower().replace("\u2019", "").replace("'", "")
    return _WORD.findall(_DIGITS.sub("0", text))


def features(text: str) -> list[str]:
    """Every feature of `text`, repeated as often as it occurs: w:word, p:word_word, and letter runs."""
    tokens = words(text)
    out = [f"p:{a}_{b}" for a, b in zip(tokens, tokens[1:])]
    for token in tokens:
        out += _of_word(token)
    return out


@lru_cache(maxsize=8192)
def _of_word(token: str) -> tuple[str, ...]:
    """A word's own features: w:word and its letter runs (kept: callers use the same few hundred words)."""
    padded = f" {token} "
    return (f"w:{token}", *(padded[i:i + size] for size in CHAR_SIZES for i in range(len(padded) - size + 1)))

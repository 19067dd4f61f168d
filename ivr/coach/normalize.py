"""Bring typed or speech-recognized text to one plain form the move patterns are written against.

"Um, I'm calling about a $42 charge on the 23rd" and "um im calling about a forty two dollar
charge on the twenty third" both become "i am calling about a NUM dollars charge on the ORD":
lower case, no punctuation, contractions spelled out, fillers dropped, numbers as NUM, ordinals as ORD.
"""

from __future__ import annotations

import re

# Twilio's SpeechResult is a sentence or two; anything longer is cut so a 10 kB post stays cheap.
MAX_CHARS = 1000

CARDINALS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million""".split()
)
ORDINALS = frozenset(
    """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth
    fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth""".split()
)
# Sounds and habits of speech that carry no move. "like" is handled apart: "I'd like" is a request.
FILLERS = frozenset("um umm uhm uh uhh er erm ah ahh hmm hm mhm basically actually literally".split())
FILLER_PHRASES = re.compile(r"\b(?:you know|i mean)\b")
# Spoken forms without an apostrophe, as recognizers often write them.
BARE_CONTRACTIONS = {
    "im": "i am", "youre": "you are", "dont": "do not", "cant": "can not", "cannot": "can not",
    "didnt": "did not", "doesnt": "does not", "hasnt": "has not", "havent": "have not", "isnt": "is not",
    "wasnt": "was not", "wont": "will not", "whats": "what is", "thats": "that is", "theres": "there is",
    "whos": "who is", "youll": "you will", "youve": "you have", "ive": "i have", "gonna": "going to",
    "wanna": "want to", "gotta": "got to", "cause": "because", "cuz": "because", "coz": "because",
    "ok": "okay",
}
SUFFIXES = (("n't", " not"), ("'re", " are"), ("'m", " am"), ("'ll", " will"), ("'ve", " have"),
            ("'d", " would"))
# "'s" is "is" after these words; elsewhere it is a possessive ("the agent's name" -> "the agent name").
S_IS = frozenset("it that what there who he she here where how everything nothing something".split())
IRREGULAR = {"can't": "can not", "won't": "will not", "let's": "let us", "ain't": "is not"}
# After "would", "I", "you"... "like" is a wish ("I'd like a refund"); elsewhere it is filler.
LIKE_KEPT_AFTER = frozenset("would i you we they do did not really".split())
# Words that may stand between those and the wish: "I'd still like it removed", "I would just like a refund".
LIKE_ADVERBS = frozenset("still just also only really much very definitely simply rather certainly so".split())


def normalize(text: str) -> str:
    """The plain form of one utterance: see the module docstring."""
    text = text[:MAX_CHARS].lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\$\s?(\d[\d,]*(?:\.\d+)?)", r"\1 dollars", text)
    text = re.sub(r"(\d),(\d)", r"\1\2", text)
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)
    text = " ".join(_expand(w) for w in words)
    text = FILLER_PHRASES.sub(" ", text)
    return " ".join(_numbers(_drop_fillers(text.split())))


def _expand(word: str) -> str:
    """Spell out one contraction: "you're" -> "you are", "dont" -> "do not"."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word in BARE_CONTRACTIONS:
        return BARE_CONTRACTIONS[word]
    for suffix, spelled in SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)] + spelled
    if word.endswith("'s"):
        return word[:-2] + (" is" if word[:-2] in S_IS else "")
    return word.replace("'", "")


def _drop_fillers(words: list[str]) -> list[str]:
    """Drop fillers, and "like" unless it follows a word that makes it a wish (adverbs between allowed)."""
    kept: list[str] = []
    for word in words:
        if word in FILLERS or (word == "like" and not _wish(kept)):
            continue
        kept.append(word)
    return kept


def _wish(before: list[str]) -> bool:
    """Whether a "like" after the words `before` is a wish: "would like", "would still like"."""
    for word in reversed(before):
        if word in LIKE_KEPT_AFTER:
            return True
        if word not in LIKE_ADVERBS:
            return False
    return False


def _is_number(word: str) -> bool:
    return word in CARDINALS or word.isdigit()


def _is_ordinal(word: str) -> bool:
    return word in ORDINALS or re.fullmatch(r"\d+(?:st|nd|rd|th)", word) is not None


def _numbers(words: list[str]) -> list[str]:
    """Collapse each run of number words to NUM, or to ORD when it ends in an ordinal ("twenty third")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i
        # "two hundred and fifteen": "and" joins number words inside one amount.
        while j < len(words) and (_is_number(words[j]) or (words[j] == "and" and j > i
                                                           and j + 1 < len(words) and _is_number(words[j + 1]))):
            j += 1
        if j < len(words) and _is_ordinal(words[j]):
            out.append("ORD")
            i = j + 1
        elif j > i:
            # "one" alone is usually a pronoun ("a new one", "no one"), not an amount.
            out.append("one" if words[i:j] == ["one"] else "NUM")
            i = j
        else:
            out.append(words[i])
            i += 1
    return out

"""What the caller said, as moves: phrase patterns and examples from config/moves.yaml, matched on normalized text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator
from ..line.errors import ConfigError
from ..line.flows import StrictModel
from ..line.yamlfile import load_model
from .normalize import normalize

MOVES: tuple[str, ...] = ("purpose", "details", "outcome", "ask-name", "ask-reference", "ask-next-steps",
                          "confirm", "ask-supervisor", "formal-complaint", "hostile")

ClassName = Annotated[str, Field(pattern=r"^[a-z]+(-[a-z]+)*$")]
# "..." in a pattern: a gap of up to four words ("calling ... about" matches "calling you today about").
GAP = r"(?:\S+ ){0,4}?"


class MoveRules(StrictModel):
    """How one move is heard: patterns on normalized text, whole examples matched fuzzily, and vetoes."""

    patterns: list[str] = Field(min_length=1)
    examples: list[str] = []
    unless: list[str] = []


class MovesFile(StrictModel):
    """The whole of config/moves.yaml."""

    fuzzy_threshold: float = Field(90, ge=50, le=100)
    classes: dict[ClassName, list[str]] = {}
    moves: dict[str, MoveRules]

    @model_validator(mode="after")
    def every_move_once(self) -> MovesFile:
        """Every move of MOVES has rules, and no other name appears."""
        unknown = sorted(set(self.moves) - set(MOVES))
        missing = [m for m in MOVES if m not in self.moves]
        if unknown or missing:
            raise ValueError("; ".join(filter(None, [
                unknown and f"unknown move(s) {', '.join(unknown)} (known: {', '.join(MOVES)})",
                missing and f"no rules for move(s) {', '.join(missing)}"])))
        return self


@dataclass(frozen=True)
class _Compiled:
    """One move, ready to match: a single alternation regex, its vetoes, normalized examples."""

    move: str
    pattern: re.Pattern
    unless: re.Pattern | None
    examples: tuple[str, ...]


class MoveRecognizer:
    """Turns one utterance into the moves it makes; built once at start-up, then only read."""

    def __init__(self, rules: tuple[_Compiled, ...], fuzzy_threshold: float):
        self._rules = rules
        self._threshold = fuzzy_threshold

    def recognize(self, text: str) -> list[str]:
        """The moves in `text`, in MOVES order, each once; [] for small talk, silence or garbage."""
        plain = normalize(text or "")
        if not plain:
            return []
        ratio = _partial_ratio()
        found = []
        for rule in self._rules:
            if rule.unless is not None and rule.unless.search(plain):
                continue
            if rule.pattern.search(plain) or self._near_example(plain, rule.examples, ratio):
                found.append(rule.move)
        return found

    def vetoed(self, text: str) -> set[str]:
        """The moves an `unless` pattern rules out in `text` ("i don't want a supervisor yet")."""
        plain = normalize(text or "")
        return {r.move for r in self._rules if plain and r.unless is not None and r.unless.search(plain)}

    def warm(self) -> None:
        """Load now what the first utterance would (gunicorn's master calls this before forking)."""
        _partial_ratio()

    def _near_example(self, plain: str, examples: tuple[str, ...], ratio) -> bool:
        """True if an example appears in `plain`, give or take a recognizer's slip."""
        for example in examples:
            # An utterance much shorter than the example ("name") must not match it from the inside.
            # score_cutoff lets rapidfuzz stop early on an example that cannot reach the threshold.
            if len(plain) >= 0.8 * len(example) and ratio(example, plain, score_cutoff=self._threshold):
                return True
        return False


@functools.cache
def _partial_ratio():
    """rapidfuzz's partial_ratio, imported on first use: the import is a thirtieth of the app's start-up."""
    from rapidfuzz import fuzz

    return fuzz.partial_ratio


def load_recognizer(path: Path) -> MoveRecognizer:
    """Read and check config/moves.yaml; raises ConfigError naming the file and the move."""
    config = load_model(path, MovesFile)
    problems = []
    compiled = []
    for move in MOVES:
        rules = config.moves[move]
        try:
            pattern = _compile(rules.patterns, config.classes)
            unless = _compile(rules.unless, config.classes) if rules.unless else None
        except (re.error, KeyError) as exc:
            problems.append(f"{path}: move {move}: a pattern does not compile ({_why(exc)})")
            continue
        examples = tuple(normalize(e) for e in rules.examples)
        for example, plain in zip(rules.examples, examples):
            if not plain:
                problems.append(f"{path}: move {move}: example {example!r} is empty once normalized")
        compiled.append(_Compiled(move, pattern, unless, tuple(e for e in examples if e)))
    if problems:
        raise ConfigError(problems)
    return MoveRecognizer(tuple(compiled), config.fuzzy_threshold)


def _compile(patterns: list[str], classes: dict[str, list[str]]) -> re.Pattern:
    """One regex for a move's patterns: {class} expands to its words, "..." to a short gap, words match whole."""
    parts = []
    for pattern in patterns:
        for name in re.findall(r"\{([a-z-]+)\}", pattern):
            if name not in classes:
                raise KeyError(f"unknown class {{{name}}} in {pattern!r}")
        expanded = re.sub(r"\{([a-z-]+)\}", lambda m: "(?:" + "|".join(map(re.escape, classes[m[1]])) + ")", pattern)
        parts.append((pattern, re.sub(r"\s*\.\.\.\s*", lambda _m: " " + GAP, expanded.strip())))
    try:
        # One compile per move: compiling is the costly part of start-up, so each pattern is
        # compiled alone only to name the one that is broken.
        return re.compile(r"(?<!\S)(?:" + "|".join(f"(?:{e})" for _p, e in parts) + r")(?!\S)")
    except re.error:
        for pattern, expanded in parts:
            try:
                re.compile(expanded)
            except re.error as exc:
                raise re.error(f"{exc} in {pattern!r}") from exc
        raise


def _why(exc: Exception) -> str:
    return exc.args[0] if exc.args else str(exc)

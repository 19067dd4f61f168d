"""Score the menu ear on labeled sentences: per-intent precision and recall, and what the main menu does with them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .datasets import Example
from .intents import NO_BRANCH, OUT_OF_SCOPE
from .menu_ear import MenuEar

MAIN = "main"


@dataclass
class MainMenuScore:
    """What the main menu did with in-scope, no-branch and out-of-scope callers (counts, and the misses)."""

    in_scope: Counter = field(default_factory=Counter)  # right, asked-right, asked-wrong, wrong, none
    no_branch: Counter = field(default_factory=Counter)  # person, none, asked, branch
    out_of_scope: Counter = field(default_factory=Counter)  # none, person, asked, branch
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (text, meant, outcome)

    def share(self, counter: Counter, *keys: str) -> float:
        """The share of `counter`'s callers whose outcome is one of `keys`."""
        total = sum(counter.values())
        return sum(counter[k] for k in keys) / total if total else 0.0


def main_menu_score(ear: MenuEar, examples: list[Example]) -> MainMenuScore:
    """Say each sentence at the main menu once: where would the caller go, or be asked about?"""
    score = MainMenuScore()
    places = ear.places[MAIN]
    for example in examples:
        heard = ear.hear(MAIN, example.text)
        if example.intent in (NO_BRANCH, OUT_OF_SCOPE):
            outcome = ("person" if heard.handoff else "none" if heard.choice is None
                       else "asked" if not heard.sure else "person" if heard.choice.startswith("@") else "branch")
            (score.no_branch if example.intent == NO_BRANCH else score.out_of_scope)[outcome] += 1
            if outcome in ("asked", "branch"):
                score.misses.append((example.text, example.intent, f"{outcome} {heard.choice}"))
            continue
        meant = places.get(example.intent)
        if meant is None:
            continue  # a sub-menu answer ("by mail", "yes"): no main-menu place
        if heard.choice is None:
            outcome = "person" if heard.handoff else "none"
        elif heard.choice == meant:
            outcome = "right" if heard.sure else "asked-right"
        else:
            outcome = "wrong" if heard.sure else "asked-wrong"
        score.in_scope[outcome] += 1
        if outcome != "right":
            score.misses.append((example.text, example.intent, f"{outcome} {heard.choice or ''}".strip()))
    return score


@dataclass
class IntentScore:
    """Precision and recall of one intent as the model's top label."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0

    @property
    def precision(self) -> float:
        """Of the sentences given this intent, the share that meant it (1.0 when none was)."""
        heard = self.true_pos + self.false_pos
        return self.true_pos / heard if heard else 1.0

    @property
    def recall(self) -> float:
        """Of the sentences meaning this intent, the share given it (1.0 when none did)."""
        made = self.true_pos + self.false_neg
        return self.true_pos / made if made else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def intent_scores(ear: MenuEar, examples: list[Example]) -> tuple[dict[str, IntentScore], Counter]:
    """Per-intent scores of the model's top label, and the (meant, heard) confusion pairs."""
    scores = {label: IntentScore() for label in ear.model.labels}
    confusions: Counter = Counter()
    for example in examples:
        top = ear.model.ranked(example.text)[0][0]
        if top == example.intent:
            scores[top].true_pos += 1
        else:
            scores[top].false_pos += 1
            scores.setdefault(example.intent, IntentScore()).false_neg += 1
            confusions[(example.intent, top)] += 1
    return scores, confusions

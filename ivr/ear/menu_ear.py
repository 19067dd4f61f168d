"""The ear at the menus: the trained intent model, read per menu through data/intents.yaml.

At a menu, each intent that leads somewhere there lends its probability to that place; the caller
goes to the place with the most, when it has enough and clearly more than the next one. At the main
menu a middling score asks "did you mean ...?" once; anywhere, a card topic with no branch goes to a
person and anything out of scope is a re-prompt. The model file loads on first use, or in
gunicorn's master before the workers fork (warm).
"""

from __future__ import annotations

import functools
import threading
from functools import cached_property
from pathlib import Path

from ..line.matching import Heard
from ..line.practice_line import REPRESENTATIVE, PracticeLine
from .intents import EVERY_MENU, INTENTS, NO, NO_BRANCH, OUT_OF_SCOPE, YES, Intent, load_intents
from .datasets import training_examples
from .linear import LinearModel, load_model

MODEL = Path(__file__).resolve().parent / "data" / "menu-model.json"
# Chosen on the held-out set and a fifth of the public rows (docs/ear.md): the share of the
# probability a place needs to be taken at once, by how much it must lead the runner-up, and the
# least share worth a "did you mean"; below LOW_CONFIDENCE Twilio's own confidence asks too.
SURE, MARGIN, ASK = 0.6, 0.25, 0.4
# Below this share of the probability on a menu's places, what was said belongs elsewhere ("yes" at
# the main menu): nothing here fits, however the small rest would divide.
MIN_HERE = 0.3
LOW_CONFIDENCE = 0.4
# A sub-menu has two or three places: a lower bar, as a wrong one costs a re-prompt rather than a branch.
SUB_SURE, SUB_MARGIN = 0.5, 0.15
HANDOFF, NOTHING = "@no-branch", "@out-of-scope"
# The training data hold many more no-branch and out-of-scope sentences than the line's own: their
# probability is weighed down this much against the places (chosen on held-out data, docs/ear.md).
WEIGHTS = {HANDOFF: 0.6, NOTHING: 0.6}
QUESTION = "It sounds like you're calling about {about}. Is that right?"
MAX_HINTS = 100  # Twilio takes a list of phrases of up to 100 characters each; a long list dilutes them


class MenuEar:
    """Implements ivr.line.matching.Ear with the trained model; made once per app, then only read."""

    def __init__(self, line: PracticeLine, model_path: Path = MODEL, intents_path: Path = INTENTS):
        self.intents: dict[str, Intent] = load_intents(line, intents_path)
        self._model_path = model_path
        self._lock = threading.Lock()
        self._hints: dict[str, str] = {}
        # "did you mean" is asked at the main menu (the flow's home); elsewhere a doubt is a re-prompt
        self.ask_at = line.flow.defaults.home
        # menu -> intent -> where it leads there (a node, an @ choice, HANDOFF or NOTHING)
        self.places: dict[str, dict[str, str]] = {}
        for menu in (n for n, node in line.flow.nodes.items() if node.kind == "menu"):
            here = {name: i.routes.get(menu, i.routes.get(EVERY_MENU)) for name, i in self.intents.items()}
            here = {name: place for name, place in here.items() if place}
            # A card topic with no branch goes to a person from the main menu; in a sub-menu it is
            # just not one of the options (the usual re-prompts, then a person).
            here[NO_BRANCH] = HANDOFF if menu == self.ask_at else NOTHING
            here[OUT_OF_SCOPE] = NOTHING
            self.places[menu] = here
        # the words of "did you mean": each main-menu place, as its first intent describes it
        self.abouts: dict[str, str] = {}
        for name, intent in self.intents.items():
            self.abouts.setdefault(intent.routes.get(self.ask_at, ""), intent.about)
        if "representative" in self.intents:
            self.abouts[REPRESENTATIVE] = self.intents["representative"].about

    @cached_property
    def model(self) -> LinearModel:
        """The trained intent model, read on first use."""
        with self._lock:
            return load_model(self._model_path)

    def warm(self) -> None:
        """Load the model now (gunicorn's master calls this before forking, so workers share it)."""
        self.model  # noqa: B018 (loading is the point)

    def rank(self, node_id: str, said: str) -> list[tuple[str, float]]:
        """The places `said` leads to at menu `node_id`, with their share of the probability, best first."""
        here = self.places.get(node_id, {})
        shares: dict[str, float] = {}
        for intent, p in zip(self.model.labels, self.model.probabilities(said)):
            place = here.get(intent)
            if place is not None:
                shares[place] = shares.get(place, 0.0) + p * WEIGHTS.get(place, 1.0)
        total = sum(shares.values())
        if total < MIN_HERE:
            return [(NOTHING, 1.0)]
        # What was said beside this menu's places (another menu's option) is left out and the rest
        # scaled up, so "by mail" at payments is paying by mail though disputes have a mail option too.
        return sorted(((place, share / total) for place, share in shares.items()), key=lambda x: -x[1])

    def hear(self, node_id: str, said: str, confidence: float | None = None) -> Heard:
        """Where `said` leads at menu `node_id` (see ivr.line.matching.Ear)."""
        ranked = self.rank(node_id, said)
        place, share = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if place == NOTHING:
            return Heard(None)
        if place == HANDOFF:
            return Heard(None, handoff=True) if share >= ASK else Heard(None)
        sure, margin = (SURE, MARGIN) if node_id == self.ask_at else (SUB_SURE, SUB_MARGIN)
        doubtful = share < sure or share - runner_up < margin or (confidence is not None
                                                                 and 0 < confidence < LOW_CONFIDENCE)
        if not doubtful:
            return Heard(place)
        if node_id == self.ask_at and share >= ASK and place in self.abouts:
            return Heard(place, sure=False)
        return Heard(None)

    def hints(self, node_id: str, phrases: str) -> str:
        """The <Gather> hints at `node_id`: the menu's `phrases`, then the line's own short examples for it."""
        found = self._hints.get(node_id)
        if found is None:
            here = self.places.get(node_id, {})
            seen = dict.fromkeys(p.strip() for p in phrases.split(",") if p.strip())
            for example in self._short_examples():
                if len(seen) >= MAX_HINTS:
                    break
                if example.intent in here and example.intent not in (OUT_OF_SCOPE, NO_BRANCH):
                    seen.setdefault(example.text.lower(), None)
            found = self._hints[node_id] = ", ".join(seen)
        return found

    @functools.cache  # noqa: B019 (one ear per app, kept for its life)
    def _short_examples(self) -> list:
        """The line's own training sentences of at most four words: what callers say in a few words."""
        return [e for e in training_examples(own_only=True) if len(e.text.split()) <= 4 and len(e.text) <= 100]

    def agrees(self, said: str) -> bool | None:
        """True for a yes, False for a no, None for anything else (see ivr.line.matching.Ear)."""
        top = self.model.ranked(said)[0][0]
        return True if top == YES else False if top == NO else None

    def question(self, choice: str) -> str:
        """ "It sounds like you're calling about a charge you want to dispute. Is that right?" """
        return QUESTION.format(about=self.abouts.get(choice, "that"))

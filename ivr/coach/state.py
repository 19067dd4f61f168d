"""The desk's state: what a rehearsal carries from one turn to the next, and one turn in and one reply out.

Plain data, importing nothing else of the coach: the dialogue, the turn-taking table, the rubric and the
report all read it, so none of them needs another to know what a state is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from ..line.flows import REFERENCE
from ..line.practice_line import Segment
from .scenarios import REP, SUP

# REFERENCE in a reply: the call's reference number, digit by digit, after reference-intro (line.flows' own).
HOLD = "$hold"  # in a reply: the hold's silence, before the supervisor (or representative) answers
STATE_VERSION = 1  # the signed form's version: tokens from before a change of meaning are refused


class Fact(StrEnum):
    """What has happened in the conversation (a StrEnum: its values are the strings a signed state holds)."""

    PURPOSE = "purpose"  # the caller said what the call is about
    DETAILS = "details"  # ... gave the details
    OUTCOME = "outcome"  # ... said what they want done
    SKIP_PURPOSE = "skip-purpose"  # asked too often for a piece: the representative carries on without it
    SKIP_DETAILS = "skip-details"
    SKIP_OUTCOME = "skip-outcome"
    ANSWERED = "answered"  # the representative said what they can do, and pushed back
    SUP_EARLY = "sup-early"  # asked for a supervisor before the pushback
    SUP_AFTER = "sup-after"  # ... after it (the move being practiced)
    AT_SUP = "at-sup"  # the caller reached the supervisor's desk
    OFFERED = "offered"  # the supervisor made the scenario's offer
    FORMAL = "formal"  # asked about the formal complaint route
    FORMAL_AFTER = "formal-after"  # ... after the supervisor's offer
    NAME = "name"  # asked the person's name
    REFERENCE = "reference"  # asked for a reference number
    NEXT_STEPS = "next-steps"  # asked what happens next
    CONFIRMED = "confirmed"  # repeated back what was agreed
    HOSTILE = "hostile"  # blamed or insulted the person
    SECOND_NO = "second-no"  # a by-the-book representative said no to the supervisor once more
    CALM_AFTER_SECOND_NO = "calm-after-second-no"  # ... and the caller asked again, calmly
    READ_BACK = "read-back"  # the representative read the details back ("So that's ... Is that right?")
    DETAILS_OK = "details-ok"  # ... and the caller agreed (or moved on)
    ASKED_ANYTHING = "asked-anything-else"  # the last reply asked "anything else?": a "no" to it is a goodbye

    @classmethod
    def skip(cls, piece: Fact) -> Fact:
        """The fact that the representative gave up asking for `piece` (purpose, details or outcome)."""
        return cls(f"skip-{piece}")


# The pieces the representative needs before answering, in the order they are asked for.
INFO = (Fact.PURPOSE, Fact.DETAILS, Fact.OUTCOME)


@dataclass
class DeskState:
    """Everything the conversation needs to carry from one turn to the next (it goes in the URL).

    `facts` holds what has happened (Fact). `said` keeps the caller's own words (digit runs masked) that
    earned each fact, and the few other lines a tip quotes (GOODBYE, HOSTILE_ASK, answered_key). `heard` keeps the details the representative took from what was said (amount, date,
    merchant; as ivr.coach.details writes them, digits of any account number masked).
    """

    scenario: str | None = None
    desk: str = REP
    facts: set[Fact] = field(default_factory=set)
    said: dict[str, str] = field(default_factory=dict)
    asks: dict[str, int] = field(default_factory=dict)  # missing piece -> times asked for
    idle: int = 0
    silent: int = 0
    turns: int = 0
    ended: bool = False
    before: int = 0  # the call's webhooks before this desk: leaving it, the line's own count goes on from here
    heard: dict[str, str] = field(default_factory=dict)  # detail name -> its value as captured
    day: str = ""  # the ISO date the caller reached the desk: "last Tuesday" is read from it, replays agree
    persona: str = ""  # the representative's persona id ("": the scenario book's default)
    last: str = ""  # a short digest of the previous reply's words: the next one never repeats it
    echo: str = ""  # the first missed item's rehearsal: the report this attempt tries again from

    def to_dict(self) -> dict:
        """A compact plain-data form, to sign into a URL (fields added since v1 only when they are set)."""
        data = {"v": STATE_VERSION, "s": self.scenario, "d": self.desk, "f": sorted(str(f) for f in self.facts),
                "q": self.said, "a": self.asks, "i": self.idle, "z": self.silent, "t": self.turns,
                "e": self.ended, "b": self.before}
        for key, value in (("h", self.heard), ("y", self.day), ("p", self.persona), ("l", self.last),
                           ("r", self.echo)):
            if value:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: object) -> DeskState | None:
        """The state from to_dict(), or None for anything else."""
        try:
            state = cls(scenario=data["s"], desk=data["d"], facts={Fact(f) for f in data["f"]}, said=dict(data["q"]),
                        asks=dict(data["a"]), idle=int(data["i"]), silent=int(data["z"]), turns=int(data["t"]),
                        ended=bool(data["e"]), before=int(data.get("b", 0)), heard=dict(data.get("h", {})),
                        day=str(data.get("y", "")), persona=str(data.get("p", "")), last=str(data.get("l", "")),
                        echo=str(data.get("r", "")))
        except (KeyError, TypeError, ValueError):
            return None
        if data.get("v") != STATE_VERSION or state.desk not in (REP, SUP):
            return None
        return state

    def copy(self) -> DeskState:
        """A copy to change without touching this one."""
        return replace(self, facts=set(self.facts), said=dict(self.said), asks=dict(self.asks),
                       heard=dict(self.heard))

    def note(self, fact: Fact, quote: str) -> None:
        """Record a fact and, the first time, the caller's words that earned it."""
        self.facts.add(fact)
        self.said.setdefault(fact.value, quote)
        self.said.pop(answered_key(fact), None)  # given now: the line that did not give it is no longer needed


# Keys of `said` besides the facts': lines a tip quotes when an item was missed.
GOODBYE = "goodbye"  # the line the caller ended the call with
HOSTILE_ASK = "hostile-ask"  # by the book: an ask for the supervisor, after the pushback, that blamed the person


def answered_key(piece: Fact) -> str:
    """The `said` key of the caller's first line that answered the ask for `piece` without giving it."""
    return f"when-{piece}"


# What the conversation knew at each moment a rehearsal can be tried again from: when a piece was due
# (only the pieces before it were known), and when the representative pushed back (None).
KNOWN_WHEN_DUE: dict[Fact | None, frozenset[Fact]] = {
    Fact.PURPOSE: frozenset(),
    Fact.DETAILS: frozenset({Fact.PURPOSE, Fact.SKIP_PURPOSE}),
    Fact.OUTCOME: frozenset({Fact.PURPOSE, Fact.SKIP_PURPOSE, Fact.DETAILS, Fact.SKIP_DETAILS, Fact.READ_BACK,
                             Fact.DETAILS_OK}),
    None: frozenset({*INFO, Fact.SKIP_PURPOSE, Fact.SKIP_DETAILS, Fact.SKIP_OUTCOME, Fact.READ_BACK,
                     Fact.DETAILS_OK, Fact.ANSWERED}),
}


def pushback_state(state: DeskState, report_id: str = "", due: Fact | None = None) -> DeskState | None:
    """The state to try a rehearsal again from: just before `due` (purpose, details or outcome) was asked
    for, or (None) just after the representative's pushback; None when the call never reached the pushback.

    Only what was known then is kept (the pieces given, their quotes, the details heard once the outcome
    was due, the persona); `report_id` is the report this attempt tries again, so the new one links to it.
    """
    if Fact.ANSWERED not in state.facts or state.scenario is None:
        return None
    facts = state.facts & KNOWN_WHEN_DUE[due]
    said = {fact: quote for fact, quote in state.said.items() if fact in {f.value for f in facts}}
    heard = dict(state.heard) if due is None or Fact.DETAILS in facts else {}
    return DeskState(scenario=state.scenario, facts=set(facts), said=said, heard=heard,
                     persona=state.persona, echo=report_id)


@dataclass(frozen=True)
class Heard:
    """One turn from the caller: words (speech or typed), a key, or nothing at all (silence)."""

    speech: str = ""
    key: str = ""


@dataclass
class Reply:
    """What to say (prompt ids, REFERENCE, HOLD, or Segments of filled-in words), then listen, hang up,
    or go back to a menu node."""

    say: list[str | Segment] = field(default_factory=list)
    listen: bool = True
    end: bool = False
    leave: str | None = None  # a flow node to go to: the caller left the desk with the back key

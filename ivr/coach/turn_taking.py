"""The desk's turn-taking as a state machine, in one table: phases, what moves them, what the person says.

Draw the conversation from TABLE alone. A turn of the caller's becomes one or more events (ivr.coach.dialogue
decides which, from the moves heard and the state); each event is looked up for the current phase, which
gives the next phase and what the person at the desk says. A row's `says` holds prompt ids (prompts/coach/)
and the words marked here in capitals, which depend on the scenario and the call (Say).

    ASKING ── a piece missing: ask for it (up to MAX_ASKS times each; details read back) ──► ASKING
      │ ── asks for a supervisor before the pushback: "let me try first" ──────────────► ASKING
      │ ── asks again ───────────────────────────────────────────────────────────┐
      ▼ all three pieces known: the answer and the no                             │
    PUSHED_BACK ── asks for a supervisor (by the book: a second no first) ──► SUPERVISOR ── any turn ──► OFFERED
                                                   back (*) to the representative ◄──┘
    any phase ── goodbye, too long, too quiet, too unclear ──► ENDED (the coach's summary)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .scenarios import SUP
from .state import DeskState, Fact


class Phase(StrEnum):
    """Where the conversation is (worked out from the state: see phase_of)."""

    ASKING = "asking"  # the representative gathers purpose, details and outcome
    PUSHED_BACK = "pushed-back"  # the representative said what they can and can't do
    SUPERVISOR = "supervisor"  # the supervisor has picked up, and has not made the offer yet
    OFFERED = "offered"  # the supervisor made the scenario's offer
    ENDED = "ended"  # goodbye said, the coach's summary read
    # Targets only, never a phase one is in:
    LEFT = "left"  # the caller pressed back at the representative's desk: back to the menu
    REPRESENTATIVE = "representative"  # back from the supervisor: ASKING or PUSHED_BACK, as it was


class Event(StrEnum):
    """What a turn of the caller's amounts to, for the table."""

    SILENCE = "silence"
    SILENT_TOO_LONG = "silent-too-long"  # MAX_SILENT silent turns in a row
    UNCLEAR = "unclear"  # nothing recognized (or a key that means nothing here)
    UNCLEAR_TOO_LONG = "unclear-too-long"  # MAX_IDLE such turns in a row
    TOO_MANY_TURNS = "too-many-turns"  # MAX_TURNS: every call ends
    REPLAYED = "replayed"  # a webhook after the goodbye
    REPEAT = "repeat"  # the repeat key
    SAY_AGAIN = "say-again"  # "sorry, what?": the caller asks to hear the last thing again
    GOING_ON = "going-on"  # "hold on a second", "I'm not done": and nothing else yet
    GREETED = "greeted"  # "hi", "hello?": a greeting back, then the question
    ALREADY = "already"  # the "representative" key, said to a person already
    BACK = "back"  # the back key
    HOSTILE = "hostile"
    ASK_NAME = "ask-name"
    ASK_REFERENCE = "ask-reference"
    ASK_NEXT_STEPS = "ask-next-steps"
    CONFIRM = "confirm"
    CONFIRM_REFUSED = "confirm-refused"  # a "so to confirm" claiming what the representative refused
    CONFIRM_OTHER_DETAILS = "confirm-other-details"  # ... or details other than those agreed
    FORMAL = "formal-complaint"
    GOODBYE = "goodbye"  # "that's all", or the finish key
    SUPERVISOR_TOO_EARLY = "supervisor-too-early"  # first ask, before any pushback
    ASK_SUPERVISOR = "ask-supervisor"  # an ask the desk honors (or, at the supervisor's, cannot)
    SUPERVISOR_REFUSED = "supervisor-refused"  # by the book: the second no, or a hostile ask after it
    PIECE_MISSING = "piece-missing"  # the representative still needs purpose, details or outcome
    ACK_PURPOSE = "ack-purpose"  # before asking again: what the caller did say is acknowledged
    ACK_DETAILS = "ack-details"
    ACK_OUTCOME = "ack-outcome"
    READ_BACK = "read-back"  # the details the scenario takes down are all heard: read them back
    DETAILS_WRONG = "details-wrong"  # "no" to the read-back: they are asked for again
    ALL_KNOWN = "all-known"  # ... has all three (or has given up asking for some)
    INSIST = "insist"  # after the answer, the caller only says again what they want
    ANYTHING = "anything"  # any other turn that gave something


class Say(StrEnum):
    """Words in a row that depend on the scenario or the call (filled in by ivr.coach.dialogue)."""

    QUESTION = "QUESTION"  # what the desk asks next: the missing piece, or "anything else?"
    ASK_AGAIN = "ASK_AGAIN"  # the same question after "sorry, I missed that", with no "thanks, I've noted that"
    NAME = "NAME"  # this desk's person's name
    REFERENCE = "REFERENCE"  # reference-intro, then the call's reference digits
    NEXT_STEPS = "NEXT_STEPS"  # the scenario's next steps
    FORMAL_ROUTE = "FORMAL_ROUTE"  # the scenario's formal route
    CAN = "CAN"  # what the representative can do (the scenario's, with the caller's facts)
    CANNOT = "CANNOT"  # the pushback
    OFFER = "OFFER"  # the supervisor's offer
    TRANSFER = "TRANSFER"  # the hold before the supervisor, and the supervisor's greeting
    GREETING = "GREETING"  # the representative's greeting again (back from the supervisor)
    ALREADY = "ALREADY"  # "you're already speaking with a representative / supervisor"
    SUMMARY = "SUMMARY"  # the coach's spoken summary
    READ_BACK = "READ_BACK"  # "So that's 149 dollars and 99 cents at Quickmart, on November 24th."
    KEYPAD = "KEYPAD"  # the one sentence on the desk's keys ("1 for a supervisor, 2 when you're done")
    SECOND_NO = "SECOND_NO"  # by the book: the policy, and the same answer again
    AGREED_DETAILS = "AGREED_DETAILS"  # the details as agreed (the caller's, else the scenario's)


ANY = "*"  # a row for every phase the conversation can be in
REP_PHASES = (Phase.ASKING, Phase.PUSHED_BACK)
SUP_PHASES = (Phase.SUPERVISOR, Phase.OFFERED)


@dataclass(frozen=True)
class Row:
    """In `phase`, `event` moves the conversation to `to` (None: it stays) and the person says `says`."""

    phase: str
    event: Event
    to: Phase | None
    says: tuple[str, ...]


def _rows(phases, event: Event, to: Phase | None, says: tuple[str, ...]) -> list[Row]:
    return [Row(phase, event, to, says) for phase in phases]


TABLE: tuple[Row, ...] = (
    # The caller gives nothing usable: prompt, then a polite goodbye. A replayed URL hears goodbye again.
    Row(ANY, Event.SILENCE, None, ("desk-still-there", Say.KEYPAD)),  # the keys again, only after a silence
    Row(ANY, Event.SILENT_TOO_LONG, Phase.ENDED, ("desk-goodbye-silent", Say.SUMMARY)),
    Row(ANY, Event.UNCLEAR, None, ("desk-not-sure",)),  # "could you put it another way?"
    Row(Phase.ASKING, Event.UNCLEAR, None, ("desk-missed", Say.ASK_AGAIN)),  # "sorry, I missed that", the ask again
    Row(ANY, Event.UNCLEAR_TOO_LONG, Phase.ENDED, ("desk-goodbye-unclear", Say.SUMMARY)),
    Row(ANY, Event.TOO_MANY_TURNS, Phase.ENDED, ("desk-wrap-up", Say.SUMMARY)),
    Row(Phase.ENDED, Event.REPLAYED, Phase.ENDED, ("desk-goodbye", Say.SUMMARY)),
    # Keys still work at a desk.
    Row(ANY, Event.REPEAT, None, (Say.QUESTION,)),
    # Asked to say it again: the question, or what was last said that matters (the no, the offer).
    Row(ANY, Event.SAY_AGAIN, None, (Say.QUESTION,)),
    Row(Phase.PUSHED_BACK, Event.SAY_AGAIN, None, (Say.CANNOT, Say.QUESTION)),
    Row(Phase.OFFERED, Event.SAY_AGAIN, None, (Say.OFFER, Say.QUESTION)),
    Row(ANY, Event.GOING_ON, None, ("desk-go-on",)),
    Row(ANY, Event.GREETED, None, ("desk-hello", Say.QUESTION)),
    Row(ANY, Event.ALREADY, None, (Say.ALREADY,)),
    *_rows(REP_PHASES, Event.BACK, Phase.LEFT, ()),
    *_rows(SUP_PHASES, Event.BACK, Phase.REPRESENTATIVE, (Say.GREETING,)),
    # Questions are answered wherever they come; a hostile line is met with calm first.
    Row(ANY, Event.HOSTILE, None, ("desk-calm",)),
    Row(ANY, Event.ASK_NAME, None, (Say.NAME,)),
    Row(ANY, Event.ASK_REFERENCE, None, (Say.REFERENCE,)),
    Row(ANY, Event.ASK_NEXT_STEPS, None, (Say.NEXT_STEPS,)),
    Row(ANY, Event.CONFIRM, None, ("desk-confirm",)),
    Row(ANY, Event.CONFIRM_REFUSED, None, ("desk-not-quite", Say.CANNOT)),  # corrected, not confirmed
    Row(ANY, Event.CONFIRM_OTHER_DETAILS, None, ("desk-not-quite", Say.AGREED_DETAILS)),
    Row(ANY, Event.FORMAL, None, (Say.FORMAL_ROUTE,)),
    Row(ANY, Event.GOODBYE, Phase.ENDED, ("desk-goodbye", Say.SUMMARY)),
    # The representative: gather the three pieces, answer, push back.
    Row(Phase.ASKING, Event.PIECE_MISSING, None, (Say.QUESTION,)),
    Row(Phase.ASKING, Event.ACK_PURPOSE, None, ("desk-ack-purpose",)),  # then PIECE_MISSING: a re-ask
    Row(Phase.ASKING, Event.ACK_DETAILS, None, ("desk-ack-details",)),
    Row(Phase.ASKING, Event.ACK_OUTCOME, None, ("desk-ack-outcome",)),
    Row(Phase.ASKING, Event.READ_BACK, None, (Say.READ_BACK, "desk-read-back-check")),
    Row(Phase.ASKING, Event.DETAILS_WRONG, None, ("desk-details-wrong",)),  # then PIECE_MISSING: asked again
    Row(Phase.ASKING, Event.ALL_KNOWN, Phase.PUSHED_BACK, (Say.CAN, Say.CANNOT)),
    Row(Phase.ASKING, Event.SUPERVISOR_TOO_EARLY, None, ("desk-try-first",)),  # then PIECE_MISSING or ALL_KNOWN
    Row(Phase.ASKING, Event.ASK_SUPERVISOR, Phase.SUPERVISOR, (Say.TRANSFER,)),  # asked again: nobody is kept
    Row(Phase.PUSHED_BACK, Event.ASK_SUPERVISOR, Phase.SUPERVISOR, (Say.TRANSFER,)),  # the move practiced
    Row(Phase.PUSHED_BACK, Event.INSIST, None, ("desk-insist",)),
    Row(Phase.PUSHED_BACK, Event.ANYTHING, None, ("desk-anything-else",)),
    # The supervisor: one offer, then "anything else?"; nobody above to ask for.
    *_rows(SUP_PHASES, Event.ASK_SUPERVISOR, None, ("desk-top-of-line",)),  # then ANYTHING or INSIST
    Row(Phase.SUPERVISOR, Event.ANYTHING, Phase.OFFERED, (Say.OFFER,)),
    Row(Phase.SUPERVISOR, Event.INSIST, Phase.OFFERED, (Say.OFFER,)),
    Row(Phase.OFFERED, Event.INSIST, None, ("desk-insist",)),
    Row(Phase.OFFERED, Event.ANYTHING, None, ("desk-anything-else",)),
)

# Rows that take the place of the table's own for a persona with a trait (config/personas.yaml).
TRAITS: dict[str, tuple[Row, ...]] = {
    # By the book: a second no, citing policy, before any supervisor; only a calm ask after it is put through.
    "two-pushbacks": (
        Row(Phase.PUSHED_BACK, Event.SUPERVISOR_REFUSED, None, (Say.SECOND_NO,)),
        Row(Phase.PUSHED_BACK, Event.INSIST, None, ("desk-insist",)),  # in the persona's words: policy
    ),
    # Rushed: wraps up straight after the answer, and talks over a vague line instead of asking again.
    "wraps-up-early": (
        Row(Phase.ASKING, Event.ALL_KNOWN, Phase.PUSHED_BACK, (Say.CAN, Say.CANNOT, "persona-rushed-wrap-up")),
        Row(ANY, Event.UNCLEAR, None, ("desk-not-sure",)),
    ),
}

_BY_KEY = {(row.phase, row.event): row for row in TABLE}
_BY_TRAIT = {trait: {(row.phase, row.event): row for row in rows} for trait, rows in TRAITS.items()}


def persona_traits(persona) -> tuple[str, ...]:
    """The TRAITS a persona has."""
    return (*(("two-pushbacks",) if persona.pushbacks > 1 else ()),
            *(("wraps-up-early",) if persona.wraps_up_early else ()))


def lookup(phase: Phase, event: Event, traits: tuple[str, ...] = ()) -> Row:
    """The row for `event` in `phase`: a trait's own first, then the phase's, then the one for any phase."""
    for trait in traits:
        rows = _BY_TRAIT[trait]
        found = rows.get((phase, event)) or rows.get((ANY, event))
        if found is not None:
            return found
    return _BY_KEY.get((phase, event)) or _BY_KEY[(ANY, event)]


def phase_of(state: DeskState) -> Phase:
    """The phase a state is in: it follows from the facts, so a signed state needs no extra field."""
    if state.ended:
        return Phase.ENDED
    if state.desk == SUP:
        return Phase.OFFERED if Fact.OFFERED in state.facts else Phase.SUPERVISOR
    return Phase.PUSHED_BACK if Fact.ANSWERED in state.facts else Phase.ASKING

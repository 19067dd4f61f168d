"""What the call log keeps of a voice webhook: the nodes spoken and reference numbers read, or the
call's outcome from the status callback. Handed to the store's queue; the reply never waits on it."""

from __future__ import annotations

import re
from functools import lru_cache

from flask import current_app

from ..line.practice_line import PracticeLine
from ..line.navigator import Turn, reference_number, spoken_nodes
from ..store import call_recorder

_TWILIO_SID = re.compile(r"^CA[0-9a-f]{32}$")
# The browser phone and the terminal call from these; their calls are kept as summaries instead.
PRACTICE_CALLERS = "client:practice-"
OUTCOMES = {"queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"}


def note_turn(line: PracticeLine, turn: Turn, fields: dict[str, str]) -> None:
    """Queue the nodes this reply speaks, with any reference number read, for the call log.

    `fields` are the webhook's CallSid and From (ivr/voice/fields.py).
    """
    call_sid = _twilio_call(fields)
    if call_sid is None:
        return
    try:
        references = line.run_references(turn.node)
        if references:  # the call's own number, at each node that reads one
            steps = [(node, reference_number(call_sid, node) if node in references else None)
                     for node in spoken_nodes(line, turn.node)]
        else:
            steps = _unread(spoken_nodes(line, turn.node))
        call_recorder().steps(call_sid, steps)
    except Exception:  # the caller's reply matters more than the record of it
        current_app.logger.exception("call log: could not note a step")


def note_status(fields: dict[str, str]) -> None:
    """Queue the call's status (CallStatus) and length (CallDuration) from Twilio's status callback.

    `fields` are the callback's CallSid, From, CallStatus and CallDuration (ivr/voice/fields.py).
    """
    call_sid = _twilio_call(fields)
    if call_sid is None:
        return
    outcome = fields.get("CallStatus", "")
    duration = fields.get("CallDuration", "")
    call_recorder().status(call_sid, outcome if outcome in OUTCOMES else None,
                           int(duration) if duration.isdigit() and len(duration) <= 6 else None)


@lru_cache(maxsize=1024)
def _unread(nodes: tuple[str, ...]) -> tuple[tuple[str, None], ...]:
    # The steps of a reply that reads no reference number: the same for every call, so made once.
    return tuple((node, None) for node in nodes)


def _twilio_call(fields) -> str | None:
    # Only the CallSid is kept (hashed by the store); From is only looked at, and To and Caller never.
    call_sid = fields.get("CallSid", "")
    if not _TWILIO_SID.match(call_sid) or fields.get("From", "").startswith(PRACTICE_CALLERS):
        return None
    return call_sid

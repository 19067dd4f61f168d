"""What the call log keeps of a voice webhook: the nodes spoken and reference numbers read, or the
call's status from the status callback. Spooled by the store (one local write); the reply never waits
on the database."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from functools import lru_cache

from flask import Flask, Request, current_app

from ..line.navigator import Turn, reference_number, spoken_nodes
from ..line.practice_line import PracticeLine
from ..runtime import runtime
from ..store import call_recorder
from ..store.recorder import REPORT_OF, STATE_ORDER
from ..web import limits
from . import desk

# \A and \Z: "$" would let a CallSid with a trailing newline through.
_TWILIO_SID = re.compile(r"\ACA[0-9a-f]{32}\Z")
# The browser phone and the terminal call from these; their calls are kept as summaries instead.
PRACTICE_CALLERS = "client:practice-"
OUTCOMES = frozenset(STATE_ORDER)
ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# Without TWILIO_AUTH_TOKEN anyone who can reach the line may post status callbacks (each makes a call
# record): fine for a line on your own machine, and each address gets this many a minute at most.
STATUS_CALLBACKS_PER_MINUTE = 600


def init_app(app: Flask) -> None:
    """Let the call-log shipper score the open rehearsal of a call that ended (the status callback's
    work, done off the request path)."""
    app.extensions[REPORT_OF] = _report_of


def _report_of(token: str) -> dict | None:
    # Runs in the shipper, inside an app context.
    return desk.report_from_state(runtime(), token)


def note_turn(line: PracticeLine, turn: Turn, fields: dict[str, str]) -> None:
    """Spool the nodes this reply speaks, with any reference number read, for the call log.

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


def note_status(fields: dict[str, str], request: Request) -> None:
    """Spool the call's status from Twilio's status callback: CallStatus, CallDuration, SequenceNumber and
    Timestamp, each read strictly (anything else is no value); a call that ended also gets its open
    rehearsal, if any, finished into a report by the shipper."""
    call_sid = _twilio_call(fields)
    if call_sid is None:
        return
    app = current_app
    if not app.config.get("TWILIO_AUTH_TOKEN") and not _status_allowed(app, request.remote_addr or ""):
        return
    outcome = fields.get("CallStatus", "")
    outcome = outcome if outcome in OUTCOMES else None
    call_recorder(app).status(call_sid, outcome, _digits(fields.get("CallDuration", ""), 6),
                              sequence=_digits(fields.get("SequenceNumber", ""), 9),
                              stamp=_timestamp(fields.get("Timestamp", "")),
                              finish=desk.call_key(call_sid) if outcome in ENDED else None)


def _digits(value: str, longest: int) -> int | None:
    # ASCII digits only: "²".isdigit() is true, and int() then raises.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= longest else None


@lru_cache(maxsize=256)
def _timestamp(value: str) -> float | None:
    """Twilio's Timestamp (RFC 2822, e.g. "Thu, 03 Dec 2026 08:47:12 +0000") as Unix time; None if it is not one."""
    if not value or len(value) > 64:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.timestamp() if parsed.tzinfo is not None else None


def _status_allowed(app: Flask, address: str) -> bool:
    """Count one status callback from `address` with the app's rate limits (the page routes' counter and
    storage); past STATUS_CALLBACKS_PER_MINUTE it is not recorded, said once a minute per address."""
    per_minute = app.config.get("STATUS_CALLBACKS_PER_MINUTE", STATUS_CALLBACKS_PER_MINUTE)
    counts = app.extensions[limits.EXTENSION]
    if counts.allows("voice.status", f"{per_minute} per minute", address):
        return True
    if counts.allows("voice.status.said", "1 per minute", address):
        app.logger.warning("call log: status callbacks from %s over %d a minute are not recorded "
                           "(set TWILIO_AUTH_TOKEN so that only Twilio's count)", address, per_minute)
    return False


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

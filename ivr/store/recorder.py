"""The call log's outbox: a webhook spools what happened (one committed local write) and answers; a
shipper thread moves spooled events to the database with retry, and only a full spool loses one."""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import logging
import os
import random
import sqlite3
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from . import spool as spooling
from .spool import Spool, Spooled

log = logging.getLogger(__name__)
BATCH = 5_000  # events shipped in one transaction at most
# The shipper looks this often: one write for every webhook's events of the last moment is what keeps
# the database's share cheap. flush() cuts the wait short.
GATHER_SECONDS = 0.5
# After a failed write the shipper waits 0.5 s, then twice as long each time, up to this (with jitter).
BACKOFF_MAX_SECONDS = 4.0
OUTAGE_REPORT_SECONDS = 30.0  # an outage is logged when it starts, then at most this often, then its end
EXIT_FLUSH_SECONDS = 5.0  # what a stopping process waits for its shipper (nothing is lost either way)
# Lost events are logged at most this often, the first DESCRIBED one line each and the rest in one
# line naming each call and its count: an overloaded process is not made slower still by its log.
REPORT_SECONDS = 1.0
DESCRIBED = 10
# Where the app keeps the function that scores an open rehearsal's state into a report (the voice
# blueprint's, ivr/voice/call_events.py): state token -> report dict, or None for a state not ours.
REPORT_OF = "practice_line_report_of"
# A call state's place in a call (initiated < ringing < in-progress < its end): the order of status
# callbacks that carry no SequenceNumber (ivr/store/call_log.py's status_order).
STATE_ORDER = {"queued": 0, "initiated": 0, "ringing": 1, "in-progress": 2, "completed": 3, "busy": 3,
               "failed": 3, "no-answer": 3, "canceled": 3}
_recorders: weakref.WeakSet[CallRecorder] = weakref.WeakSet()


@lru_cache(maxsize=4096)  # a call's webhooks hash its CallSid once
def call_hash(call_sid: str) -> str:
    """The call log's id for a CallSid: a hash, so the log never holds Twilio's own key to the call."""
    return hashlib.sha256(f"practice-line call {call_sid}".encode()).hexdigest()[:32]


class CallEvent(NamedTuple):
    """One thing that happened on a call: nodes spoken (with any reference read), or a status callback,
    or an open rehearsal's latest state (then `call` is the desk's call key)."""

    call: str  # call_hash() of the CallSid
    at: float
    steps: Sequence[tuple[str, str | None]] = ()  # (node id, reference number read there or None)
    outcome: str | None = None
    duration: int | None = None
    rehearsal: str | None = None
    sequence: int | None = None  # Twilio's SequenceNumber
    stamp: float | None = None  # Twilio's Timestamp
    finish: str | None = None  # the desk's call key of a call that ended (its open rehearsal becomes a report)
    key: str | None = None  # unique for good (spool uid and event id): a step shipped twice is stored once

    def describe(self) -> str:
        """What this event would have recorded, for the log line that says it was lost."""
        when = datetime.fromtimestamp(self.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.rehearsal is not None:
            return f"the open rehearsal's state at {when}"
        if self.steps:
            references = [ref for _node, ref in self.steps if ref]
            return (f"steps {' > '.join(node for node, _ref in self.steps)} at {when}"
                    + (f" (reference {', '.join(references)})" if references else ""))
        return f"outcome {self.outcome or 'unknown'}, duration {self.duration} s, at {when}"


def event_of(row: Spooled, spool_uid: str) -> CallEvent:
    """A spooled row as the CallEvent the database writer takes."""
    steps = tuple(tuple(step) for step in json.loads(row.steps)) if row.steps else ()
    return CallEvent(row.call, row.at, steps, row.outcome, row.duration, row.rehearsal, row.sequence,
                     row.stamp, row.finish, f"{spool_uid}-{row.id}")


@lru_cache(maxsize=1024)
def _encoded(steps: tuple) -> str:
    # Most replies read no reference: the same steps for every call, encoded once.
    return json.dumps(steps)


class CallRecorder:
    """Spools call events in `spool` and ships them with `write(events)` from a thread.

    Only one shipper at a time ships a spool (an exclusive lock on a file beside it, let go when its
    process dies): every worker runs one, and another takes over within a second when it stops.
    """

    def __init__(self, spool: Spool, write: Callable[[list[CallEvent]], None]):
        self.spool = spool
        self._write = write
        self._reset()
        _recorders.add(self)
        # A forked worker (gunicorn) starts with no shipper and its own lock; the spool is the same file.
        os.register_at_fork(after_in_child=_at_fork_reset(self))

    def _reset(self) -> None:
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._hurry = False  # a flush() waits: ship now, not after gathering or backing off
        self._unreported = LostEvents()
        self._reported_at = time.monotonic()  # the first loss is logged with those of the next second

    # --- in the request: one committed local write ---

    def steps(self, call_sid: str, steps: Sequence[tuple[str, str | None]], at: float | None = None) -> None:
        """Spool the nodes one webhook spoke (and reference numbers read) for a call."""
        encoded = _encoded(steps) if type(steps) is tuple else json.dumps(steps)
        self._add(CallEvent(call_hash(call_sid), time.time() if at is None else at, steps), steps=encoded)

    def status(self, call_sid: str, outcome: str | None, duration: int | None, at: float | None = None,
               sequence: int | None = None, stamp: float | None = None, finish: str | None = None) -> None:
        """Spool a status callback: CallStatus, CallDuration, SequenceNumber, Timestamp (and, for a call that
        ended, the desk's call key whose open rehearsal the shipper turns into a report)."""
        self._add(CallEvent(call_hash(call_sid), time.time() if at is None else at, (), outcome, duration,
                            sequence=sequence, stamp=stamp, finish=finish))

    def rehearsal(self, call_key: str, state: str, at: float | None = None) -> None:
        """Spool the latest state of a rehearsal in progress (replacing the one before once shipped)."""
        self._add(CallEvent(call_key, time.time() if at is None else at, rehearsal=state))

    def _add(self, event: CallEvent, steps: str | None = None) -> None:
        # Never raises: a webhook answers whatever happens to its record.
        lost = self.spool.add(event.at, event.call, steps, event.outcome, event.duration, event.sequence,
                              event.stamp, event.rehearsal, event.finish)
        if lost is not None:
            with self._changed:
                self._unreported.add([event], lost)
                if time.monotonic() - self._reported_at >= REPORT_SECONDS:
                    self._report()
        if self._thread is None:
            self.start()

    # --- the shipper ---

    def start(self) -> None:
        """Start this process's shipper (if it is not running): it ships whatever the spool holds, any
        process's."""
        with self._changed:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="call-log shipper", daemon=True)
                try:
                    self._thread.start()
                except RuntimeError:  # no new threads (the interpreter is exiting): the spool keeps them
                    self._thread = None

    def stop(self, timeout: float = EXIT_FLUSH_SECONDS) -> None:
        """Ship what the spool holds (up to `timeout`), then stop the shipper; what is left stays spooled."""
        self.flush(timeout)
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event spooled so far (by any process) is shipped; False if `timeout` ran out first.

        Events spooled meanwhile are not waited for: under load, a flush still ends.
        """
        deadline = time.monotonic() + timeout
        up_to = self.spool.last_id()
        self.start()
        connection = self.spool.connect()
        try:
            while self.spool.holds(up_to, connection):
                with self._changed:
                    self._hurry = True
                    self._changed.notify_all()
                    if self._unreported:
                        self._report()
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._changed.wait(min(remaining, 0.02))
        finally:
            connection.close()
        with self._changed:
            if self._unreported:
                self._report()
        return True

    @property
    def pending(self) -> int:
        """Events spooled and not yet shipped (every worker's)."""
        return self.spool.depth().events

    @property
    def lost(self) -> int:
        """Events lost (not spooled) since the spool file was made, counted in the file."""
        return self.spool.depth().lost

    def _run(self) -> None:
        lock = connection = None
        try:
            connection = self.spool.connect(autocheckpoint=True)
            lock = open(f"{self.spool.path}.ship-lock", "a")  # opened here: a forked child must not share it
            self._ship(connection, lock)
        except Exception:  # noqa: BLE001 - a shipper that dies says so; the next event starts another
            log.exception("call log: the shipper stopped")
        finally:
            with self._changed:
                self._thread = None
                self._changed.notify_all()
            if lock is not None:
                lock.close()  # lets go of the shipping lock
            if connection is not None:
                connection.close()

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds` or until a flush or stop; False when stopping."""
        with self._changed:
            if not self._hurry and not self._stopping:
                self._changed.wait(seconds)
            self._hurry = False
            return not self._stopping

    def _ship(self, connection: sqlite3.Connection, lock) -> None:
        holder = False
        failures, outage_logged = 0, 0.0
        spool_uid = spooling.uid(connection)
        while True:
            if self._unreported and time.monotonic() - self._reported_at >= REPORT_SECONDS:
                with self._changed:
                    self._report()
            if not holder:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    holder = True
                except BlockingIOError:  # another process's shipper ships: look again in a moment
                    if not self._wait(GATHER_SECONDS * 2):
                        return
                    continue
            rows = spooling.read(connection, BATCH)
            if not rows:
                if not self._wait(GATHER_SECONDS):
                    return
                continue
            try:
                self._write([event_of(row, spool_uid) for row in rows])
            except Exception as error:  # noqa: BLE001 - the database is down, slow or refusing: keep, retry
                failures += 1
                if time.monotonic() - outage_logged >= OUTAGE_REPORT_SECONDS:
                    outage_logged = time.monotonic()
                    depth = self.spool.depth(connection)
                    log.warning("call log: the database did not take %d events (%s); %d kept in the spool, "
                                "retrying", len(rows), describe_error(error), depth.events)
                spooling.checkpoint(connection)
                backoff = min(BACKOFF_MAX_SECONDS, 0.5 * 2 ** (failures - 1)) * random.uniform(0.8, 1.0)
                if not self._wait(backoff):
                    return
                continue
            if failures:  # said before the batch leaves the spool: a flush() that sees it gone sees this line
                log.warning("call log: the database is back after %d failed writes; shipping the spool", failures)
                failures, outage_logged = 0, 0.0
            spooling.remove(connection, rows[-1].id)
            if len(rows) < BATCH and not self._wait(GATHER_SECONDS):
                return

    def _report(self) -> None:
        self._unreported.report()
        self._reported_at = time.monotonic()


class LostEvents:
    """Events lost and not logged yet: the first DESCRIBED kept whole, the rest counted per call."""

    def __init__(self) -> None:
        self._described: list[tuple[CallEvent, str]] = []  # (event, reason)
        self._counted: dict[str, Counter[str]] = {}  # reason -> {call: events}

    def __bool__(self) -> bool:
        return bool(self._described or self._counted)

    def add(self, events: Sequence[CallEvent], reason: str) -> None:
        """Keep `events` to report as lost for `reason`."""
        room = DESCRIBED - len(self._described)
        self._described.extend((event, reason) for event in events[:room])
        if len(events) > room:
            counts = self._counted.setdefault(reason, Counter())
            for event in events[room:]:
                counts[event.call] += 1

    def report(self) -> None:
        """Log what is kept (a line per described event, then a line per reason naming each call), and forget it."""
        for event, reason in self._described:
            log.warning("call log: not recorded for call %s: %s: %s", event.call, event.describe(), reason)
        for reason, counts in self._counted.items():
            calls = ", ".join(f"{call} ({count})" for call, count in counts.items())
            log.warning("call log: not recorded: %d more events, for calls %s: %s", sum(counts.values()), calls, reason)
        self._described.clear()
        self._counted.clear()


def _at_fork_reset(recorder: CallRecorder) -> Callable[[], None]:
    ref = weakref.ref(recorder)

    def reset() -> None:
        alive = ref()
        if alive is not None:
            alive.spool.after_fork()
            alive._reset()

    return reset


def describe_error(error: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}"[:300]


@atexit.register
def _ship_before_exit() -> None:
    # A worker process stopping (gunicorn restart, Ctrl-C) ships what it can; the rest stays spooled.
    for recorder in list(_recorders):
        if recorder._thread is not None:
            recorder.stop(EXIT_FLUSH_SECONDS)

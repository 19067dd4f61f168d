"""The call log's write-behind queue: webhooks hand over what happened and answer at once;
a worker thread writes it, and the log names whatever could not be written."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

log = logging.getLogger(__name__)
CAPACITY = 10_000  # events waiting at most; beyond this a stuck database costs records, never memory
BATCH = 5_000  # events written in one transaction at most
# The worker lets a batch grow this long: a write costs mostly per transaction and per statement, so
# one write for many webhooks' events is what keeps the call log cheap. flush() cuts the wait short.
GATHER_SECONDS = 1.0
IDLE_SECONDS = 5.0  # the worker stops when idle this long, and starts again with the next event
EXIT_FLUSH_SECONDS = 5.0
# Lost events are logged at most this often (flush() and exit report at once), with at most
# DESCRIBED of them one line each and the rest in one line naming each call and its count:
# an overloaded process is not made slower still by a line per event.
REPORT_SECONDS = 1.0
DESCRIBED = 10
KNOWN_CALL_IDS = 10_000  # CallSids whose hash the worker remembers (then forgets them all)
QUEUE_FULL = "the call-log queue is full (the database is slow or down)"
_recorders: weakref.WeakSet[CallRecorder] = weakref.WeakSet()


def call_hash(call_sid: str) -> str:
    """The call log's id for a CallSid: a hash, so the log never holds Twilio's own key to the call."""
    return hashlib.sha256(f"practice-line call {call_sid}".encode()).hexdigest()[:32]


class CallEvent(NamedTuple):
    """One thing that happened on a call: nodes spoken (with any reference read), or its final status.

    The recorder queues plain tuples of these fields (with the CallSid, not yet hashed: cheaper in the
    request) and hands CallEvents, `call` hashed, to its write function.
    """

    call: str  # call_hash() of the CallSid
    at: float
    steps: Sequence[tuple[str, str | None]] = ()  # (node id, reference number read there or None)
    outcome: str | None = None
    duration: int | None = None
    rehearsal: str | None = None  # an open rehearsal's latest state (then `call` is the desk's call key)

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


def events_from_queue(queued: Sequence[tuple], ids: dict[str, str] | None = None) -> list[CallEvent]:
    """Queued tuples as CallEvents, each CallSid hashed once (and remembered in `ids`); a rehearsal's call
    key is kept as it is."""
    ids = {} if ids is None else ids
    events = []
    for call, at, steps, outcome, duration, rehearsal in queued:
        if rehearsal is None:
            key = ids.get(call)
            if key is None:
                key = ids[call] = call_hash(call)
            call = key
        events.append(CallEvent(call, at, steps, outcome, duration, rehearsal))
    return events


class CallRecorder:
    """A bounded queue of call events and the worker thread that writes them with `write(events)`.

    A webhook only appends a tuple to a deque (atomic in CPython): no lock, no wake-up. The worker
    looks every GATHER_SECONDS and writes all it finds in one transaction; it is started and
    stopped, under the lock, only when the queue goes from idle to busy and back.
    """

    def __init__(self, write: Callable[[list[CallEvent]], None], capacity: int = CAPACITY):
        self._write = write
        self._capacity = capacity
        self.lost = 0  # events not recorded since start-up (all named in the log)
        self._reset()
        _recorders.add(self)
        # A forked worker (gunicorn) starts with its own lock and no thread; the parent keeps its queue.
        os.register_at_fork(after_in_child=_at_fork_reset(self))

    def _reset(self) -> None:
        self._pending: deque[tuple] = deque()
        self._busy = 0  # events taken by the worker and not yet written
        self._changed = threading.Condition()  # guards everything below, and `lost`
        self._running = False  # a worker thread is running (or starting)
        self._flushers = 0  # threads waiting in flush(): lost events are reported at once then
        self._taken = 0  # events the worker has taken from the queue since start-up...
        self._finished = 0  # ...and of those, written or reported lost
        self._wanted = 0  # events a flush() waits for (counted like `_taken`): the worker does not gather
        self._unreported = LostEvents()
        self._reports = 0  # reports of lost events logged since start-up
        self._reported_at = 0.0
        self._rehearsals: Counter[str] = Counter()  # call key -> rehearsal states queued, not yet written
        self._ids: dict[str, str] = {}  # CallSid -> call_hash(), for the worker: a call's webhooks hash once

    def steps(self, call_sid: str, steps: Sequence[tuple[str, str | None]], at: float | None = None) -> None:
        """Note the nodes one webhook spoke (and reference numbers read) for a call (`steps` is kept, not copied)."""
        self._queue((call_sid, time.time() if at is None else at, steps, None, None, None))

    def status(self, call_sid: str, outcome: str | None, duration: int | None, at: float | None = None) -> None:
        """Note a call's status from Twilio's status callback (CallStatus, CallDuration)."""
        self._queue((call_sid, time.time() if at is None else at, (), outcome, duration, None))

    def rehearsal(self, call_key: str, state: str, at: float | None = None) -> None:
        """Note the latest state of a rehearsal in progress (replacing the one before)."""
        with self._changed:  # rare (a desk's turn): counted, so holds_rehearsal() needs no flush
            self._rehearsals[call_key] += 1
        if not self._queue((call_key, time.time() if at is None else at, (), None, None, state)):
            with self._changed:
                self._written_rehearsals([call_key])

    def holds_rehearsal(self, call_key: str) -> bool:
        """True while a state noted for this rehearsal is queued or being written (flush() to have it stored)."""
        return self._rehearsals.get(call_key, 0) > 0

    def _queue(self, event: tuple) -> bool:
        # CallEvent's fields, with the CallSid unhashed; never blocks, never raises. False: lost.
        pending = self._pending
        if len(pending) >= self._capacity:
            with self._changed:
                self.lost += 1
                self._unreported.add([event], QUEUE_FULL)
            return False
        pending.append(event)
        if not self._running:
            self._start()
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event queued so far is written (or reported lost); False if `timeout` ran out first.

        Events queued meanwhile are not waited for: under load, a flush still ends.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            queued = self._taken + len(self._pending)
            reports = self._reports + (1 if self._unreported else 0)
            self._wanted = max(self._wanted, queued)
            self._flushers += 1
            try:
                if not self._running and (self._pending or self._unreported):
                    self._start_locked()
                self._changed.notify_all()  # the worker stops gathering and writes now
                while self._finished < queued or self._reports < reports:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._changed.wait(remaining)
            finally:
                self._flushers -= 1
        return True

    @property
    def pending(self) -> int:
        """Events queued or being written."""
        return len(self._pending) + self._busy

    def _start(self) -> None:
        with self._changed:
            if not self._running:
                self._start_locked()

    def _start_locked(self) -> None:
        self._running = True
        try:
            threading.Thread(target=self._run, name="call-log writer", daemon=True).start()
        except RuntimeError:  # no new threads (the interpreter is exiting): the exit flush reports the queue
            self._running = False

    def _run(self) -> None:
        try:
            self._work()
        except BaseException:  # the worker must not die holding `_running`: the next event starts another
            with self._changed:
                self._busy = 0
                self._running = False
                self._changed.notify_all()
            raise

    def _work(self) -> None:
        idle_since = time.monotonic()
        while True:
            with self._changed:
                hurried = self._taken < self._wanted or (self._flushers and self._unreported)
                if not hurried and len(self._pending) < BATCH:
                    self._changed.wait(GATHER_SECONDS)
                pending = self._pending
                queued = [pending.popleft() for _ in range(min(BATCH, len(pending)))]
                self._busy = len(queued)
                self._taken += len(queued)
            if queued:
                if len(self._ids) > KNOWN_CALL_IDS:
                    self._ids.clear()
                self._write_or_lose(events_from_queue(queued, self._ids))
            with self._changed:
                self._busy = 0
                self._finished += len(queued)
                if self._rehearsals:
                    self._written_rehearsals([event[0] for event in queued if event[5] is not None])
                if self._unreported and (self._flushers or time.monotonic() - self._reported_at >= REPORT_SECONDS):
                    self._report()
                self._changed.notify_all()
                if queued or self._pending or self._unreported:
                    idle_since = time.monotonic()
                    continue
                if time.monotonic() - idle_since < IDLE_SECONDS:
                    continue
                self._running = False  # idle: stop; the next event starts a new worker
            # An event appended just before `_running` went False saw it True and started no worker:
            # look once more, now that the flag is down, so that no event is ever stranded.
            with self._changed:
                if self._running or not self._pending:
                    return
                self._running = True

    def _written_rehearsals(self, call_keys: list[str]) -> None:
        for key in call_keys:
            self._rehearsals[key] -= 1
            if self._rehearsals[key] <= 0:
                del self._rehearsals[key]

    def _report(self) -> None:
        self._unreported.report()
        self._reports += 1
        self._reported_at = time.monotonic()

    def _write_or_lose(self, events: list[CallEvent]) -> None:
        try:
            self._write(events)
        except Exception as error:  # noqa: BLE001 - the database is down, slow or refusing: say what is lost
            with self._changed:
                self.lost += len(events)
                self._unreported.add(events, describe_error(error))

    def _lose_the_rest(self, reason: str) -> None:
        """Count and log, at once, whatever is still queued or unreported (the process is exiting)."""
        with self._changed:
            queued = list(self._pending)
            self._pending.clear()
            self._taken += len(queued)
            self._finished += len(queued)
            self._rehearsals.clear()
            self.lost += len(queued)
            self._unreported.add(queued, reason)
            self._report()


class LostEvents:
    """Events not recorded and not logged yet: the first DESCRIBED kept whole, the rest counted per call."""

    def __init__(self) -> None:
        self._described: list[tuple[tuple, str]] = []  # (event, reason)
        # reason -> {(call, still a CallSid): events}: hashing waits for the report, off the request
        self._counted: dict[str, Counter[tuple[str, bool]]] = {}

    def __bool__(self) -> bool:
        return bool(self._described or self._counted)

    def add(self, events: Sequence[tuple], reason: str) -> None:
        """Keep `events` (queued tuples or CallEvents) to report as lost for `reason`."""
        room = DESCRIBED - len(self._described)
        self._described.extend((event, reason) for event in events[:room])
        if len(events) > room:
            counts = self._counted.setdefault(reason, Counter())
            for event in events[room:]:
                counts[(event[0], _unhashed(event))] += 1

    def report(self) -> None:
        """Log what is kept (a line per described event, then a line per reason naming each call), and forget it."""
        for event, reason in self._described:
            lost = events_from_queue([event])[0] if _unhashed(event) else CallEvent(*event)
            log.warning("call log: not recorded for call %s: %s: %s", lost.call, lost.describe(), reason)
        for reason, counts in self._counted.items():
            calls = ", ".join(f"{call_hash(call) if unhashed else call} ({count})"
                              for (call, unhashed), count in counts.items())
            log.warning("call log: not recorded: %d more events, for calls %s: %s",
                        sum(counts.values()), calls, reason)
        self._described.clear()
        self._counted.clear()


def _unhashed(event: tuple) -> bool:
    # A queued Twilio event still holds its CallSid; a CallEvent, or a rehearsal's, holds the logged id.
    return not isinstance(event, CallEvent) and event[5] is None


def _at_fork_reset(recorder: CallRecorder) -> Callable[[], None]:
    ref = weakref.ref(recorder)

    def reset() -> None:
        alive = ref()
        if alive is not None:
            alive._reset()

    return reset


def describe_error(error: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}"[:300]


@atexit.register
def _flush_all() -> None:
    # A worker process stopping (gunicorn restart, Ctrl-C) writes what it still holds.
    for recorder in list(_recorders):
        if not recorder.flush(EXIT_FLUSH_SECONDS):
            recorder._lose_the_rest("the process exited before the database answered")

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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

log = logging.getLogger(__name__)
CAPACITY = 10_000  # events waiting at most; beyond this a stuck database costs records, never memory
BATCH = 500  # events written in one transaction at most
GATHER_SECONDS = 0.01  # the worker lets a batch grow this long: one transaction for many webhooks
IDLE_SECONDS = 5.0  # the worker stops when idle this long, and starts again with the next event
EXIT_FLUSH_SECONDS = 5.0
_recorders: weakref.WeakSet[CallRecorder] = weakref.WeakSet()


def call_hash(call_sid: str) -> str:
    """The call log's id for a CallSid: a hash, so the log never holds Twilio's own key to the call."""
    return hashlib.sha256(f"practice-line call {call_sid}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CallEvent:
    """One thing that happened on a call: nodes spoken (with any reference read), or its final status."""

    call: str  # call_hash() of the CallSid
    at: float
    steps: tuple[tuple[str, str | None], ...] = ()  # (node id, reference number read there or None)
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


class CallRecorder:
    """A bounded queue of CallEvents and the worker thread that writes them with `write(events)`."""

    def __init__(self, write: Callable[[list[CallEvent]], None], capacity: int = CAPACITY):
        self._write = write
        self._capacity = capacity
        self.lost = 0  # events not recorded since start-up (also logged one by one)
        self._reset()
        _recorders.add(self)
        # A forked worker (gunicorn) starts with its own lock and no thread; the parent keeps its queue.
        os.register_at_fork(after_in_child=_at_fork_reset(self))

    def _reset(self) -> None:
        self._pending: deque[CallEvent] = deque()
        self._busy = 0  # events taken by the worker and not yet written
        self._changed = threading.Condition()
        self._worker: threading.Thread | None = None

    def steps(self, call_sid: str, steps: list[tuple[str, str | None]], at: float | None = None) -> None:
        """Note the nodes one webhook spoke (and reference numbers read) for a call."""
        self.add(CallEvent(call_hash(call_sid), time.time() if at is None else at, steps=tuple(steps)))

    def status(self, call_sid: str, outcome: str | None, duration: int | None, at: float | None = None) -> None:
        """Note a call's status from Twilio's status callback (CallStatus, CallDuration)."""
        self.add(CallEvent(call_hash(call_sid), time.time() if at is None else at,
                           outcome=outcome, duration=duration))

    def rehearsal(self, call_key: str, state: str, at: float | None = None) -> None:
        """Note the latest state of a rehearsal in progress (replacing the one before)."""
        self.add(CallEvent(call_key, time.time() if at is None else at, rehearsal=state))

    def add(self, event: CallEvent) -> None:
        """Queue an event for the worker; never blocks, never raises."""
        with self._changed:
            if len(self._pending) >= self._capacity:
                self._lose([event], "the call-log queue is full (the database is slow or down)")
                return
            self._pending.append(event)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="call-log writer", daemon=True)
                self._worker.start()
            self._changed.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event is written (or reported lost); False if `timeout` ran out first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    @property
    def pending(self) -> int:
        """Events queued or being written."""
        return len(self._pending) + self._busy

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._pending:
                    self._changed.wait(IDLE_SECONDS)
                if not self._pending:
                    self._worker = None  # idle: stop; the next event starts a new worker
                    return
            # Most of a write's cost is per transaction and per statement, not per event: let the
            # batch grow (webhooks never wait for this; add() only appends).
            time.sleep(GATHER_SECONDS)
            with self._changed:
                batch = [self._pending.popleft() for _ in range(min(BATCH, len(self._pending)))]
                self._busy = len(batch)
            try:
                self._write(batch)
            except Exception as error:  # noqa: BLE001 - the database is down, slow or refusing: say what is lost
                self._lose(batch, describe_error(error))
            finally:
                with self._changed:
                    self._busy = 0
                    self._changed.notify_all()

    def _lose(self, events: list[CallEvent], reason: str) -> None:
        self.lost += len(events)
        for event in events:
            log.warning("call log: not recorded for call %s: %s: %s", event.call, event.describe(), reason)


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
            recorder._lose(list(recorder._pending), "the process exited before the database answered")

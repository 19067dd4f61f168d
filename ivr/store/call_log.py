"""The call log: Twilio calls (hashed id, start, nodes, references, outcome, duration) and, beside them,
the browser calls' summaries, listed as one. The shipper writes it here, in batches, idempotently."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain

from flask import Flask
from sqlalchemy import Connection, Engine, delete, select, text
from sqlalchemy.exc import IntegrityError

from . import kept
from .database import get_engine
from .models import call_log, call_steps, practice_calls
from .recorder import REPORT_OF, STATE_ORDER, CallEvent

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600
KNOWN_CALLS = 10_000  # calls remembered by KnownCalls at most (then all forgotten at once)



def writer(app: Flask) -> Callable[[list[CallEvent]], None]:
    """The shipper's write function for `app`: writes events, and purges expired calls about hourly."""
    last_purge = 0.0
    known = KnownCalls()

    def write(events: list[CallEvent]) -> None:
        nonlocal last_purge
        with app.app_context():  # scoring a finished rehearsal reads the app's scenarios and secret key
            # The purge goes first: it clears what had expired before this batch, and what a batch writes
            # stays until the next one (an hour). Run after the write, the first batch of every process
            # (its purge is due at once) deleted rows it had just written whose times were past keep_days,
            # and a later batch then stored an older state of a rehearsal in place of the newer one.
            if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
                from .report_store import purge_expired_reports

                last_purge = time.monotonic()
                known.forget()
                keep_days = app.extensions["practice_line"].settings.phone.keep_days
                purge_call_log(keep_days)
                purge_expired_reports(keep_days)
            write_events(get_engine(app), events, known, app.extensions.get(REPORT_OF))

    return write


class KnownCalls:
    """Calls this process wrote a row for, each with a time its row's start is known to be at or before.

    Most webhooks of a call only add steps after its start: the call's row would not change, and
    skipping its upsert saves the database a random-key index update per webhook.
    """

    def __init__(self) -> None:
        self._starts: dict[str, float] = {}

    def unchanged(self, call: str, row: list) -> bool:
        """True when writing `row` (see _rows) would leave the call's row as it is: steps alone, after its start."""
        known = self._starts.get(call)
        # A row's start only ever moves earlier, so a first step at or after `known` cannot move it.
        return known is not None and row[4] is None and row[3] is not None and row[3] >= known

    def note(self, calls: dict[str, list]) -> None:
        """Remember the calls just written (those with steps: their row starts at or before the first step)."""
        if len(self._starts) + len(calls) > KNOWN_CALLS:
            self._starts.clear()
        for call, row in calls.items():
            if row[3] is not None:
                self._starts[call] = min(row[3], self._starts.get(call, row[3]))

    def forget(self) -> None:
        """Forget every call (rows may have been purged)."""
        self._starts.clear()


def write_events(engine: Engine, events: list[CallEvent], known: KnownCalls | None = None,
                 report_of: Callable[[str], dict | None] | None = None) -> None:
    """Write a batch of call events in one transaction: a row per call, a row per rehearsal, all steps, and
    a report for each ended call's open rehearsal (scored by `report_of`). Writing a batch again changes nothing.

    With `known`, a call's row is not written again when the batch would not change it.
    """
    calls, rehearsals, steps, finishes = _rows(events)
    changed = calls if known is None else {call: row for call, row in calls.items() if not known.unchanged(call, row)}
    try:
        _write(engine, changed, rehearsals, steps, finishes, report_of)
    except IntegrityError:
        if known is None or len(changed) == len(calls):
            raise
        known.forget()  # a call's row is gone (purged): write every call's row after all
        _write(engine, calls, rehearsals, steps, finishes, report_of)
    if known is not None:
        known.note(calls)


def _write(engine: Engine, calls: dict[str, list], rehearsals: dict[str, tuple[float, str]],
           steps: list[tuple], finishes: list[str], report_of: Callable[[str], dict | None] | None) -> None:
    with engine.begin() as connection:
        # Every writer locks rows in the same order: the calls by id, then the rehearsals by key. Two
        # batches that share rows then wait for each other instead of deadlocking (PostgreSQL). Each
        # statement runs once for all its rows.
        write = _write_postgresql if connection.dialect.name == "postgresql" else _write_sqlite
        write(connection, calls, rehearsals, steps)
        if finishes:
            _finish_rehearsals(connection, finishes, report_of)


def status_order(outcome: str | None, sequence: int | None, stamp: float | None) -> tuple[int, int] | None:
    """A status callback's place among the call's callbacks (later is greater), None for no known state:
    by SequenceNumber then Timestamp when Twilio sends them, else by the order of call states."""
    state = STATE_ORDER.get(outcome)
    if state is None:
        return None
    return (-1 if sequence is None else sequence, (0 if stamp is None else int(stamp) * 8) + state)


def _rows(events: list[CallEvent]) -> tuple[dict[str, list], dict[str, tuple[float, str]], list[tuple], list[str]]:
    """The batch as rows, with the effect of writing its events one by one: {call id: [started, outcome,
    duration, first step, status sequence, status rank]}, {call key: (updated, state)}, steps (call id, at,
    node, reference, key) and the desk keys of calls that ended."""
    calls: dict[str, list] = {}
    rehearsals: dict[str, tuple[float, str]] = {}
    steps: list[tuple] = []
    finishes: list[str] = []
    for event in events:
        call, at, spoken = event.call, event.at, event.steps
        if event.rehearsal is not None:
            if call not in rehearsals or at >= rehearsals[call][0]:  # only the latest state of a rehearsal counts
                rehearsals[call] = (at, event.rehearsal)
            continue
        row = calls.get(call)
        if row is None:
            # A status callback comes at the end of the call: its start is an estimate, which only
            # stands for a call with no steps yet (on a known call, only steps move the start).
            row = calls[call] = [at if spoken else at - (event.duration or 0), None, None, None, None, None]
        if spoken:
            row[0] = min(row[0], at)
            row[3] = at if row[3] is None else min(row[3], at)
            steps.extend((call, at, node, reference, None if event.key is None else f"{event.key}.{index}")
                         for index, (node, reference) in enumerate(spoken))
        order = status_order(event.outcome, event.sequence, event.stamp)
        if order is not None and (row[4] is None or order > (row[4], row[5])):  # a late callback never wins
            row[1] = event.outcome
            row[2] = row[2] if event.duration is None else event.duration
            row[4], row[5] = order
        if event.finish is not None and event.finish not in finishes:
            finishes.append(event.finish)
    return calls, rehearsals, steps, finishes


def _finish_rehearsals(connection: Connection, call_keys: list[str],
                       report_of: Callable[[str], dict | None] | None) -> None:
    """Each ended call's open rehearsal becomes a stored report, in the batch's transaction (taken once)."""
    from .report_store import insert_report

    for call_key in call_keys:
        state = connection.execute(_TAKE_REHEARSAL, {"key": call_key}).scalar()
        if state is None or report_of is None:
            continue
        try:
            report = report_of(state)
        except Exception:  # a state the coach cannot score must not hold up the call log behind it
            log.exception("call log: the rehearsal of call key %s could not be scored; no report", call_key[:12])
            continue
        if report is not None:
            insert_report(connection, report)


_TAKE_REHEARSAL = text("DELETE FROM open_rehearsals WHERE call_key = :key RETURNING state")


def _write_sqlite(connection: Connection, calls: dict[str, list], rehearsals: dict[str, tuple[float, str]],
                  steps: list[tuple]) -> None:
    # Many rows per statement: sqlite3 lets go of the GIL for every statement it steps, and under
    # load each time costs the writer a wait for a busy request thread to hand it back (an
    # executemany of 800 rows took seconds beside four busy threads; a few statements, milliseconds).
    stepped, unstepped, other = [], [], []
    for call in sorted(calls):
        started, outcome, duration, first_step, sequence, rank = calls[call]
        if first_step is None:  # a status alone: on a known call, the start stays
            unstepped.append((call, started, outcome, duration, sequence, rank))
        elif first_step == started:  # on a known call, the start moves to the first step if earlier
            stepped.append((call, started, outcome, duration, sequence, rank))
        else:  # a status before the steps of a new call, in one batch: rare, row by row
            other.append((call, started, outcome, duration, sequence, rank, first_step))
    _insert_rows(connection, _SQLITE_STEPPED_CALLS, stepped)
    _insert_rows(connection, _SQLITE_UNSTEPPED_CALLS, unstepped)
    if other:
        connection.exec_driver_sql(_SQLITE_CALLS, other)
    _insert_rows(connection, _SQLITE_REHEARSALS, [(key, *rehearsals[key]) for key in sorted(rehearsals)])
    _insert_rows(connection, _SQLITE_STEPS, steps)


def _insert_rows(connection: Connection, sql: str, rows: list[tuple]) -> None:
    """Run an INSERT of one row of placeholders for all `rows`, in statements of 512, 256, 128... rows
    (so that sqlite3 keeps each statement prepared)."""
    done = 0
    while done < len(rows):
        count = min(512, 1 << ((len(rows) - done).bit_length() - 1))
        connection.exec_driver_sql(_rows_of(sql, count), tuple(chain.from_iterable(rows[done:done + count])))
        done += count


@lru_cache(maxsize=64)
def _rows_of(sql: str, count: int) -> str:
    """`sql` (an INSERT with one VALUES row of placeholders) with `count` such rows."""
    head, values, tail = sql.partition(" VALUES ")
    group, _, rest = tail.partition(")")
    return f"{head} VALUES {', '.join([group + ')'] * count)}{rest}"


# The guard of every status: a callback replaces the call's status only when it comes later in the call
# (by SequenceNumber, Timestamp, then call state), so a late or repeated one never undoes a later one.
# Both databases compare row values; a row with no status yet takes any.
_NEWER = ("excluded.status_seq IS NOT NULL AND (call_log.status_seq IS NULL OR "
          "(excluded.status_seq, excluded.status_rank) > (call_log.status_seq, call_log.status_rank))")
_STATUS = ", ".join(f"{column} = CASE WHEN {_NEWER} THEN {new} ELSE call_log.{column} END" for column, new in (
    ("outcome", "excluded.outcome"), ("duration", "coalesce(excluded.duration, call_log.duration)"),
    ("status_seq", "excluded.status_seq"), ("status_rank", "excluded.status_rank")))
_SQLITE_INSERT_CALL = ("INSERT INTO call_log (id, started_at, outcome, duration, status_seq, status_rank) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ")
# Requests for one call may reach several servers and be shipped in any order: a call keeps the
# earliest start of its steps (a status alone leaves a known call's start as it is).
_SQLITE_STEPPED_CALLS = (_SQLITE_INSERT_CALL + "started_at = min(call_log.started_at, excluded.started_at), "
                         + _STATUS)
_SQLITE_UNSTEPPED_CALLS = _SQLITE_INSERT_CALL + _STATUS
_SQLITE_CALLS = (_SQLITE_INSERT_CALL  # the 7th parameter: the first step's time
                 + "started_at = coalesce(min(call_log.started_at, ?), call_log.started_at), " + _STATUS)
_SQLITE_REHEARSALS = ("INSERT INTO open_rehearsals (call_key, updated_at, state) VALUES (?, ?, ?) "
                      "ON CONFLICT (call_key) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state "
                      "WHERE excluded.updated_at >= open_rehearsals.updated_at")
# A step shipped twice (the shipper stopped between the database's commit and the spool's) is kept once.
_SQLITE_STEPS = ("INSERT INTO call_steps (call_id, at, node, reference, event) VALUES (?, ?, ?, ?, ?) "
                 "ON CONFLICT (event) DO NOTHING")


def _write_postgresql(connection: Connection, calls: dict[str, list],
                      rehearsals: dict[str, tuple[float, str]], steps: list[tuple]) -> None:
    # psycopg spends several microseconds in Python on each row of an executemany: each table's rows
    # go instead as one JSON document, one statement, which the server unpacks. (JSON keeps floats
    # exact: Python writes the shortest text that reads back as the same number.)
    if calls:
        connection.execute(_PG_CALLS, {"calls": json.dumps(calls)})
    if rehearsals:
        connection.execute(_PG_REHEARSALS, {"states": json.dumps(rehearsals)})
    if steps:
        connection.execute(_PG_STEPS, {"steps": json.dumps(steps)})


# A call's row is {id: [started, outcome, duration, first step, status sequence, status rank]}; rows are
# written in id order. A status callback's start only stands for a new call; steps move a known call's
# start to the earliest (first_step, looked up in the batch by excluded.id); the status is guarded.
_PG_CALLS = text(f"""
WITH batch AS MATERIALIZED (SELECT CAST(:calls AS jsonb) AS calls)
INSERT INTO call_log (id, started_at, outcome, duration, status_seq, status_rank)
SELECT key, CAST(value ->> 0 AS double precision), value ->> 1, CAST(value ->> 2 AS integer),
       CAST(value ->> 4 AS bigint), CAST(value ->> 5 AS bigint)
FROM batch, jsonb_each(batch.calls) ORDER BY key
ON CONFLICT (id) DO UPDATE SET
    started_at = coalesce(least(call_log.started_at,
                                (SELECT CAST(calls -> excluded.id ->> 3 AS double precision) FROM batch)),
                          call_log.started_at),
    {_STATUS}""")
# {call key: [updated, state]}, in key order; a later state replaces the one before, never an earlier one.
_PG_REHEARSALS = text("""
INSERT INTO open_rehearsals (call_key, updated_at, state)
SELECT key, CAST(value ->> 0 AS double precision), value ->> 1
FROM jsonb_each(CAST(:states AS jsonb)) ORDER BY key
ON CONFLICT (call_key) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state
WHERE excluded.updated_at >= open_rehearsals.updated_at""")
# [[call id, at, node, reference, key], ...]
_PG_STEPS = text("""
INSERT INTO call_steps (call_id, at, node, reference, event)
SELECT value ->> 0, CAST(value ->> 1 AS double precision), value ->> 2, value ->> 3, value ->> 4
FROM json_array_elements(CAST(:steps AS json))
ON CONFLICT (event) DO NOTHING""")


def list_calls(keep_days: int, labels: dict[str, str] | None = None, now: float | None = None) -> list[dict]:
    """Every kept call, oldest first: {id, source, started, duration, path, references, outcome}.

    `labels` (node id -> label) names the node of each reference number.
    """
    labels = labels or {}
    cutoff = kept.cutoff(keep_days, now)
    with get_engine().connect() as connection:
        calls = connection.execute(select(call_log).where(call_log.c.started_at > cutoff)).all()
        steps = connection.execute(
            select(call_steps.c.call_id, call_steps.c.node, call_steps.c.reference)
            .join(call_log, call_log.c.id == call_steps.c.call_id)
            .where(call_log.c.started_at > cutoff).order_by(call_steps.c.at, call_steps.c.id)).all()
        browser = connection.execute(select(practice_calls).where(practice_calls.c.created_at > cutoff)).all()
    paths: dict[str, list[str]] = {}
    references: dict[str, list[dict]] = {}
    for call_id, node, reference in steps:
        path = paths.setdefault(call_id, [])
        if not path or path[-1] != node:  # a re-prompt is not a new step
            path.append(node)
        found = {"node": node, "label": labels.get(node, node), "number": reference}
        if reference and found not in references.setdefault(call_id, []):
            references[call_id].append(found)
    listed = [_entry(row.id, "twilio", row.started_at, row.duration, paths.get(row.id, []),
                     references.get(row.id, []), row.outcome) for row in calls]
    for row in browser:
        summary = json.loads(row.summary)
        duration = summary.get("duration_seconds")
        path = summary.get("path", [])
        node_of = {step["label"]: step["node"] for step in path}
        listed.append(_entry(row.id, "browser", row.created_at - (duration or 0), duration,
                             [step["node"] for step in path],
                             [{"node": node_of.get(ref["label"]), **ref} for ref in summary.get("references", [])],
                             summary.get("ended_by")))
    return sorted(listed, key=lambda entry: entry["started"])


def _entry(call_id: str, source: str, started: float, duration: int | None, path: list[str],
           references: list[dict], outcome: str | None) -> dict:
    return {"id": call_id, "source": source,
            "started": datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": duration, "path": path, "references": references, "outcome": outcome}


def purge_call_log(keep_days: int, now: float | None = None) -> int:
    """Delete Twilio calls (and their steps) that started more than `keep_days` ago; returns how many went."""
    expired = select(call_log.c.id).where(call_log.c.started_at <= kept.cutoff(keep_days, now))
    with get_engine().begin() as connection:
        connection.execute(delete(call_steps).where(call_steps.c.call_id.in_(expired)))
        return connection.execute(delete(call_log).where(call_log.c.id.in_(expired))).rowcount

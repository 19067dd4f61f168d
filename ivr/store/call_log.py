"""The call log: Twilio calls (hashed id, start, nodes, references, outcome, duration) and, beside them,
the browser calls' summaries, listed as one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain
from typing import NamedTuple

from flask import Flask
from sqlalchemy import Connection, Double, Engine, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from . import kept
from .database import get_engine
from .models import call_log, call_steps, open_rehearsals, practice_calls
from .recorder import CallEvent

PURGE_EVERY_SECONDS = 3600
KNOWN_CALLS = 10_000  # calls remembered by KnownCalls at most (then all forgotten at once)


def writer(app: Flask) -> Callable[[list[CallEvent]], None]:
    """The recorder's write function for `app`: writes events, and purges expired calls about hourly."""
    last_purge = 0.0
    known = KnownCalls()

    def write(events: list[CallEvent]) -> None:
        nonlocal last_purge
        write_events(get_engine(app), events, known)
        if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
            last_purge = time.monotonic()
            known.forget()
            with app.app_context():
                purge_call_log(app.extensions["practice_line"].settings.phone.keep_days)

    return write


class KnownCalls:
    """Calls this process wrote a row for, each with a time its row's start is known to be at or before.

    Most webhooks of a call only add steps after its start: the call's row would not change, and
    skipping its upsert saves the database a random-key index update per webhook.
    """

    def __init__(self) -> None:
        self._starts: dict[str, float] = {}

    def unchanged(self, call: str, row: list) -> bool:
        """True when writing `row` ([started, outcome, duration, first step]) would leave the call's row as it is."""
        known = self._starts.get(call)
        # A row's start only ever moves earlier, so a first step at or after `known` cannot move it.
        return known is not None and row[1] is None and row[2] is None and row[3] is not None and row[3] >= known

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


def write_events(engine: Engine, events: list[CallEvent], known: KnownCalls | None = None) -> None:
    """Write a batch of call events in one transaction: a row per call, a row per rehearsal, all steps.

    With `known`, a call's row is not written again when the batch would not change it.
    """
    calls, rehearsals, steps = _rows(events)
    changed = calls if known is None else {call: row for call, row in calls.items() if not known.unchanged(call, row)}
    try:
        _write(engine, changed, rehearsals, steps)
    except IntegrityError:
        if known is None or len(changed) == len(calls):
            raise
        known.forget()  # a call's row is gone (purged): write every call's row after all
        _write(engine, calls, rehearsals, steps)
    if known is not None:
        known.note(calls)


def _write(engine: Engine, calls: dict[str, list], rehearsals: dict[str, tuple[float, str]],
           steps: list[tuple]) -> None:
    with engine.begin() as connection:
        # Every writer (each worker of each server) locks rows in the same order: the calls by id,
        # then the rehearsals by key. Two batches that share rows then wait for each other instead
        # of deadlocking (PostgreSQL). Each statement runs once for all its rows.
        write = _write_postgresql if connection.dialect.name == "postgresql" else _write_sqlite
        write(connection, calls, rehearsals, steps)


def _rows(events: list[CallEvent]) -> tuple[dict[str, list], dict[str, tuple[float, str]], list[tuple]]:
    """The batch as rows, with the effect of writing its events one by one: {call id: [started, outcome,
    duration, first step]}, {call key: (updated, state)} and steps (call id, at, node, reference)."""
    calls: dict[str, list] = {}
    rehearsals: dict[str, tuple[float, str]] = {}
    steps: list[tuple] = []
    for call, at, spoken, outcome, duration, state in events:
        if state is not None:
            rehearsals[call] = (at, state)  # only the latest state of a rehearsal counts
            continue
        row = calls.get(call)
        if row is None:
            # A status callback comes at the end of the call: its start is an estimate, which only
            # stands for a call with no steps yet (on a known call, only steps move the start).
            row = calls[call] = [at if spoken else at - (duration or 0), None, None, None]
        if spoken:
            row[0] = min(row[0], at)
            row[3] = at if row[3] is None else min(row[3], at)
            steps.extend((call, at, node, reference) for node, reference in spoken)
        if outcome is not None:
            row[1] = outcome
        if duration is not None:
            row[2] = duration
    return calls, rehearsals, steps


def _write_sqlite(connection: Connection, calls: dict[str, list], rehearsals: dict[str, tuple[float, str]],
                  steps: list[tuple]) -> None:
    # Many rows per statement: sqlite3 lets go of the GIL for every statement it steps, and under
    # load each time costs the writer a wait for a busy request thread to hand it back (an
    # executemany of 800 rows took seconds beside four busy threads; a few statements, milliseconds).
    statements = _sqlite_statements()
    stepped, unstepped, other = [], [], []
    for call in sorted(calls):
        started, outcome, duration, first_step = calls[call]
        if first_step is None:  # a status alone: on a known call, the start stays
            unstepped.append((call, started, outcome, duration))
        elif first_step == started:  # on a known call, the start moves to the first step if earlier
            stepped.append((call, started, outcome, duration))
        else:  # a status before the steps of a new call, in one batch: rare, row by row
            other.append((call, started, outcome, duration, first_step))
    _insert_rows(connection, statements.stepped_calls, stepped)
    _insert_rows(connection, statements.unstepped_calls, unstepped)
    if other:
        connection.exec_driver_sql(statements.calls, other)
    _insert_rows(connection, statements.rehearsals, [(key, *rehearsals[key]) for key in sorted(rehearsals)])
    _insert_rows(connection, statements.steps, steps)


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


class _Statements(NamedTuple):
    calls: str  # parameters: id, started_at, outcome, duration, first_step
    stepped_calls: str  # id, started_at, outcome, duration
    unstepped_calls: str  # id, started_at, outcome, duration
    rehearsals: str  # call_key, updated_at, state
    steps: str  # call_id, at, node, reference


@lru_cache(maxsize=1)
def _sqlite_statements() -> _Statements:
    """The call and rehearsal upserts and the steps insert, as sqlite3's SQL with positional parameters."""
    dialect = sqlite.dialect()
    # Requests for one call may reach several servers and be written in any order: keep the
    # earliest start of the steps (no steps: first_step is NULL, the start stays), and the status
    # whenever it comes.
    excluded = sqlite.insert(call_log).excluded
    status = {"outcome": func.coalesce(excluded.outcome, call_log.c.outcome),
              "duration": func.coalesce(excluded.duration, call_log.c.duration)}
    start = func.coalesce(func.min(call_log.c.started_at, bindparam("first_step", type_=Double)),
                          call_log.c.started_at)
    calls = sqlite.insert(call_log).on_conflict_do_update(index_elements=[call_log.c.id],
                                                          set_={"started_at": start, **status})
    stepped = sqlite.insert(call_log).on_conflict_do_update(index_elements=[call_log.c.id], set_={
        "started_at": func.min(call_log.c.started_at, excluded.started_at), **status})
    unstepped = sqlite.insert(call_log).on_conflict_do_update(index_elements=[call_log.c.id], set_=status)
    rehearsals = sqlite.insert(open_rehearsals)
    rehearsals = rehearsals.on_conflict_do_update(index_elements=[open_rehearsals.c.call_key], set_={
        "updated_at": rehearsals.excluded.updated_at, "state": rehearsals.excluded.state})
    columns = ["id", "started_at", "outcome", "duration"]
    return _Statements(_positional(calls, dialect, [*columns, "first_step"]),
                       _positional(stepped, dialect, columns),
                       _positional(unstepped, dialect, columns),
                       _positional(rehearsals, dialect, ["call_key", "updated_at", "state"]),
                       _positional(insert(call_steps), dialect, ["call_id", "at", "node", "reference"]))


def _positional(statement, dialect: sqlite.dialect, order: list[str]) -> str:
    """`statement` as the driver's SQL, checked to take its parameters in `order` (the rows' order)."""
    compiled = statement.compile(dialect=dialect, column_keys=[key for key in order if key != "first_step"])
    if list(compiled.positiontup or []) != order:
        raise RuntimeError(f"call log: the statement takes {compiled.positiontup}, the rows give {order}")
    return str(compiled)


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


# A call's row is {id: [started, outcome, duration, first step]}; rows are written in id order. A
# status callback's start only stands for a new call; steps move a known call's start to the earliest
# (first_step, looked up in the batch by excluded.id); the status is kept whenever it comes.
_PG_CALLS = text("""
WITH batch AS MATERIALIZED (SELECT CAST(:calls AS jsonb) AS calls)
INSERT INTO call_log (id, started_at, outcome, duration)
SELECT key, CAST(value ->> 0 AS double precision), value ->> 1, CAST(value ->> 2 AS integer)
FROM batch, jsonb_each(batch.calls) ORDER BY key
ON CONFLICT (id) DO UPDATE SET
    started_at = coalesce(least(call_log.started_at,
                                (SELECT CAST(calls -> excluded.id ->> 3 AS double precision) FROM batch)),
                          call_log.started_at),
    outcome = coalesce(excluded.outcome, call_log.outcome),
    duration = coalesce(excluded.duration, call_log.duration)""")
# {call key: [updated, state]}, in key order; the latest state replaces the one before.
_PG_REHEARSALS = text("""
INSERT INTO open_rehearsals (call_key, updated_at, state)
SELECT key, CAST(value ->> 0 AS double precision), value ->> 1
FROM jsonb_each(CAST(:states AS jsonb)) ORDER BY key
ON CONFLICT (call_key) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state""")
# [[call id, at, node, reference], ...]
_PG_STEPS = text("""
INSERT INTO call_steps (call_id, at, node, reference)
SELECT value ->> 0, CAST(value ->> 1 AS double precision), value ->> 2, value ->> 3
FROM json_array_elements(CAST(:steps AS json))""")


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

"""The call log: Twilio calls (hashed id, start, nodes, references, outcome, duration) and, beside them,
the browser calls' summaries, listed as one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask

from sqlalchemy import Connection, Double, Engine, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from . import kept
from .engine import get_engine
from .models import call_log, call_steps, open_rehearsals, practice_calls
from .recorder import CallEvent


PURGE_EVERY_SECONDS = 3600


def writer(app: Flask) -> Callable[[list[CallEvent]], None]:
    """The recorder's write function for `app`: writes events, and purges expired calls about hourly."""
    last_purge = 0.0

    def write(events: list[CallEvent]) -> None:
        nonlocal last_purge
        write_events(get_engine(app), events)
        if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
            last_purge = time.monotonic()
            with app.app_context():
                purge_call_log(app.extensions["practice_line"].settings.phone.keep_days)

    return write


def write_events(engine: Engine, events: list[CallEvent]) -> None:
    """Write a batch of call events in one transaction: one upsert per call, one insert for all steps."""
    by_call: dict[str, list[CallEvent]] = {}
    for event in events:
        by_call.setdefault(event.call, []).append(event)
    steps = []
    with engine.begin() as connection:
        # Every writer (each worker of each server) locks the calls' rows in the same order, by id,
        # so two batches that share calls wait for each other instead of deadlocking (PostgreSQL).
        for call in sorted(by_call):
            group = by_call[call]
            rehearsals = [event for event in group if event.rehearsal is not None]
            if rehearsals:  # only the latest state of a rehearsal counts
                latest = rehearsals[-1]
                _upsert(connection, open_rehearsals, {"call_key": call, "updated_at": latest.at,
                                                      "state": latest.rehearsal}, ["updated_at", "state"])
            calls = [event for event in group if event.rehearsal is None]
            if calls:
                _upsert_call(connection, call, calls)
                steps.extend({"call_id": call, "at": event.at, "node": node, "reference": reference}
                             for event in calls for node, reference in event.steps)
        if steps:
            connection.execute(insert(call_steps), steps)


def _upsert_call(connection: Connection, call: str, events: list[CallEvent]) -> None:
    """One statement for a call's events in this batch, with the effect of writing them one by one."""
    dialect = connection.dialect.name
    # A status callback comes at the end of the call: its start is an estimate, which only stands
    # for a call with no steps yet.
    first = events[0]
    started = first.at - (first.duration or 0) if not first.steps else first.at
    stepped = [event.at for event in events if event.steps]
    if stepped:
        started = min(started, *stepped)
    outcome = next((event.outcome for event in reversed(events) if event.outcome is not None), None)
    duration = next((event.duration for event in reversed(events) if event.duration is not None), None)
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(call_log).values(
        id=call, started_at=started, outcome=outcome, duration=duration)
    earliest = func.least if dialect == "postgresql" else func.min  # SQLite's two-argument min()
    # Requests for one call may reach several servers and be written in any order: keep the
    # earliest start of the steps, and the status whenever it comes.
    start = earliest(call_log.c.started_at, bindparam("first_step", min(stepped), type_=Double)) if stepped else call_log.c.started_at
    connection.execute(statement.on_conflict_do_update(index_elements=[call_log.c.id], set_={
        "started_at": start,
        "outcome": func.coalesce(statement.excluded.outcome, call_log.c.outcome),
        "duration": func.coalesce(statement.excluded.duration, call_log.c.duration),
    }))


def _upsert(connection: Connection, table, values: dict, replace: list[str]) -> None:
    dialect = connection.dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(values)
    key = [column.name for column in table.primary_key]
    connection.execute(statement.on_conflict_do_update(
        index_elements=key, set_={name: statement.excluded[name] for name in replace}))


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

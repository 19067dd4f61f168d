"""Rehearsal reports (kept like call summaries: same database, same retention, no digit runs), and the
latest state of a Twilio rehearsal still in progress (so a hang-up mid-gather still gets its report)."""

from __future__ import annotations

import json
import secrets
import time

from flask import g

from .summaries import DAY, get_db

SCHEMA = """
CREATE TABLE IF NOT EXISTS rehearsal_reports (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rehearsal_reports_created ON rehearsal_reports (created_at);
CREATE TABLE IF NOT EXISTS open_rehearsals (
    call_key TEXT PRIMARY KEY,
    updated_at REAL NOT NULL,
    state TEXT NOT NULL
);
"""


def _db():
    db = get_db()
    if not g.get("reports_schema"):
        db.executescript(SCHEMA)
        g.reports_schema = True
    return db


def save_report(report: dict, keep_days: int, now: float | None = None) -> tuple[str, float]:
    """Store a report under a new unguessable id, purging expired ones first. Returns (id, created)."""
    now = time.time() if now is None else now
    purge_expired_reports(keep_days, now)
    report_id = secrets.token_urlsafe(18)  # the id is the only key to the report
    db = _db()
    db.execute("INSERT INTO rehearsal_reports (id, created_at, report) VALUES (?, ?, ?)",
               (report_id, now, json.dumps(report)))
    db.commit()
    return report_id, now


def load_report(report_id: str, keep_days: int, now: float | None = None) -> tuple[dict, float] | None:
    """(report, created) for a report younger than `keep_days`, else None (even before a purge)."""
    row = _db().execute("SELECT report, created_at FROM rehearsal_reports WHERE id = ? AND created_at > ?",
                        (report_id, _cutoff(keep_days, now))).fetchone()
    return (json.loads(row["report"]), row["created_at"]) if row else None


def purge_expired_reports(keep_days: int, now: float | None = None) -> int:
    """Delete reports (and open rehearsals) older than `keep_days`; returns how many reports went."""
    db = _db()
    cutoff = _cutoff(keep_days, now)
    removed = db.execute("DELETE FROM rehearsal_reports WHERE created_at <= ?", (cutoff,)).rowcount
    db.execute("DELETE FROM open_rehearsals WHERE updated_at <= ?", (cutoff,))
    db.commit()
    return removed


def keep_open_rehearsal(call_key: str, state: str, keep_days: int, now: float | None = None) -> None:
    """Remember the latest state of a rehearsal still in progress (replacing the one before)."""
    del keep_days  # same signature as the rest; expiry happens in purge_expired_reports
    db = _db()
    db.execute("INSERT INTO open_rehearsals (call_key, updated_at, state) VALUES (?, ?, ?) "
               "ON CONFLICT (call_key) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state",
               (call_key, time.time() if now is None else now, state))
    db.commit()


def take_open_rehearsal(call_key: str) -> str | None:
    """The latest state kept for a call, removed as it is taken (None if there is none)."""
    db = _db()
    row = db.execute("SELECT state FROM open_rehearsals WHERE call_key = ?", (call_key,)).fetchone()
    if row is None:
        return None
    db.execute("DELETE FROM open_rehearsals WHERE call_key = ?", (call_key,))
    db.commit()
    return row["state"]


def _cutoff(keep_days: int, now: float | None) -> float:
    return (time.time() if now is None else now) - keep_days * DAY

"""The database: browser practice-call summaries (SQLite in the instance folder), kept for a set number of days."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from pathlib import Path

from flask import Flask, current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS practice_calls (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS practice_calls_created ON practice_calls (created_at);
"""
DAY = 86400


def database_path(app: Flask) -> Path:
    """DATABASE from the config, else practice-line.sqlite in the instance folder."""
    return Path(app.config.get("DATABASE") or Path(app.instance_path) / "practice-line.sqlite")


def get_db() -> sqlite3.Connection:
    """This request's connection; the table is created on first use."""
    if "db" not in g:
        path = database_path(current_app)
        path.parent.mkdir(parents=True, exist_ok=True)
        g.db = sqlite3.connect(path, timeout=10)
        g.db.row_factory = sqlite3.Row
        g.db.executescript(SCHEMA)
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    """Close the connection at the end of the request."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def save_call(summary: dict, keep_days: int, now: float | None = None) -> tuple[str, float]:
    """Store a summary under a new unguessable id, purging expired calls first. Returns (id, created)."""
    now = time.time() if now is None else now
    db = get_db()
    purge_expired(keep_days, now)
    call_id = secrets.token_urlsafe(18)  # 144 random bits: the id is the only key to the call
    db.execute("INSERT INTO practice_calls (id, created_at, summary) VALUES (?, ?, ?)",
               (call_id, now, json.dumps(summary)))
    db.commit()
    return call_id, now


def load_call(call_id: str, keep_days: int, now: float | None = None) -> tuple[dict, float] | None:
    """(summary, created) for a call younger than `keep_days`, else None (even before a purge)."""
    row = get_db().execute("SELECT summary, created_at FROM practice_calls WHERE id = ? AND created_at > ?",
                           (call_id, _cutoff(keep_days, now))).fetchone()
    return (json.loads(row["summary"]), row["created_at"]) if row else None


def purge_expired(keep_days: int, now: float | None = None) -> int:
    """Delete calls older than `keep_days`; returns how many went."""
    db = get_db()
    removed = db.execute("DELETE FROM practice_calls WHERE created_at <= ?", (_cutoff(keep_days, now),)).rowcount
    db.commit()
    return removed


def _cutoff(keep_days: int, now: float | None) -> float:
    # Expiry follows today's setting, so shortening keep_days also shortens what is already kept.
    return (time.time() if now is None else now) - keep_days * DAY


def init_app(app: Flask) -> None:
    """Close connections after each request."""
    app.teardown_appcontext(close_db)

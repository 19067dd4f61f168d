"""JSON records kept for a set number of days under an unguessable id (call summaries, rehearsal reports)."""

from __future__ import annotations

import json
import secrets
import time

from sqlalchemy import Table, delete, insert, select

from .database import get_engine

DAY = 86400


def save(table: Table, column: str, data: dict, keep_days: int, now: float | None = None) -> tuple[str, float]:
    """Store `data` in `table` under a new unguessable id, purging expired rows first; (id, created)."""
    now = time.time() if now is None else now
    record_id = secrets.token_urlsafe(18)  # 144 random bits: the id is the only key to the record
    with get_engine().begin() as connection:
        connection.execute(delete(table).where(table.c.created_at <= cutoff(keep_days, now)))
        connection.execute(insert(table).values({"id": record_id, "created_at": now, column: json.dumps(data)}))
    return record_id, now


def load(table: Table, column: str, record_id: str, keep_days: int,
         now: float | None = None) -> tuple[dict, float] | None:
    """(data, created) for a record younger than `keep_days`, else None (even before a purge)."""
    query = (select(table.c[column], table.c.created_at)
             .where(table.c.id == record_id, table.c.created_at > cutoff(keep_days, now)))
    with get_engine().connect() as connection:
        row = connection.execute(query).first()
    return (json.loads(row[0]), row[1]) if row else None


def purge(table: Table, keep_days: int, now: float | None = None) -> int:
    """Delete rows older than `keep_days`; returns how many went."""
    with get_engine().begin() as connection:
        return connection.execute(delete(table).where(table.c.created_at <= cutoff(keep_days, now))).rowcount


def cutoff(keep_days: int, now: float | None) -> float:
    """Rows created at or before this are expired."""
    # Expiry follows today's setting, so shortening keep_days also shortens what is already kept.
    return (time.time() if now is None else now) - keep_days * DAY

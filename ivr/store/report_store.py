"""The coach's rehearsal reports, kept like the call summaries (no run of digits is ever stored), and the
latest state of a Twilio rehearsal still in progress (so a hang-up mid-gather still gets its report: the
call-log shipper finishes it when the status callback says the call ended)."""

from __future__ import annotations

import json
import secrets
import time

from sqlalchemy import Connection, delete, insert

from ..line.masking import mask_digits
from . import call_recorder, kept
from .database import get_engine
from .models import open_rehearsals, rehearsal_reports


def save_report(report: dict, keep_days: int, now: float | None = None) -> tuple[str, float]:
    """Store a rehearsal report under a new unguessable id, purging expired ones first. Returns (id, created)."""
    return kept.save(rehearsal_reports, "report", _masked(report), keep_days, now)


def load_report(report_id: str, keep_days: int, now: float | None = None) -> tuple[dict, float] | None:
    """(report, created) for a report younger than `keep_days`, else None (even before a purge)."""
    return kept.load(rehearsal_reports, "report", report_id, keep_days, now)


def purge_expired_reports(keep_days: int, now: float | None = None) -> int:
    """Delete reports (and open rehearsals) older than `keep_days`; returns how many reports went."""
    with get_engine().begin() as connection:
        connection.execute(delete(open_rehearsals).where(open_rehearsals.c.updated_at <= kept.cutoff(keep_days, now)))
    return kept.purge(rehearsal_reports, keep_days, now)


def keep_open_rehearsal(call_key: str, state: str, keep_days: int, now: float | None = None) -> None:
    """Remember the latest state of a rehearsal in progress, off the request path (the call-log spool)."""
    del keep_days  # the same signature as the rest; expiry happens in purge_expired_reports
    call_recorder().rehearsal(call_key, state, at=now)


def insert_report(connection: Connection, report: dict, now: float | None = None) -> str:
    """Store a report in `connection`'s transaction (the shipper's, finishing an ended call's rehearsal); its id."""
    report_id = secrets.token_urlsafe(18)  # as kept.save: the id is the only key to the report
    connection.execute(insert(rehearsal_reports).values(
        id=report_id, created_at=time.time() if now is None else now, report=json.dumps(_masked(report))))
    return report_id


def _masked(value):
    # The caller masks what was said before saving; this is the store's own guard against a
    # card-like number slipping through (any run of four digits, spaced or not).
    if isinstance(value, str):
        return mask_digits(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value

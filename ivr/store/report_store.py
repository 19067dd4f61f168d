"""The coach's rehearsal reports, kept like the call summaries (no run of digits is ever stored), and the
latest state of a Twilio rehearsal still in progress (so a hang-up mid-gather still gets its report)."""

from __future__ import annotations

from sqlalchemy import delete, select

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
    """Remember the latest state of a rehearsal in progress, off the request path (the call-log queue)."""
    del keep_days  # the same signature as the rest; expiry happens in purge_expired_reports
    call_recorder().rehearsal(call_key, state, at=now)


def take_open_rehearsal(call_key: str) -> str | None:
    """The latest state kept for a call, removed as it is taken (None if there is none)."""
    recorder = call_recorder()
    if recorder.holds_rehearsal(call_key):  # this process's own last state first (most calls have none)
        recorder.flush()
    with get_engine().connect() as connection:
        # Most calls never reached a desk: a read answers them, with no write (and no wait for the writer).
        if connection.execute(select(open_rehearsals.c.call_key)
                              .where(open_rehearsals.c.call_key == call_key)).first() is None:
            return None
    with get_engine().begin() as connection:
        return connection.execute(delete(open_rehearsals).where(open_rehearsals.c.call_key == call_key)
                                  .returning(open_rehearsals.c.state)).scalar()


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

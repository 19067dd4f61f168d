"""The coach's rehearsal reports, kept like the call summaries; no run of digits is ever stored."""

from __future__ import annotations

from ..line.masking import mask_digits
from . import kept
from .models import rehearsal_reports


def save_report(report: dict, keep_days: int, now: float | None = None) -> tuple[str, float]:
    """Store a rehearsal report under a new unguessable id, purging expired ones first. Returns (id, created)."""
    return kept.save(rehearsal_reports, "report", _masked(report), keep_days, now)


def load_report(report_id: str, keep_days: int, now: float | None = None) -> tuple[dict, float] | None:
    """(report, created) for a report younger than `keep_days`, else None (even before a purge)."""
    return kept.load(rehearsal_reports, "report", report_id, keep_days, now)


def purge_reports(keep_days: int, now: float | None = None) -> int:
    """Delete rehearsal reports older than `keep_days`; returns how many went."""
    return kept.purge(rehearsal_reports, keep_days, now)


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

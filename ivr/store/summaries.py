"""Browser practice-call summaries, kept for `phone.keep_days` days."""

from __future__ import annotations

from . import kept
from .models import practice_calls


def save_call(summary: dict, keep_days: int, now: float | None = None) -> tuple[str, float]:
    """Store a summary under a new unguessable id, purging expired calls first. Returns (id, created)."""
    return kept.save(practice_calls, "summary", summary, keep_days, now)


def load_call(call_id: str, keep_days: int, now: float | None = None) -> tuple[dict, float] | None:
    """(summary, created) for a call younger than `keep_days`, else None (even before a purge)."""
    return kept.load(practice_calls, "summary", call_id, keep_days, now)


def purge_expired(keep_days: int, now: float | None = None) -> int:
    """Delete call summaries older than `keep_days`; returns how many went."""
    return kept.purge(practice_calls, keep_days, now)

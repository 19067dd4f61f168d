"""flask calls: the stored practice calls."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..runtime import runtime
from ..store import purge_expired, purge_expired_reports

calls = AppGroup("calls", help="Stored practice calls.")


@calls.command("purge")
def purge_command() -> None:
    """Delete practice calls and rehearsal reports older than phone.keep_days."""
    keep_days = runtime().settings.phone.keep_days
    removed = purge_expired(keep_days)
    click.echo(f"Removed {removed} expired practice call{'s' if removed != 1 else ''}.")
    reports = purge_expired_reports(keep_days)
    click.echo(f"Removed {reports} expired rehearsal report{'s' if reports != 1 else ''}.")

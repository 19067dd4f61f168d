"""flask calls: the stored practice calls."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..runtime import runtime
from ..store import purge_expired

calls = AppGroup("calls", help="Stored practice calls.")


@calls.command("purge")
def purge_command() -> None:
    """Delete practice calls older than phone.keep_days."""
    removed = purge_expired(runtime().settings.phone.keep_days)
    click.echo(f"Removed {removed} expired practice call{'s' if removed != 1 else ''}.")

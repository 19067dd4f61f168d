"""flask db: build or upgrade the database schema (Alembic)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

db = AppGroup("db", help="Build or upgrade the database schema.")


@db.command("upgrade")
def upgrade_command() -> None:
    """Build the schema, or bring it to the newest revision; safe to run again (it then changes nothing)."""
    from ..store import database_url, shown_url
    from ..store.database import make_engine
    from ..store.schema import upgrade

    engine = make_engine(database_url(current_app))
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    where = shown_url(current_app)
    if before == after:
        click.echo(f"Database {where}: already at revision {after} (the newest).")
    else:
        click.echo(f"Database {where}: upgraded from {before or 'nothing'} to revision {after}.")


@db.command("current")
def current_command() -> None:
    """Print the revision the database is at; exit 1 when it is not the newest."""
    from ..store import database_url, shown_url
    from ..store.database import make_engine
    from ..store.schema import HEAD, current_revision

    engine = make_engine(database_url(current_app))
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"Database {shown_url(current_app)}: revision {revision or 'none'} (newest: {HEAD}).")
    if revision != HEAD:
        raise SystemExit(1)

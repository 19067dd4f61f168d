"""The schema's version: Alembic migrations in ivr/store/migrations, applied to an engine."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0003"  # the newest revision in migrations/versions (tests/test_store.py checks it)
_PG_LOCK = 7_265_013  # any constant: the advisory lock every server's `db upgrade` takes in turn


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database or one made before Alembic."""
    with engine.connect() as connection:
        return _revision(connection)


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision (read without loading Alembic)."""
    return current_revision(engine) == HEAD


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Build or upgrade the schema to the newest revision, one process at a time; (revision before, after)."""
    from alembic import (
        command,  # Alembic is only loaded when a schema may have to change
    )
    from alembic.config import Config

    with _one_at_a_time(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several servers may run `db upgrade` at once: the first migrates, the rest find it done.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        before = _revision(connection)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return before, _revision(connection)


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def _one_at_a_time(engine: Engine):
    # SQLite has no advisory lock: workers starting at once on one file take turns on a lock file.
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield

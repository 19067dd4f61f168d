"""The app's database engine: a SQLite file in the instance folder by default, PostgreSQL by DATABASE_URL."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from . import schema

DEFAULT_FILE = "practice-line.sqlite"
EXTENSION = "practice_line_engine"
# A webhook never waits on the database, but health checks, pages and the call-log writer do:
# a database that is down or stuck must fail them in seconds, not hang them.
CONNECT_TIMEOUT_SECONDS = 2
STATEMENT_TIMEOUT_MS = 5000
SQLITE_BUSY_SECONDS = 5
_lock = threading.Lock()


@dataclass
class _Held:
    engine: Engine
    pid: int  # a forked worker (gunicorn) must not reuse its parent's connections


def database_url(app: Flask) -> str:
    """DATABASE_URL from the config (postgresql:// means psycopg 3), else the SQLite file in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(app.instance_path) / DEFAULT_FILE}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def shown_url(app: Flask) -> str:
    """The database URL with any password hidden, for messages."""
    return make_url(database_url(app)).render_as_string(hide_password=True)


def get_engine(app: Flask | None = None) -> Engine:
    """The engine for `app` (default: the current app), made on first use in each process.

    A SQLite database is brought up to the newest schema then (a new user's first run just works);
    PostgreSQL, shared by several servers, is only ever changed by `flask db upgrade`.
    """
    app = app or current_app._get_current_object()
    held = app.extensions.get(EXTENSION)
    if held is not None and held.pid == os.getpid():
        return held.engine
    with _lock:
        held = app.extensions.get(EXTENSION)
        if held is not None and held.pid != os.getpid():
            held.engine.dispose(close=False)  # leave the parent's connections to the parent
            held = None
        if held is None:
            held = _Held(make_engine(database_url(app)), os.getpid())
            if held.engine.dialect.name == "sqlite" and not schema.is_current(held.engine):
                schema.upgrade(held.engine)
            app.extensions[EXTENSION] = held
    return held.engine


def make_engine(url: str) -> Engine:
    """A new engine for `url` with short timeouts (SQLite: WAL, foreign keys on)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_timeout=CONNECT_TIMEOUT_SECONDS, connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={STATEMENT_TIMEOUT_MS}",
        })
    return create_engine(url)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # WAL lets the call-log writer and readers (pages, `calls list`, other workers) work side by side.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe, and no sync on every commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

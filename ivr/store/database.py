"""The app's database engine: a SQLite file in the instance folder by default, PostgreSQL by DATABASE_URL."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from . import schema

DEFAULT_FILE = "practice-line.sqlite"
EXTENSION = "practice_line_engine"
# A webhook never waits on the database, but the health probe, pages and the call-log shipper do:
# a database that is down or stuck must fail them in seconds, not hang them.
CONNECT_TIMEOUT_SECONDS = 2
STATEMENT_TIMEOUT_MS = 5000
# The client's own limit on each wait for the server (a statement, a commit, the check on taking a
# connection from the pool): a frozen server enforces no statement_timeout, and libpq has no read
# timeout, so the connection's socket is shut down and the driver raises at once.
READ_TIMEOUT_SECONDS = STATEMENT_TIMEOUT_MS / 1000 + 1
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
    app = current_app if app is None else app  # (only its extensions and config are read)
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
        engine = create_engine(url, pool_timeout=CONNECT_TIMEOUT_SECONDS, connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={STATEMENT_TIMEOUT_MS}",
        })
        _with_read_timeout(engine)
        return engine
    return create_engine(url)


class ReadDeadlines:
    """Connections in use and when each must have heard from the server; one thread shuts down the socket
    of any that has not (psycopg then raises OperationalError, and SQLAlchemy drops the connection)."""

    def __init__(self) -> None:
        self._due: dict[int, tuple[float, object]] = {}  # id(DBAPI connection) -> (deadline, connection)
        self._changed = threading.Condition()
        self._pid = 0

    def arm(self, connection) -> None:
        """`connection` must hear from the server within READ_TIMEOUT_SECONDS from now."""
        with self._changed:
            self._due[id(connection)] = (time.monotonic() + READ_TIMEOUT_SECONDS, connection)
            if self._pid != os.getpid():  # first use in this process (a forked worker has no watcher)
                self._pid = os.getpid()
                threading.Thread(target=self._watch, name="database read timeout", daemon=True).start()
            self._changed.notify()

    def disarm(self, connection) -> None:
        """`connection` is back in the pool (or gone): no deadline."""
        with self._changed:
            self._due.pop(id(connection), None)

    def _watch(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                late = [connection for deadline, connection in self._due.values() if deadline <= now]
                for connection in late:
                    self._due.pop(id(connection), None)
                soonest = min((deadline for deadline, _ in self._due.values()), default=now + 60)
                if not late:
                    self._changed.wait(max(0.01, soonest - now))
            for connection in late:
                _cut(connection)


def _cut(connection) -> None:
    # psycopg's Connection.fileno() is the socket to the server; shutting it down (through a duplicate of
    # the descriptor) wakes the thread that waits on it, which finds the connection closed.
    try:
        if connection.closed:
            return
        with socket.socket(fileno=os.dup(connection.fileno())) as cut:
            cut.shutdown(socket.SHUT_RDWR)
    except Exception:  # noqa: BLE001, S110 - closed meanwhile: nothing left to cut
        pass


DEADLINES = ReadDeadlines()


def _with_read_timeout(engine: Engine) -> None:
    """Every wait of `engine`'s connections on the server is bounded by READ_TIMEOUT_SECONDS."""

    @event.listens_for(engine.pool, "checkout")
    def ping(dbapi_connection, _record, _proxy):
        # SQLAlchemy's pre-ping, with the deadline armed: a connection the server dropped (a restart)
        # is replaced before use; one the server does not answer fails within the timeout.
        DEADLINES.arm(dbapi_connection)
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:
            DEADLINES.disarm(dbapi_connection)
            raise exc.DisconnectionError(str(error)) from error
        DEADLINES.arm(dbapi_connection)  # the rest of its use, until the next statement re-arms it

    @event.listens_for(engine.pool, "checkin")
    def returned(dbapi_connection, _record):
        DEADLINES.disarm(dbapi_connection)

    @event.listens_for(engine, "before_cursor_execute")
    @event.listens_for(engine, "after_cursor_execute")
    def rearm(connection, _cursor, *_args):
        # Each statement, and the commit after the last, gets the whole timeout.
        DEADLINES.arm(connection.connection.dbapi_connection)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # WAL lets the call-log writer and readers (pages, `calls list`, other workers) work side by side.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe, and no sync on every commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

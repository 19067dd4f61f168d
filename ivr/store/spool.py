"""The call log's spool: a SQLite file in the instance folder (WAL) that holds every event a webhook
answered for until the shipper has it in the database. One file serves every worker of a server."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import NamedTuple

SPOOL_FILE = "call-log-spool.sqlite"
# Events held at most (about 60 MB): hours of a busy line's events with the database down. Beyond it
# an event is lost, logged and counted; the disk filling up does the same.
CAPACITY = 200_000
# Another worker may be writing (a few microseconds); a spool stuck longer than this loses the event.
BUSY_SECONDS = 0.5
# Opening the file may wait longer: the first connection makes it (schema, WAL switch) while the
# others wait, and on a loaded machine that write can take more than BUSY_SECONDS.
OPEN_SECONDS = 10.0

# One transaction: another connection that finds the spool table finds its uid row too.
_SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: with the spool's uid, an event's key for good
    at REAL NOT NULL,
    call TEXT NOT NULL,       -- call_hash() of the CallSid (a rehearsal's: the desk's call key)
    steps TEXT,               -- JSON [[node, reference or null], ...]
    outcome TEXT,
    duration INTEGER,
    sequence INTEGER,         -- Twilio's SequenceNumber
    stamp REAL,               -- Twilio's Timestamp (Unix time)
    rehearsal TEXT,           -- an open rehearsal's latest state
    finish TEXT               -- the desk's call key of a call that ended: its open rehearsal is finished
);
CREATE TABLE IF NOT EXISTS spool (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    uid TEXT NOT NULL,        -- random per spool file: event keys stay unique across servers and files
    lost INTEGER NOT NULL     -- events not spooled (spool full, disk full) since the file was made
);
INSERT OR IGNORE INTO spool VALUES (1, lower(hex(randomblob(8))), 0);
COMMIT;
"""
COLUMNS = "at, call, steps, outcome, duration, sequence, stamp, rehearsal, finish"
# One statement: the event goes in unless the spool already holds CAPACITY events (max and min of the
# key are index lookups, not a count).
_ADD = (f"INSERT INTO events ({COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? "
        "WHERE coalesce((SELECT max(id) FROM events) - (SELECT min(id) FROM events) + 1, 0) < ?")


class Spooled(NamedTuple):
    """One spooled event, as the shipper reads it."""

    id: int
    at: float
    call: str
    steps: str | None
    outcome: str | None
    duration: int | None
    sequence: int | None
    stamp: float | None
    rehearsal: str | None
    finish: str | None


class Depth(NamedTuple):
    """What the spool holds: events, the oldest one's time (None: empty), and events lost since it was made."""

    events: int
    oldest: float | None
    lost: int


class Spool:
    """The spool file at `path`: add() in a webhook (one INSERT, committed), read and emptied by the shipper."""

    def __init__(self, path: str | Path, capacity: int = CAPACITY):
        self.path = Path(path)
        self.capacity = capacity
        self._lock = threading.Lock()  # one connection per process for the webhooks, one thread at a time
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []  # a parent's connections: never used nor closed here
        self._uncounted = 0  # losses not yet added to the file's count (it could not be written)

    def after_fork(self) -> None:
        """In a forked child: a fresh lock (another thread of the parent may have held it at the fork)."""
        self._lock = threading.Lock()

    def connect(self, autocheckpoint: bool = False) -> sqlite3.Connection:
        """A new connection to the spool (made, in WAL mode, if it does not exist)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=OPEN_SECONDS, isolation_level=None, check_same_thread=False)
        deadline = time.monotonic() + OPEN_SECONDS
        while True:
            try:
                self._set_up(connection, autocheckpoint)
                break
            except sqlite3.OperationalError as error:
                # Two connections switching a new file to WAL at once: SQLite answers one of them "locked"
                # at once, without its busy timeout (waiting could deadlock), so it tries again here.
                if "locked" not in str(error) or time.monotonic() > deadline:
                    connection.close()
                    raise
                time.sleep(0.01)
        connection.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        return connection

    @staticmethod
    def _set_up(connection: sqlite3.Connection, autocheckpoint: bool) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL: a committed event survives the process being killed (it is in
        # the OS's hands); only a power cut can take the last moments. No fsync per webhook.
        connection.execute("PRAGMA synchronous=NORMAL")
        if not autocheckpoint:  # checkpoints (which fsync) are the shipper's, never a webhook's
            connection.execute("PRAGMA wal_autocheckpoint=0")
        if connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'spool'").fetchone()[0] == 0:
            try:
                connection.executescript(_SCHEMA)
            except sqlite3.Error:
                if connection.in_transaction:  # a script stopped halfway leaves its transaction open
                    connection.rollback()
                raise

    def close(self) -> None:
        """Close this process's connection for the webhooks (the next add() opens the file afresh)."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

    def _own(self) -> sqlite3.Connection:
        # Called under the lock. A forked worker opens its own connection (SQLite's rule: none crosses a fork).
        if self._connection is None or self._pid != os.getpid():
            if self._connection is not None:
                self._inherited.append(self._connection)
            self._connection = self.connect()
            self._pid = os.getpid()
        return self._connection

    def add(self, at: float, call: str, steps: str | None = None, outcome: str | None = None,
            duration: int | None = None, sequence: int | None = None, stamp: float | None = None,
            rehearsal: str | None = None, finish: str | None = None) -> str | None:
        """Spool one event, committed before this returns; None when kept, else why it was lost (counted)."""
        with self._lock:
            try:
                connection = self._own()
                added = connection.execute(_ADD, (at, call, steps, outcome, duration, sequence, stamp, rehearsal,
                                                  finish, self.capacity)).rowcount
                if self._uncounted:
                    self._count_lost(connection, 0)
            except (sqlite3.Error, OSError) as error:  # the disk is full, the file or its folder unwritable...
                self._uncounted += 1
                self._connection = None  # opened afresh next time
                return f"the call-log spool could not be written ({type(error).__name__}: {error})"
            if added:
                return None
            self._count_lost(connection, 1)
            return f"the call-log spool is full ({self.capacity} events: the database has been unreachable)"

    def _count_lost(self, connection: sqlite3.Connection, more: int) -> None:
        try:
            connection.execute("UPDATE spool SET lost = lost + ?", (self._uncounted + more,))
            self._uncounted = 0
        except sqlite3.Error:
            self._uncounted += more  # counted in the file once it can be written again

    def depth(self, connection: sqlite3.Connection | None = None) -> Depth:
        """Events held, the oldest one's time, and events lost; read from the file (every worker's).

        Without `connection`, on this process's own (a read takes microseconds beside the webhooks' writes).
        """
        if connection is None:
            with self._lock:
                return self._depth(self._own())
        return self._depth(connection)

    def _depth(self, connection: sqlite3.Connection) -> Depth:
        events, oldest = connection.execute("SELECT count(*), min(at) FROM events").fetchone()
        lost = connection.execute("SELECT lost FROM spool").fetchone()[0]
        return Depth(events, oldest, lost + self._uncounted)

    def last_id(self) -> int:
        """The newest event's id (0: none spooled yet); flush() waits until the shipper is past it."""
        with self._lock:
            row = self._own().execute("SELECT max(id) FROM events").fetchone()
        return row[0] or 0

    def holds(self, up_to: int, connection: sqlite3.Connection) -> bool:
        """True while an event with an id up to `up_to` is still spooled."""
        return connection.execute("SELECT 1 FROM events WHERE id <= ? LIMIT 1", (up_to,)).fetchone() is not None


def read(connection: sqlite3.Connection, limit: int) -> list[Spooled]:
    """The oldest `limit` events, oldest first."""
    rows = connection.execute(f"SELECT id, {COLUMNS} FROM events ORDER BY id LIMIT ?", (limit,)).fetchall()
    return [Spooled(*row) for row in rows]


def pending(path: str | Path, limit: int) -> tuple[list[Spooled], str, Depth]:
    """The oldest `limit` events a spool file holds, its uid and its depth (read in one transaction)."""
    spool = Spool(path)
    connection = spool.connect()
    try:
        connection.execute("BEGIN")
        found = read(connection, limit), uid(connection), spool.depth(connection)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return found


def uid(connection: sqlite3.Connection) -> str:
    """The spool file's own random id (a prefix of its events' keys)."""
    return connection.execute("SELECT uid FROM spool").fetchone()[0]


def remove(connection: sqlite3.Connection, up_to: int) -> None:
    """Drop the shipped events (every id up to `up_to`), then checkpoint."""
    connection.execute("DELETE FROM events WHERE id <= ?", (up_to,))
    checkpoint(connection)


def checkpoint(connection: sqlite3.Connection) -> None:
    """Copy the WAL back into the file without waiting for anyone (the next write then starts it afresh).

    The webhooks never checkpoint (it fsyncs), so the shipper does, also while the database is down:
    each event's commit adds a few pages to the WAL, which would otherwise grow by gigabytes in an outage.
    """
    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")


def age(oldest: float | None, now: float | None = None) -> float | None:
    """Seconds since `oldest` (None stays None), rounded to milliseconds."""
    return None if oldest is None else round(max(0.0, (time.time() if now is None else now) - oldest), 3)

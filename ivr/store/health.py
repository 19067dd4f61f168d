"""GET /healthz: 200 when the app and its database answer, 503 naming what failed; always at once.

The database is probed by a thread (every PROBE_SECONDS while /healthz is asked): the answer gives its
last result, so a database that is down or frozen never holds up a health check. The call log's
figures are read from the spool file, which every worker of the server shares.
"""

from __future__ import annotations

import os
import threading
import time

from flask import Flask, jsonify
from sqlalchemy import text

from . import call_recorder, schema
from .database import get_engine
from .recorder import describe_error
from .spool import age

PROBE_SECONDS = 1.0
IDLE_SECONDS = 60.0  # the probe stops when nobody has asked for this long
# A process's first /healthz waits this long for its first probe (gunicorn's workers start their probe
# as they start: store.start_shipping).
FIRST_WAIT_SECONDS = 0.05
STUCK_SECONDS = 1.0  # a check taking longer than this is reported as a database that does not answer
EXTENSION = "practice_line_health_probe"
_made = threading.Lock()


class Probe:
    """The database's last health check: (ok, what failed or the schema revision, when), refreshed by a thread."""

    def __init__(self, app: Flask):
        self._app = app
        self._changed = threading.Condition()
        self.result: tuple[bool, str, float] | None = None
        self._asked = 0.0
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._checking_since: float | None = None  # when the check under way began (monotonic)

    def latest(self, wait: float = 0.0) -> tuple[bool, str, float] | None:
        """The last result (starting the probe if it sleeps), giving a first check up to `wait` s from its
        start to come back; None when there is none yet."""
        with self._changed:
            self._asked = time.monotonic()
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="database health probe", daemon=True)
                self._thread.start()
            if self.result is None and wait:
                # Counted from the check's start, not from each request: with a database that hangs from
                # the start, only the first answers wait, not every one.
                since = self._checking_since
                waited = 0.0 if since is None else time.monotonic() - since
                if waited < wait:
                    self._changed.wait(wait - waited)
            since = self._checking_since
            if since is not None and time.monotonic() - since > STUCK_SECONDS:
                # A frozen database: the check under way has not come back (it will, at its timeout).
                return False, f"the database has not answered for {time.monotonic() - since:.1f} s", time.time()
            return self.result

    def stop(self) -> None:
        """Stop the probe thread (it finishes its check, bounded by the database timeouts)."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._checking_since = time.monotonic()
            found = check(self._app)
            with self._changed:
                self._checking_since = None
                self.result = (*found, time.time())
                self._changed.notify_all()
                if self._stopping or time.monotonic() - self._asked > IDLE_SECONDS:
                    self._thread = None
                    return
                self._changed.wait(PROBE_SECONDS)


def check(app: Flask) -> tuple[bool, str]:
    """(True, schema revision) when the database answers at the newest schema, else (False, what failed)."""
    try:
        engine = get_engine(app)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = schema.current_revision(engine)
    except Exception as error:  # noqa: BLE001 - whatever the driver raises, the answer is "failing" and why
        return False, describe_error(error)
    if revision != schema.HEAD:
        return False, (f"the schema is at {revision or 'nothing'} and the app needs {schema.HEAD}: "
                       "run flask --app app db upgrade")
    return True, revision


def probe(app: Flask) -> Probe:
    """The app's probe in this process (made on first use; a forked worker makes its own)."""
    found = app.extensions.get(EXTENSION)
    if found is None or found[0] != os.getpid():
        with _made:
            found = app.extensions.get(EXTENSION)
            if found is None or found[0] != os.getpid():
                found = app.extensions[EXTENSION] = (os.getpid(), Probe(app))
    return found[1]


def stop_probe(app: Flask) -> None:
    """Stop the app's probe thread, if it runs."""
    found = app.extensions.get(EXTENSION)
    if found is not None:
        found[1].stop()


def healthz(app: Flask):
    """`app`'s health: {"status": "ok", "database": "ok", "schema": ..., "call_log": {...}} with 200, or
    {"status": "failing", "database": "<what failed>", ...} with 503."""
    recorder = call_recorder(app)
    recorder.start()  # a server asked for its health ships what the spool holds, even before any call
    depth = recorder.spool.depth()
    calls = {"pending": depth.events, "oldest_pending_seconds": age(depth.oldest), "lost": depth.lost}
    process = os.getpid()  # which worker answered: the figures are the same from every one
    result = probe(app).latest(FIRST_WAIT_SECONDS)
    if result is None:
        return jsonify(status="failing", database="not checked yet", call_log=calls, process=process), 503
    ok, found, checked = result
    checked_seconds_ago = round(max(0.0, time.time() - checked), 3)
    if not ok:
        return jsonify(status="failing", database=found, checked_seconds_ago=checked_seconds_ago, call_log=calls,
                       process=process), 503
    return jsonify(status="ok", database="ok", schema=found, checked_seconds_ago=checked_seconds_ago, call_log=calls,
                   process=process)

"""The database: browser call summaries, the call log and rehearsal reports, through SQLAlchemy
(SQLite in the instance folder by default, PostgreSQL by DATABASE_URL; Alembic migrations).

SQLAlchemy is imported on first use, not with the app, so start-up stays quick.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask, current_app

from .recorder import CallRecorder
from .spool import CAPACITY, SPOOL_FILE, Spool

RECORDER = "practice_line_calls"
# Public name -> the module that defines it (loaded, with SQLAlchemy, when first asked for).
_LAZY = {
    "save_call": "summaries", "load_call": "summaries", "purge_expired": "summaries",
    "save_report": "report_store", "load_report": "report_store", "purge_expired_reports": "report_store",
    "keep_open_rehearsal": "report_store",
    "list_calls": "call_log", "purge_call_log": "call_log",
    "get_engine": "database", "database_url": "database", "shown_url": "database",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # found once: a webhook that stores something asks every time
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def init_app(app: Flask) -> None:
    """Give the app its call-log recorder (its spool in the instance folder, or the file CALL_LOG_SPOOL
    names in the config or the environment) and its /healthz endpoint."""
    written = None

    def write(events):
        nonlocal written
        if written is None:
            from .call_log import writer  # SQLAlchemy loads with the first event, not with the app
            written = writer(app)
        written(events)

    spool = Spool(app.config.get("CALL_LOG_SPOOL") or os.environ.get("CALL_LOG_SPOOL")
                  or Path(app.instance_path) / SPOOL_FILE,
                  int(app.config.get("CALL_LOG_SPOOL_EVENTS") or CAPACITY))
    app.extensions[RECORDER] = CallRecorder(spool, write)

    def healthz():
        """GET /healthz (see health.py): given this app, whose probe thread keeps it."""
        from .health import healthz
        return healthz(app)

    app.add_url_rule("/healthz", "healthz", healthz)


def start_shipping(app: Flask) -> None:
    """Start this process's call-log shipper now (gunicorn: in each new worker), so that what a stopped
    worker left in the spool is shipped even before the next call; and its database health probe, so that
    its first /healthz has a result to give."""
    from .health import probe

    app.extensions[RECORDER].start()
    probe(app).latest()


def shutdown(app: Flask, timeout: float = 10.0) -> None:
    """Ship what the call-log spool holds (up to `timeout`; the rest stays spooled), stop the shipper and
    the health probe, then close the app's database connections."""
    app.extensions[RECORDER].stop(timeout)
    from .health import stop_probe

    stop_probe(app)
    held = app.extensions.pop("practice_line_engine", None)
    if held is not None:
        held.engine.dispose()


def call_recorder(app: Flask | None = None) -> CallRecorder:
    """The app's call-log recorder (default: the current app's)."""
    return (current_app if app is None else app).extensions[RECORDER]


__all__ = ["CallRecorder", "call_recorder", "init_app", "shutdown", "start_shipping", *_LAZY]

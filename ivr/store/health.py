"""GET /healthz: 200 when the app and its database answer, 503 naming what failed."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import text

from . import call_recorder, schema
from .database import get_engine
from .recorder import describe_error


def healthz():
    """{"status": "ok", ...} with 200, or {"status": "failing", "database": "<what failed>"} with 503."""
    recorder = call_recorder()
    calls = {"pending": recorder.pending, "lost": recorder.lost}
    try:
        engine = get_engine()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = schema.current_revision(engine)
    except Exception as error:  # noqa: BLE001 - whatever the driver raises, the answer is "failing" and why
        return jsonify(status="failing", database=describe_error(error), call_log=calls), 503
    if revision != schema.HEAD:
        problem = (f"the schema is at {revision or 'nothing'} and the app needs {schema.HEAD}: "
                   "run flask --app app db upgrade")
        return jsonify(status="failing", database=problem, call_log=calls), 503
    return jsonify(status="ok", database="ok", schema=revision, call_log=calls)

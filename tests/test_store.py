"""The store on SQLite and on a real PostgreSQL server: the schema (Alembic, `db upgrade`, today's
SQLite file), call summaries, rehearsal reports, the call log, `calls list`/`purge` and /healthz."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import statistics
import threading
import time
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import empty
from sqlalchemy import inspect, select
from test_phone import PURGED_NOTHING

from ivr import store
from ivr.line.navigator import reference_number
from ivr.store.call_log import write_events
from ivr.store.models import call_log, call_steps, metadata, open_rehearsals
from ivr.store.recorder import CallEvent, CallRecorder
from ivr.store.schema import HEAD, MIGRATIONS

DAY = 86400
CALL_ROW = (call_log.c.id, call_log.c.started_at, call_log.c.outcome, call_log.c.duration)
TABLES = {"alembic_version", "call_log", "call_steps", "open_rehearsals", "practice_calls", "rehearsal_reports"}
# Today's schema, exactly as the SQLite store before Alembic made it.
TODAYS_SQL = """
CREATE TABLE IF NOT EXISTS practice_calls (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS practice_calls_created ON practice_calls (created_at);
"""
LOST_CARD_KEYS = ["1", "1234", "1", "2"]
LOST_CARD_PATH = ["welcome", "main", "lost-card", "lost-card-identity", "lost-card-security",
                  "lost-card-security-right", "lost-card-cancel", "end-lost-card"]


def hashed(call_sid: str) -> str:
    """The call log's id for a CallSid, spelled out here rather than taken from the code."""
    return hashlib.sha256(f"practice-line call {call_sid}".encode()).hexdigest()[:32]


def invoke(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def everything_stored(app) -> str:
    """Every row of every table, as text."""
    with store.get_engine(app).connect() as connection:
        return json.dumps([[list(map(str, row)) for row in connection.execute(select(table))]
                           for table in metadata.sorted_tables])


# --- the schema ------------------------------------------------------------------------------------

def test_head_is_the_newest_migration():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD == "0003"


def test_db_upgrade_builds_the_schema_and_is_safe_to_run_twice(make_app, database_url):
    app = make_app(DATABASE_URL=database_url)
    where = "sqlite:///" + app.instance_path + "/practice-line.sqlite" if database_url is None else \
        database_url.replace("postgresql://", "postgresql+psycopg://")
    assert invoke(app, "db", "upgrade") == f"Database {where}: upgraded from nothing to revision 0003.\n"
    assert invoke(app, "db", "upgrade") == f"Database {where}: already at revision 0003 (the newest).\n"
    assert invoke(app, "db", "current") == f"Database {where}: revision 0003 (newest: 0003).\n"
    with store.get_engine(app).connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_db_current_fails_on_a_postgresql_database_never_upgraded(make_app, postgres_server):
    """(A SQLite database is brought up to date by the app itself on first use.)"""
    empty(postgres_server.url)
    app = make_app(DATABASE_URL=postgres_server.url)
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 1
    assert "revision none (newest: 0003)" in result.output


def test_todays_sqlite_file_is_upgraded_with_its_summaries_kept(make_app, tmp_path):
    created = time.time() - DAY
    summary = {"path": [{"node": "main", "label": "main menu"}], "references": [], "transcript": [],
               "duration_seconds": 12, "ended_by": "caller"}
    with sqlite3.connect(tmp_path / "practice-line.sqlite") as db:
        db.executescript(TODAYS_SQL)
        db.execute("INSERT INTO practice_calls VALUES (?, ?, ?)", ("kept-from-before", created, json.dumps(summary)))
    app = make_app()
    where = f"sqlite:///{tmp_path}/practice-line.sqlite"
    assert invoke(app, "db", "upgrade") == f"Database {where}: upgraded from nothing to revision 0003.\n"
    assert invoke(app, "db", "upgrade") == f"Database {where}: already at revision 0003 (the newest).\n"
    with app.app_context():
        assert store.load_call("kept-from-before", 30) == (summary, created)
        assert store.list_calls(30)[0]["id"] == "kept-from-before"
    with store.get_engine(app).connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES


def test_the_app_brings_an_old_sqlite_file_up_to_date_by_itself(make_app, tmp_path):
    with sqlite3.connect(tmp_path / "practice-line.sqlite") as db:
        db.executescript(TODAYS_SQL)
        db.execute("INSERT INTO practice_calls VALUES ('old', ?, '{\"duration_seconds\": 5}')", (time.time(),))
    app = make_app()
    status, body = health(app.test_client())
    assert status == 200 and body["schema"] == "0003"
    with app.app_context():
        assert store.load_call("old", 30)[0] == {"duration_seconds": 5}


# --- call summaries and rehearsal reports ------------------------------------------------------------

def test_summaries_are_saved_loaded_and_expire(store_app):
    with store_app.app_context():
        call_id, created = store.save_call({"path": [], "duration_seconds": 3}, 30, now=1_000_000.0)
        assert created == 1_000_000.0 and len(call_id) == 24
        assert store.load_call(call_id, 30, now=1_000_000.0 + 29 * DAY) == ({"path": [], "duration_seconds": 3},
                                                                            1_000_000.0)
        assert store.load_call(call_id, 30, now=1_000_000.0 + 30 * DAY) is None
        assert store.load_call("no-such-call", 30, now=1_000_000.0) is None
        assert store.purge_expired(30, now=1_000_000.0 + 29 * DAY) == 0
        assert store.purge_expired(30, now=1_000_000.0 + 31 * DAY) == 1


def test_reports_are_saved_loaded_purged_and_never_keep_a_run_of_digits(store_app):
    report = {"scenario": "refund", "score": 7, "turns": [{"who": "caller", "text": "my card is 4111 1111 1111 1111"},
                                                          {"who": "rep", "text": "case 2024-55-1234 opened"}]}
    with store_app.app_context():
        first, _created = store.save_report(report, 14, now=2_000_000.0)
        second, _ = store.save_report({"scenario": "late fee"}, 14, now=2_000_000.0)
        assert first != second and len(first) == 24
        loaded, when = store.load_report(first, 14, now=2_000_000.0 + DAY)
        assert when == 2_000_000.0
        assert loaded == {"scenario": "refund", "score": 7, "turns": [{"who": "caller", "text": "my card is ••••"},
                                                                       {"who": "rep", "text": "case •••• opened"}]}
        assert "4111" not in everything_stored(store_app)
        assert store.load_report(first, 14, now=2_000_000.0 + 14 * DAY) is None
        assert store.purge_expired_reports(14, now=2_000_000.0 + 15 * DAY) == 2


def test_an_open_rehearsal_is_kept_off_the_request_path_and_finished_once_its_call_ends(store_app):
    """The latest state is kept (an earlier one shipped later never replaces it); the call's end takes it
    into a report, once, and a state not ours makes none."""
    from ivr.store.models import rehearsal_reports

    def report_of(state):
        if state == "broken":
            raise ValueError("a state the coach cannot score")
        return {"from": state} if state != "forged" else None

    store_app.extensions["practice_line_report_of"] = report_of
    recorder = store.call_recorder(store_app)
    with store_app.test_request_context():
        store.keep_open_rehearsal("key-1", "state-b", 30, now=1001.0)
        store.keep_open_rehearsal("key-1", "state-a", 30, now=1000.0)  # older, spooled later: not kept
        store.keep_open_rehearsal("key-2", "forged", 30, now=1000.0)
        store.keep_open_rehearsal("key-3", "state-c", 30, now=1000.0)
        store.keep_open_rehearsal("key-4", "broken", 30, now=1000.0)
    assert recorder.flush(10)
    with store_app.test_request_context():  # shipped in a batch of its own: the database's guard keeps state-b
        store.keep_open_rehearsal("key-1", "state-0", 30, now=999.0)
    assert recorder.flush(10)
    sid = "CA" + "4" * 32
    # A repeated callback finds nothing left to finish; one that cannot be scored holds up nothing.
    for key in ("key-4", "key-1", "key-1", "key-2"):
        recorder.status(sid, "completed", 30, finish=key)
    assert recorder.flush(10)
    with store.get_engine(store_app).connect() as connection:
        assert [json.loads(r) for r in connection.execute(select(rehearsal_reports.c.report)).scalars()] == [
            {"from": "state-b"}]
        assert connection.execute(select(open_rehearsals.c.call_key, open_rehearsals.c.state)).all() == [
            ("key-3", "state-c")]


# --- the call log ---------------------------------------------------------------------------------------

def test_a_twilio_call_is_logged_with_path_references_outcome_and_duration(store_app, caller):
    caller.walk(LOST_CARD_KEYS)
    caller.post("/voice/status", CallStatus="completed", CallDuration="71")
    [call] = json.loads(invoke(store_app, "calls", "list", "--json"))
    assert call["id"] == hashed(caller.call_sid)
    assert call["source"] == "twilio"
    assert call["duration"] == 71 and call["outcome"] == "completed"
    assert call["path"] == LOST_CARD_PATH
    assert call["references"] == [{"node": "end-lost-card", "label": "lost or stolen card reported",
                                   "number": reference_number(caller.call_sid, "end-lost-card")}]
    assert abs(time.mktime(time.strptime(call["started"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone - time.time()) < 60
    stored = everything_stored(store_app)
    for secret in (caller.call_sid, "+15550100", "+15550199", "1234"):
        assert secret not in stored


@pytest.fixture
def caller(store_app):
    """A Twilio-shaped caller on the store app (the conftest caller uses the default app)."""
    from conftest import Caller

    return Caller(store_app.test_client())


def test_a_status_callback_is_logged_with_its_outcome_and_duration_among_twilios_fields(store_app, caller):
    caller.walk(LOST_CARD_KEYS)
    reply = caller.post("/voice/status", CallStatus="completed", CallDuration="71", CallerCity="DENVER",
                        CallerZip="80202", StirVerstat="TN-Validation-Passed-A")
    assert reply.status == 200 and reply.verbs == []
    [call] = json.loads(invoke(store_app, "calls", "list", "--json"))
    assert (call["id"], call["outcome"], call["duration"]) == (hashed(caller.call_sid), "completed", 71)


def test_a_reply_that_reads_a_reference_works_it_out_once_for_the_log_and_the_caller(store_app, caller, monkeypatch):
    import ivr.line.navigator as engine

    hashed_for_references, sha256 = [], hashlib.sha256
    monkeypatch.setattr(engine.hashlib, "sha256", lambda data: hashed_for_references.append(data) or sha256(data))
    reference_number.cache_clear()
    reply = caller.walk(LOST_CARD_KEYS)  # the ending reads the call's reference
    monkeypatch.undo()
    number = reference_number(caller.call_sid, "end-lost-card")
    words = "Zero One Two Three Four Five Six Seven Eight Nine".split()
    assert f"Your reference number is {'. '.join(words[int(d)] for d in number)}." in reply.text  # digit by digit
    # Worked out once for this call, though both the call log and the reply read it.
    assert hashed_for_references.count(f"{caller.call_sid}:end-lost-card".encode()) == 1
    [call] = json.loads(invoke(store_app, "calls", "list", "--json"))
    assert call["references"][0]["number"] == number


def test_calls_list_shows_browser_calls_beside_twilio_calls(store_app, caller):
    from test_phone import report

    body = report()
    saved = store_app.test_client().post("/phone/calls", json=body).get_json()
    caller.walk(LOST_CARD_KEYS)
    calls = json.loads(invoke(store_app, "calls", "list", "--json"))
    assert [(c["source"], c["id"]) for c in sorted(calls, key=lambda c: c["source"])] == [
        ("browser", saved["id"]), ("twilio", hashed(caller.call_sid))]
    browser = next(c for c in calls if c["source"] == "browser")
    assert browser["duration"] == 71 and browser["outcome"] == "line"
    assert browser["path"] == LOST_CARD_PATH[:7] + ["end-lost-card"]
    assert browser["references"] == [{"node": "end-lost-card", "label": "lost or stolen card reported",
                                      "number": reference_number(body["call_sid"], "end-lost-card")}]
    for entry in calls:
        assert {"id", "source", "started", "duration", "path", "references"} <= set(entry)

    table = invoke(store_app, "calls", "list").splitlines()
    assert table[0].split() == ["source", "started", "(UTC)", "duration", "outcome", "id", "path", "[references]"]
    assert table[-1] == "2 calls."
    twilio = next(row for row in table if row.startswith("twilio"))
    assert f"{hashed(caller.call_sid)[:12]}…" in twilio
    assert twilio.endswith(" > ".join(LOST_CARD_PATH) + f" [{reference_number(caller.call_sid, 'end-lost-card')}]")


def test_browser_phone_and_terminal_requests_are_not_logged_as_twilio_calls(store_app, caller):
    client = store_app.test_client()
    for practice_phone in ("client:practice-phone", "client:practice-terminal"):
        reply = client.post("/voice/incoming", data={"CallSid": "CA" + uuid.uuid4().hex, "From": practice_phone})
        assert reply.status_code == 200
    assert invoke(store_app, "calls", "list") == "No calls kept.\n"
    assert invoke(store_app, "practice", "--keys", "1 1234 1 2").count("pressed") == 4
    assert invoke(store_app, "calls", "list", "--json") == "[]\n"


def test_purge_covers_the_call_log(store_app, caller, monkeypatch):
    caller.walk(LOST_CARD_KEYS)
    assert invoke(store_app, "calls", "purge") == PURGED_NOTHING
    later = time.time() + 31 * DAY
    monkeypatch.setattr("ivr.store.kept.time.time", lambda: later)
    assert invoke(store_app, "calls", "purge") == (
        "Removed 0 expired practice calls.\nRemoved 1 expired call-log record.\nRemoved 0 expired rehearsal reports.\n")
    assert everything_stored(store_app) == json.dumps([[] for _ in metadata.sorted_tables])


def test_events_from_several_servers_in_any_order_make_one_record(store_app):
    """The status may be written before the steps, and a later step before an earlier one."""
    engine = store.get_engine(store_app)
    write_events(engine, [CallEvent("c1", 5000.0, outcome="completed", duration=40)])
    write_events(engine, [CallEvent("c1", 4980.0, steps=(("main", None),))])
    write_events(engine, [CallEvent("c1", 4970.0, steps=(("welcome", None),))])
    with engine.connect() as connection:
        assert connection.execute(select(*CALL_ROW)).all() == [("c1", 4960.0, "completed", 40)]
        assert connection.execute(select(call_steps.c.node).order_by(call_steps.c.at)).scalars().all() == \
            ["welcome", "main"]
    write_events(engine, [CallEvent("c2", 100.0, steps=(("welcome", None),)),
                          CallEvent("c2", 160.0, outcome="busy", duration=None)])
    with engine.connect() as connection:
        assert connection.execute(select(*CALL_ROW).where(call_log.c.id == "c2")).one() == ("c2", 100.0, "busy", None)


def test_one_batch_holding_many_events_of_several_calls_makes_the_same_records(store_app):
    """The writer merges each call's events in a batch; the records are those of writing them one by one."""
    engine = store.get_engine(store_app)
    write_events(engine, [CallEvent("c4", 5000.0, outcome="completed", duration=40),
                          CallEvent("c3", 200.0, steps=(("welcome", None), ("main", None))),
                          CallEvent("c4", 4980.0, steps=(("main", None),)),
                          CallEvent("k1", 10.0, rehearsal="first"),
                          CallEvent("c3", 230.0, steps=(("end-lost-card", "7201"),)),
                          CallEvent("c4", 4990.0, steps=(("dispute", None),)),
                          CallEvent("k1", 20.0, rehearsal="second"),
                          CallEvent("c3", 260.0, outcome="completed", duration=61),
                          CallEvent("c3", 261.0, outcome="in-progress", duration=None)])  # late: ignored
    write_events(engine, [CallEvent("c4", 4970.0, steps=(("welcome", None),)),
                          CallEvent("c4", 5001.0, outcome="no-answer", duration=None)])  # a second end: ignored
    # Two known calls in one batch: each keeps its own earliest start.
    write_events(engine, [CallEvent("c5", 90.0, outcome="busy", duration=None),
                          CallEvent("c4", 4965.0, steps=(("hold", None),)),
                          CallEvent("c3", 150.0, steps=(("main", None),))])
    with engine.connect() as connection:
        assert connection.execute(select(*CALL_ROW).order_by(call_log.c.id)).all() == [
            ("c3", 150.0, "completed", 61), ("c4", 4960.0, "completed", 40), ("c5", 90.0, "busy", None)]
        assert connection.execute(select(call_steps.c.call_id, call_steps.c.node, call_steps.c.reference)
                                  .order_by(call_steps.c.call_id, call_steps.c.at, call_steps.c.id)).all() == [
            ("c3", "main", None), ("c3", "welcome", None), ("c3", "main", None), ("c3", "end-lost-card", "7201"),
            ("c4", "hold", None), ("c4", "welcome", None), ("c4", "main", None), ("c4", "dispute", None)]
        assert connection.execute(select(open_rehearsals.c.call_key, open_rehearsals.c.updated_at,
                                         open_rehearsals.c.state)).all() == [("k1", 20.0, "second")]


def test_a_batch_of_hundreds_of_calls_writes_every_row(store_app):
    """Rows go many to a statement (512, 256, ...): 700 calls and 1,400 steps, none lost or doubled."""
    engine = store.get_engine(store_app)
    write_events(engine, [CallEvent(f"c{number:03}", 1000.0 + number, steps=(("welcome", None), ("main", None)))
                          for number in range(700)])
    write_events(engine, [CallEvent(f"c{number:03}", 2000.0, outcome="completed", duration=number)
                          for number in range(0, 700, 2)])
    with engine.connect() as connection:
        rows = connection.execute(select(*CALL_ROW).order_by(call_log.c.id)).all()
        assert len(rows) == 700
        assert rows[0] == ("c000", 1000.0, "completed", 0)
        assert rows[1] == ("c001", 1001.0, None, None)
        assert rows[698] == ("c698", 1698.0, "completed", 698)
        assert rows[699] == ("c699", 1699.0, None, None)
        assert connection.execute(select(call_steps.c.call_id, call_steps.c.node)
                                  .where(call_steps.c.call_id == "c513").order_by(call_steps.c.id)).all() == [
            ("c513", "welcome"), ("c513", "main")]
        assert len(connection.execute(select(call_steps.c.id)).all()) == 1400


# --- a database that is slow or down -------------------------------------------------------------------

@pytest.fixture
def blackhole():
    """A TCP port that accepts connections and never answers: a database that hangs."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"postgresql://postgres@127.0.0.1:{server.getsockname()[1]}/practice_line"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def refused_url() -> str:
    from pgcluster import free_port

    return f"postgresql://postgres@127.0.0.1:{free_port()}/practice_line"


def status_of(engine, call: str) -> tuple:
    with engine.connect() as connection:
        return tuple(connection.execute(select(call_log.c.outcome, call_log.c.duration)
                                        .where(call_log.c.id == call)).one())


def test_the_latest_status_stands_whatever_order_the_callbacks_are_shipped_in(store_app):
    """By the order of call states without a SequenceNumber: every order of three callbacks, one by one
    and in one batch, ends `completed` with its duration."""
    from itertools import permutations

    engine = store.get_engine(store_app)
    for number, order in enumerate(permutations(["ringing", "in-progress", "completed"])):
        events = [CallEvent(f"p{number}", 100.0 + i, outcome=state, duration=42 if state == "completed" else None)
                  for i, state in enumerate(order)]
        for event in events:
            write_events(engine, [event])
        write_events(engine, events[::-1] if number % 2 else events)  # shipped again, all at once
        assert status_of(engine, f"p{number}") == ("completed", 42)
        write_events(engine, [CallEvent(f"b{number}", 100.0, outcome=state, duration=42 if state == "completed" else None)
                              for state in order])
        assert status_of(engine, f"b{number}") == ("completed", 42)


def test_a_sequence_number_then_timestamp_decide_and_a_repeat_never_overwrites(store_app):
    engine = store.get_engine(store_app)
    # Progress events: sequence 0..3, shipped backwards, the final one repeated with another duration.
    for sequence, state, duration in [(3, "completed", 13), (2, "in-progress", None), (0, "initiated", None),
                                      (1, "ringing", None), (3, "completed", 99)]:
        write_events(engine, [CallEvent("s1", 200.0, outcome=state, duration=duration, sequence=sequence,
                                        stamp=1_800_000_000.0 + sequence)])
    assert status_of(engine, "s1") == ("completed", 13)
    # The same sequence number with later Timestamps: the latest one stands, however they arrive.
    for stamp, duration in [(1_800_000_012.0, 12), (1_800_000_013.0, 13), (1_800_000_011.0, 11)]:
        write_events(engine, [CallEvent("s2", 200.0, outcome="completed", duration=duration, sequence=4, stamp=stamp)])
    assert status_of(engine, "s2") == ("completed", 13)
    # No sequence, no timestamp: the first of equal callbacks shipped stays.
    for duration in (11, 12, 13):
        write_events(engine, [CallEvent("s3", 200.0, outcome="completed", duration=duration)])
    assert status_of(engine, "s3") == ("completed", 11)
    # A callback without a known state makes the call's row but no status.
    write_events(engine, [CallEvent("s4", 200.0, outcome=None, duration=5)])
    assert status_of(engine, "s4") == (None, None)


def test_a_batch_shipped_twice_is_stored_once(store_app):
    """The shipper may stop between the database's commit and the spool's: the batch is shipped again."""
    engine = store.get_engine(store_app)
    batch = [CallEvent("d1", 100.0, steps=(("welcome", None), ("main", None)), key="u1-1"),
             CallEvent("d1", 101.0, steps=(("lost-card", None),), key="u1-2"),
             CallEvent("d1", 160.0, outcome="completed", duration=60, key="u1-3")]
    write_events(engine, batch)
    write_events(engine, batch)
    write_events(engine, batch[1:])
    with engine.connect() as connection:
        assert connection.execute(select(*CALL_ROW)).all() == [("d1", 100.0, "completed", 60)]
        assert connection.execute(select(call_steps.c.node, call_steps.c.event).order_by(call_steps.c.id)).all() == [
            ("welcome", "u1-1.0"), ("main", "u1-1.1"), ("lost-card", "u1-2.0")]


def test_a_known_call_whose_row_was_purged_meanwhile_gets_its_row_again(store_app):
    """The writer skips a row a batch would not change; a row gone (another server's purge) is written again."""
    from ivr.store.call_log import KnownCalls

    engine, known = store.get_engine(store_app), KnownCalls()
    write_events(engine, [CallEvent("c1", 100.0, steps=(("welcome", None),))], known)
    write_events(engine, [CallEvent("c1", 90.0, steps=(("main", None),))], known)  # earlier: the start moves
    write_events(engine, [CallEvent("c1", 120.0, steps=(("dispute", None),)),
                          CallEvent("c1", 150.0, outcome="completed", duration=61)], known)
    with engine.connect() as connection:
        assert connection.execute(select(*CALL_ROW)).all() == [("c1", 90.0, "completed", 61)]
    with engine.begin() as connection:
        connection.execute(call_steps.delete())
        connection.execute(call_log.delete())
    write_events(engine, [CallEvent("c1", 200.0, steps=(("hold", None),))], known)
    with engine.connect() as connection:
        assert connection.execute(select(*CALL_ROW)).all() == [("c1", 200.0, None, None)]
        assert connection.execute(select(call_steps.c.node)).scalars().all() == ["hold"]


# --- /healthz ------------------------------------------------------------------------------------------

def health(client, settled: bool = True) -> tuple[int, dict]:
    """GET /healthz; `settled`: again until the process's first probe has answered (a few at most)."""
    for _ in range(50):
        reply = client.get("/healthz")
        body = reply.get_json()
        if not settled or body["database"] != "not checked yet":
            return reply.status_code, body
        time.sleep(0.05)
    raise AssertionError("the health probe never answered")


def test_healthz_is_ok_when_the_database_answers(store_app):
    status, body = health(store_app.test_client())
    assert status == 200
    assert body.pop("checked_seconds_ago") >= 0 and body.pop("process") == os.getpid()
    assert body == {"status": "ok", "database": "ok", "schema": "0003",
                    "call_log": {"pending": 0, "oldest_pending_seconds": None, "lost": 0}}


def test_healthz_is_503_naming_the_error_when_the_database_is_down(make_app):
    status, body = health(make_app(DATABASE_URL=refused_url()).test_client())
    assert status == 503
    assert body["status"] == "failing"
    assert body["database"].startswith("OperationalError: (psycopg.OperationalError) connection failed")


def test_healthz_is_503_when_the_schema_was_never_built(make_app, postgres_server):
    empty(postgres_server.url)
    status, body = health(make_app(DATABASE_URL=postgres_server.url).test_client())
    assert status == 503
    assert body["database"] == "the schema is at nothing and the app needs 0003: run flask --app app db upgrade"


def test_healthz_answers_at_once_from_the_spool_when_the_database_hangs(make_app, blackhole, monkeypatch):
    """A database that accepts and never answers: /healthz says so within 100 ms, with the spool's figures."""
    monkeypatch.setattr("ivr.store.health.STUCK_SECONDS", 0.3)
    # The probe's first check hangs for the whole test (not just 2 s), however slowly the machine runs it.
    monkeypatch.setattr("ivr.store.database.CONNECT_TIMEOUT_SECONDS", 20)
    app = make_app(DATABASE_URL=blackhole, flush_seconds=0)
    client = app.test_client()
    from conftest import Caller

    Caller(client).walk(["1"])  # two webhooks: two events spooled, none shipped (the database hangs)
    answers = []
    deadline = time.monotonic() + 15
    # Asked until the probe's check has hung longer than STUCK_SECONDS (at least 8 times, 0.1 s apart).
    while len(answers) < 8 or (not answers[-1][2]["database"].startswith("the database has not answered for ")
                               and time.monotonic() < deadline):
        started = time.perf_counter()
        reply = client.get("/healthz")
        answers.append((time.perf_counter() - started, reply.status_code, reply.get_json()))
        time.sleep(0.1)
    # Within 100 ms (the median: a shared machine may stall any one request), and never near the
    # database's connect timeout.
    assert statistics.median(seconds for seconds, _, _ in answers) < 0.1
    assert max(seconds for seconds, _, _ in answers) < 0.5
    assert {status for _, status, _ in answers} == {503}
    assert answers[0][2]["database"] == "not checked yet"
    # Until the check has hung long enough, not checked yet; then how long it has hung (never another answer).
    assert all(answer["database"] == "not checked yet" or answer["database"].startswith("the database has not")
               for _, _, answer in answers)
    assert re.fullmatch(r"the database has not answered for \d+\.\d s", answers[-1][2]["database"])
    assert answers[-1][2]["call_log"]["pending"] == 2 and answers[-1][2]["call_log"]["lost"] == 0
    assert answers[-1][2]["call_log"]["oldest_pending_seconds"] >= 0.7

"""The store on SQLite and on a real PostgreSQL server: the schema (Alembic, `db upgrade`, today's
SQLite file), call summaries, rehearsal reports, the call log, `calls list`/`purge` and /healthz."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
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
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD == "0002"


def test_db_upgrade_builds_the_schema_and_is_safe_to_run_twice(make_app, database_url):
    app = make_app(DATABASE_URL=database_url)
    where = "sqlite:///" + app.instance_path + "/practice-line.sqlite" if database_url is None else \
        database_url.replace("postgresql://", "postgresql+psycopg://")
    assert invoke(app, "db", "upgrade") == f"Database {where}: upgraded from nothing to revision 0002.\n"
    assert invoke(app, "db", "upgrade") == f"Database {where}: already at revision 0002 (the newest).\n"
    assert invoke(app, "db", "current") == f"Database {where}: revision 0002 (newest: 0002).\n"
    with store.get_engine(app).connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_db_current_fails_on_a_postgresql_database_never_upgraded(make_app, postgres_server):
    """(A SQLite database is brought up to date by the app itself on first use.)"""
    empty(postgres_server.url)
    app = make_app(DATABASE_URL=postgres_server.url)
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 1
    assert "revision none (newest: 0002)" in result.output


def test_todays_sqlite_file_is_upgraded_with_its_summaries_kept(make_app, tmp_path):
    created = time.time() - DAY
    summary = {"path": [{"node": "main", "label": "main menu"}], "references": [], "transcript": [],
               "duration_seconds": 12, "ended_by": "caller"}
    with sqlite3.connect(tmp_path / "practice-line.sqlite") as db:
        db.executescript(TODAYS_SQL)
        db.execute("INSERT INTO practice_calls VALUES (?, ?, ?)", ("kept-from-before", created, json.dumps(summary)))
    app = make_app()
    where = f"sqlite:///{tmp_path}/practice-line.sqlite"
    assert invoke(app, "db", "upgrade") == f"Database {where}: upgraded from nothing to revision 0002.\n"
    assert invoke(app, "db", "upgrade") == f"Database {where}: already at revision 0002 (the newest).\n"
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
    reply = app.test_client().get("/healthz")
    assert reply.status_code == 200 and reply.get_json()["schema"] == "0002"
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


def test_an_open_rehearsal_is_kept_off_the_request_path_and_taken_once(store_app):
    with store_app.test_request_context():
        store.keep_open_rehearsal("key-1", "state-a", 30, now=1000.0)
        store.keep_open_rehearsal("key-1", "state-b", 30, now=1001.0)  # the latest replaces the one before
        store.keep_open_rehearsal("key-2", "state-c", 30, now=1000.0)
        assert store.take_open_rehearsal("key-1") == "state-b"
        assert store.take_open_rehearsal("key-1") is None
        store.purge_expired_reports(30, now=1000.0 + 31 * DAY)
        assert store.take_open_rehearsal("key-2") is None


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


def test_a_status_callback_is_logged_without_parsing_twilios_whole_form(store_app, caller, monkeypatch):
    caller.walk(LOST_CARD_KEYS)
    reference_number.cache_clear()

    def parse(*args, **kwargs):
        raise AssertionError("the status callback parsed the whole form")

    monkeypatch.setattr("werkzeug.formparser.FormDataParser.parse", parse)
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
        assert connection.execute(select(call_log)).all() == [("c1", 4960.0, "completed", 40)]
        assert connection.execute(select(call_steps.c.node).order_by(call_steps.c.at)).scalars().all() == \
            ["welcome", "main"]
    write_events(engine, [CallEvent("c2", 100.0, steps=(("welcome", None),)),
                          CallEvent("c2", 160.0, outcome="busy", duration=None)])
    with engine.connect() as connection:
        assert connection.execute(select(call_log).where(call_log.c.id == "c2")).one() == ("c2", 100.0, "busy", None)


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
                          CallEvent("c3", 260.0, outcome="completed", duration=None),
                          CallEvent("c3", 261.0, outcome=None, duration=61)])
    write_events(engine, [CallEvent("c4", 4970.0, steps=(("welcome", None),)),
                          CallEvent("c4", 5001.0, outcome="no-answer", duration=None)])
    # Two known calls in one batch: each keeps its own earliest start.
    write_events(engine, [CallEvent("c5", 90.0, outcome="busy", duration=None),
                          CallEvent("c4", 4965.0, steps=(("hold", None),)),
                          CallEvent("c3", 150.0, steps=(("main", None),))])
    with engine.connect() as connection:
        assert connection.execute(select(call_log).order_by(call_log.c.id)).all() == [
            ("c3", 150.0, "completed", 61), ("c4", 4960.0, "no-answer", 40), ("c5", 90.0, "busy", None)]
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
        rows = connection.execute(select(call_log).order_by(call_log.c.id)).all()
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


@pytest.mark.parametrize("down", ["refused", "hangs"])
def test_a_call_is_answered_at_once_when_the_database_is_down(make_app, request, caplog, down):
    url = refused_url() if down == "refused" else request.getfixturevalue("blackhole")
    from conftest import Caller

    healthy = Caller(make_app(INSTANCE_PATH=str(request.getfixturevalue("tmp_path") / "healthy")).test_client())
    app = make_app(DATABASE_URL=url)
    caller = Caller(app.test_client())
    healthy.call_sid = caller.call_sid
    slowest = 0.0
    for answer in [None, *LOST_CARD_KEYS]:
        started = time.perf_counter()
        reply = caller.start() if answer is None else caller.press(answer)
        slowest = max(slowest, time.perf_counter() - started)
        expected = healthy.start() if answer is None else healthy.press(answer)
        assert (reply.status, reply.content_type, reply.said, reply.verbs) == \
               (200, "text/xml; charset=utf-8", expected.said, expected.verbs)
    assert reply.hung_up
    caller.post("/voice/status", CallStatus="completed", CallDuration="71")
    # The database would take seconds to fail (2 s connect timeout); the replies did not wait for it.
    assert slowest < 1.0

    assert store.call_recorder(app).flush(timeout=30)
    lost = [r.getMessage() for r in caplog.records if r.getMessage().startswith("call log: not recorded")]
    call = hashed(caller.call_sid)
    assert len(lost) == 6  # five webhooks and the status callback, one line each
    assert lost[0].startswith(f"call log: not recorded for call {call}: steps welcome > main at ")
    assert lost[-1].startswith(f"call log: not recorded for call {call}: outcome completed, duration 71 s, at ")
    assert all("OperationalError" in line for line in lost)
    assert f"(reference {reference_number(caller.call_sid, 'end-lost-card')})" in lost[-2]
    assert store.call_recorder(app).lost == 6


def held_recorder(capacity: int, call_sid: str) -> tuple[CallRecorder, threading.Event, list]:
    """A recorder whose worker has taken one event (steps welcome) and waits, writing nothing until released."""
    release = threading.Event()
    written: list = []

    def write(events):
        release.wait(10)
        written.extend(events)

    recorder = CallRecorder(write, capacity=capacity)
    recorder.steps(call_sid, [("welcome", None)])
    deadline = time.monotonic() + 5
    while recorder._pending and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recorder.pending == 1
    return recorder, release, written


def test_a_full_queue_drops_events_with_a_warning_and_never_blocks(caplog):
    recorder, release, written = held_recorder(2, "CA" + "1" * 32)
    started = time.perf_counter()
    for node in ("main", "dispute", "representative"):
        recorder.steps("CA" + "1" * 32, [(node, None)])
    assert time.perf_counter() - started < 0.5
    release.set()
    assert recorder.flush(10)
    assert [e.steps[0][0] for e in written] == ["welcome", "main", "dispute"]
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"call log: not recorded for call {hashed('CA' + '1' * 32)}: steps representative at ")
    assert line.endswith("the call-log queue is full (the database is slow or down)")


def test_flush_writes_at_once_however_long_the_worker_gathers(monkeypatch):
    monkeypatch.setattr("ivr.store.recorder.GATHER_SECONDS", 60)
    batches = []
    recorder = CallRecorder(batches.append)
    recorder.steps("CA" + "1" * 32, [("welcome", None), ("main", None)], at=100.0)
    recorder.status("CA" + "1" * 32, "completed", 31, at=131.0)
    time.sleep(0.3)
    assert batches == [] and recorder.pending == 2  # still gathering
    started = time.perf_counter()
    assert recorder.flush(10)
    assert time.perf_counter() - started < 2
    assert batches == [[CallEvent(hashed("CA" + "1" * 32), 100.0, [("welcome", None), ("main", None)]),
                        CallEvent(hashed("CA" + "1" * 32), 131.0, (), "completed", 31)]]
    assert recorder.pending == 0


def test_the_worker_writes_many_webhooks_in_one_write(monkeypatch):
    monkeypatch.setattr("ivr.store.recorder.GATHER_SECONDS", 0.5)
    batches = []
    recorder = CallRecorder(batches.append)
    for number in range(50):
        recorder.steps(f"CA{number:032x}", [("welcome", None)])
    deadline = time.monotonic() + 10
    while not batches and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [len(batch) for batch in batches] == [50]
    assert batches[0][49].call == hashed(f"CA{49:032x}")


def test_a_burst_beyond_capacity_is_reported_in_a_few_lines_naming_each_call(caplog):
    first, second, third = ("CA" + digit * 32 for digit in "123")
    recorder, release, written = held_recorder(5, first)
    started = time.perf_counter()
    for call_sid, count in ((first, 15), (second, 15), (third, 15)):  # 5 fill the queue, 40 are lost
        for _ in range(count):
            recorder.steps(call_sid, [("main", None)])
    assert time.perf_counter() - started < 0.5
    assert recorder.lost == 40
    release.set()
    assert recorder.flush(10)
    assert len(written) == 6
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 11
    for line in lines[:10]:  # the first ten lost events, one line each
        assert line.startswith(f"call log: not recorded for call {hashed(first)}: steps main at ")
        assert line.endswith(": the call-log queue is full (the database is slow or down)")
    assert lines[10] == (f"call log: not recorded: 30 more events, for calls {hashed(second)} (15), "
                         f"{hashed(third)} (15): the call-log queue is full (the database is slow or down)")


def test_a_flush_under_load_waits_only_for_what_was_queued_before_it():
    batches = []

    def write(events):
        time.sleep(0.01)
        batches.append(len(events))

    recorder = CallRecorder(write)
    busy = threading.Event()
    stop = threading.Event()

    def webhooks():
        number = 0
        while not stop.is_set():
            recorder.steps(f"CA{number:032x}", [("welcome", None)])
            number += 1
            busy.set()
            time.sleep(0.0005)

    caller = threading.Thread(target=webhooks, daemon=True)
    caller.start()
    try:
        assert busy.wait(5)
        time.sleep(0.3)
        started = time.perf_counter()
        assert recorder.flush(10)  # the queue never empties, yet the flush ends
        assert time.perf_counter() - started < 2
        assert caller.is_alive()
    finally:
        stop.set()
        caller.join()
    assert recorder.flush(10) and recorder.pending == 0 and recorder.lost == 0


def test_a_status_callback_flushes_only_for_an_open_rehearsal_of_its_own(store_app, caller, monkeypatch):
    """The call log keeps gathering through a plain call's status callback (most calls have no rehearsal)."""
    monkeypatch.setattr("ivr.store.recorder.GATHER_SECONDS", 60)
    recorder = store.call_recorder(store_app)
    caller.start()
    caller.post("/voice/status", CallStatus="completed", CallDuration="9")
    assert recorder.pending == 2
    with store_app.test_request_context():
        store.keep_open_rehearsal("key-1", "state-a", 30)
        assert recorder.holds_rehearsal("key-1") and not recorder.holds_rehearsal("key-2")
        assert store.take_open_rehearsal("key-2") is None
        assert recorder.pending == 3
        assert store.take_open_rehearsal("key-1") == "state-a"
    assert recorder.pending == 0 and not recorder.holds_rehearsal("key-1")
    [call] = json.loads(invoke(store_app, "calls", "list", "--json"))
    assert (call["id"], call["outcome"], call["duration"]) == (hashed(caller.call_sid), "completed", 9)


def test_a_known_call_whose_row_was_purged_meanwhile_gets_its_row_again(store_app):
    """The writer skips a row a batch would not change; a row gone (another server's purge) is written again."""
    from ivr.store.call_log import KnownCalls

    engine, known = store.get_engine(store_app), KnownCalls()
    write_events(engine, [CallEvent("c1", 100.0, steps=(("welcome", None),))], known)
    write_events(engine, [CallEvent("c1", 90.0, steps=(("main", None),))], known)  # earlier: the start moves
    write_events(engine, [CallEvent("c1", 120.0, steps=(("dispute", None),)),
                          CallEvent("c1", 150.0, outcome="completed", duration=61)], known)
    with engine.connect() as connection:
        assert connection.execute(select(call_log)).all() == [("c1", 90.0, "completed", 61)]
    with engine.begin() as connection:
        connection.execute(call_steps.delete())
        connection.execute(call_log.delete())
    write_events(engine, [CallEvent("c1", 200.0, steps=(("hold", None),))], known)
    with engine.connect() as connection:
        assert connection.execute(select(call_log)).all() == [("c1", 200.0, None, None)]
        assert connection.execute(select(call_steps.c.node)).scalars().all() == ["hold"]


def test_a_gunicorn_worker_that_stops_writes_what_its_queue_holds(tmp_path, make_app):
    """A call's events still in the queue (the worker gathers for a minute here) are written at exit."""
    import signal
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    from pgcluster import free_port

    root = Path(__file__).resolve().parent.parent
    database = f"sqlite:///{tmp_path}/served.sqlite"
    invoke(make_app(DATABASE_URL=database), "db", "upgrade")
    config = tmp_path / "gunicorn.conf.py"
    config.write_text(f"exec(open({str(root / 'gunicorn.conf.py')!r}).read())\n"
                      "def post_fork(server, worker):\n"
                      "    import ivr.store.recorder\n"
                      "    ivr.store.recorder.GATHER_SECONDS = 60\n")
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1", "DATABASE_URL": database,
           "SECRET_KEY": "test-secret", "PRACTICE_LINE_AUDIO_DIR": str(tmp_path / "audio")}
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(config), "app:app"], cwd=root, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    call_sid = "CA" + uuid.uuid4().hex
    form = f"CallSid={call_sid}&From=%2B15550100&To=%2B15550199"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                post = urllib.request.Request(f"http://127.0.0.1:{port}/voice/incoming", data=form.encode())
                with urllib.request.urlopen(post, timeout=5) as reply:
                    assert reply.status == 200
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read()
                time.sleep(0.25)
        status = urllib.request.Request(f"http://127.0.0.1:{port}/voice/status",
                                        data=f"{form}&CallStatus=completed&CallDuration=42".encode())
        with urllib.request.urlopen(status, timeout=5) as reply:
            assert reply.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with sqlite3.connect(tmp_path / "served.sqlite") as db:
        assert db.execute("SELECT id, outcome, duration FROM call_log").fetchall() == [
            (hashed(call_sid), "completed", 42)]
        assert db.execute("SELECT node FROM call_steps ORDER BY id").fetchall() == [("welcome",), ("main",)]


# --- /healthz ------------------------------------------------------------------------------------------

def test_healthz_is_ok_when_the_database_answers(store_app):
    reply = store_app.test_client().get("/healthz")
    assert reply.status_code == 200
    assert reply.get_json() == {"status": "ok", "database": "ok", "schema": "0002",
                                "call_log": {"pending": 0, "lost": 0}}


def test_healthz_is_503_naming_the_error_when_the_database_is_down(make_app):
    reply = make_app(DATABASE_URL=refused_url()).test_client().get("/healthz")
    assert reply.status_code == 503
    body = reply.get_json()
    assert body["status"] == "failing"
    assert body["database"].startswith("OperationalError: (psycopg.OperationalError) connection failed")


def test_healthz_is_503_when_the_schema_was_never_built(make_app, postgres_server):
    empty(postgres_server.url)
    reply = make_app(DATABASE_URL=postgres_server.url).test_client().get("/healthz")
    assert reply.status_code == 503
    assert reply.get_json()["database"] == ("the schema is at nothing and the app needs 0002: "
                                            "run flask --app app db upgrade")

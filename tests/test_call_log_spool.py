"""The call log's spool and shipper: an event is durable before the webhook answers, shipped with retry,
by one shipper at a time, and lost only when the spool is full (logged and counted in the file); the
status callback reads its fields strictly and never touches the database."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time

import pytest
from conftest import Caller
from flask import has_request_context
from test_store import blackhole  # noqa: F401 - a fixture: a database that accepts and never answers

from ivr import store
from ivr.store.recorder import CallRecorder
from ivr.store.spool import Spool
from ivr.store.spool import uid as spool_uid

SID = "CA" + "1" * 32


def hashed(call_sid: str) -> str:
    return hashlib.sha256(f"practice-line call {call_sid}".encode()).hexdigest()[:32]


class Database:
    """A fake database for the shipper: takes batches, or fails as told, or waits until released."""

    def __init__(self) -> None:
        self.batches: list[list] = []
        self.failures = 0  # the next writes that raise
        self.open = threading.Event()
        self.open.set()
        self.writing = threading.Event()  # a shipper has begun a write (its batch is read)
        self.shippers: set[int] = set()  # the threads that wrote here: whose log lines are this test's
        self._written = threading.Condition()

    def write(self, events) -> None:
        self.shippers.add(threading.get_ident())
        self.writing.set()
        self.open.wait(10)
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("the database is down")
        with self._written:
            self.batches.append(list(events))
            self._written.notify_all()

    def wait_for_batches(self, count: int, timeout: float = 10) -> bool:
        """Wait until `count` batches are written; False if `timeout` ran out first."""
        with self._written:
            return self._written.wait_for(lambda: len(self.batches) >= count, timeout)

    def lines(self, caplog) -> list[str]:
        """The log lines of this database's shippers (a shipper of an earlier test may still be logging)."""
        return [r.getMessage() for r in caplog.records if r.thread in self.shippers]

    @property
    def events(self) -> list:
        return [event for batch in self.batches for event in batch]


@pytest.fixture
def database():
    return Database()


@pytest.fixture
def recorders(tmp_path):
    """Make recorders on one spool file (as a server's workers); all stopped at the end."""
    made = []

    def make(database: Database, capacity: int = 1000) -> CallRecorder:
        recorder = CallRecorder(Spool(tmp_path / "spool.sqlite", capacity), database.write)
        made.append(recorder)
        return recorder

    yield make
    for recorder in made:
        recorder.stop(1)


def test_an_event_is_in_the_spool_file_before_the_webhook_goes_on(recorders, database, tmp_path):
    database.open.clear()  # the database takes nothing yet
    recorder = recorders(database)
    recorder.steps(SID, [("welcome", None), ("main", None)], at=100.0)
    recorder.status(SID, "completed", 31, at=131.0, sequence=3, stamp=1_800_000_000.0)
    depth = Spool(tmp_path / "spool.sqlite").depth()  # read from the file, as another process would
    assert (depth.events, depth.oldest, depth.lost) == (2, 100.0, 0)
    database.open.set()
    assert recorder.flush(10)
    [steps, status] = database.events
    assert (steps.call, steps.at, steps.steps) == (hashed(SID), 100.0, (("welcome", None), ("main", None)))
    assert (status.outcome, status.duration, status.sequence, status.stamp) == ("completed", 31, 3, 1_800_000_000.0)
    assert steps.key.endswith("-1") and status.key.endswith("-2") and steps.key[:-2] == status.key[:-2]
    assert recorder.pending == 0


def test_a_write_that_fails_is_kept_and_retried_until_the_database_takes_it(recorders, database, caplog):
    database.failures = 3
    recorder = recorders(database)
    for number in range(20):
        recorder.steps(f"CA{number:032x}", [("welcome", None)])
    assert recorder.flush(20)
    assert [event.call for event in database.events] == [hashed(f"CA{number:032x}") for number in range(20)]
    assert recorder.lost == 0
    lines = database.lines(caplog)
    # (The first batch is what the spool held when the shipper first looked: some or all of the 20.)
    assert re.fullmatch(r"call log: the database did not take (\d+) events \(ConnectionRefusedError: "
                        r"the database is down\); (\d+) kept in the spool, retrying", lines[0])
    assert len(lines) == 2  # the outage is logged once, and its end
    assert lines[-1] == "call log: the database is back after 3 failed writes; shipping the spool"


def test_what_a_stopped_process_left_in_the_spool_is_shipped_by_the_next(recorders, database, tmp_path):
    first = CallRecorder(Spool(tmp_path / "spool.sqlite"), database.write)
    first.stop(1)  # its shipper is gone, as if its process had been killed
    for node in ("welcome", "main", "dispute"):
        first.steps(SID, [(node, None)])
    assert database.batches == [] and first.pending == 3
    later = recorders(database)
    later.start()
    assert later.flush(10)
    assert [event.steps[0][0] for event in database.events] == ["welcome", "main", "dispute"]


def test_one_shipper_ships_a_spool_at_a_time_and_each_event_once(recorders, database):
    workers = [recorders(database) for _ in range(3)]
    for number in range(300):
        workers[number % 3].steps(f"CA{number:032x}", [("welcome", None)])
    assert all(worker.flush(20) for worker in workers)
    keys = [event.key for event in database.events]
    assert len(keys) == len(set(keys)) == 300


def test_the_shipper_gathers_many_webhooks_into_one_write(recorders, database, monkeypatch):
    monkeypatch.setattr("ivr.store.recorder.GATHER_SECONDS", 60)
    recorder = recorders(database)
    recorder.steps(SID, [("welcome", None)])  # starts the shipper: it ships this at once
    assert database.wait_for_batches(1)
    deadline = time.monotonic() + 10
    while recorder.pending and time.monotonic() < deadline:  # until it is out of the spool
        time.sleep(0.01)
    # The shipper has shipped all it had, and now gathers for 60 s (no flush hurries it).
    for number in range(50):
        recorder.steps(f"CA{number:032x}", [("welcome", None)])
    assert (recorder.pending, len(database.batches)) == (50, 1)  # gathering: nothing written meanwhile
    assert recorder.flush(10)
    assert [len(batch) for batch in database.batches] == [1, 50]
    assert [event.call for event in database.batches[1]] == [hashed(f"CA{number:032x}") for number in range(50)]


def test_a_full_spool_is_the_only_way_to_lose_an_event_logged_and_counted_in_the_file(
        recorders, database, caplog, tmp_path):
    database.open.clear()
    recorder = recorders(database, capacity=5)
    first, second, third = ("CA" + digit * 32 for digit in "234")
    started = time.perf_counter()
    for call_sid, count in ((first, 15), (second, 15), (third, 15)):  # 5 fill the spool, 40 are lost
        for _ in range(count):
            recorder.steps(call_sid, [("main", None)])
    assert time.perf_counter() - started < 0.5  # never waits
    assert Spool(tmp_path / "spool.sqlite").depth().lost == 40  # in the file: every worker reads the same
    database.open.set()
    assert recorder.flush(10)
    assert len(database.events) == 5
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("call log: not recorded")]
    assert len(lines) == 11
    for line in lines[:10]:  # the first ten lost events, one line each
        assert line.startswith(f"call log: not recorded for call {hashed(first)}: steps main at ")
        assert line.endswith(": the call-log spool is full (5 events: the database has been unreachable)")
    assert lines[10] == (f"call log: not recorded: 30 more events, for calls {hashed(second)} (15), "
                         f"{hashed(third)} (15): the call-log spool is full (5 events: the database has been "
                         "unreachable)")
    assert recorders(database).lost == 40  # and a new process reads the same count


def test_a_spool_that_cannot_be_written_loses_the_event_with_a_line_and_never_raises(
        recorders, database, caplog, tmp_path):
    recorder = recorders(database)
    recorder.steps(SID, [("welcome", None)])
    assert recorder.flush(10)
    spool = recorder.spool
    spool.close()
    good, spool.path = spool.path, tmp_path / "a-file" / "spool.sqlite"  # opened there by the next add
    (tmp_path / "a-file").write_text("not a folder")  # the spool cannot be opened (as on a full disk)
    try:
        started = time.perf_counter()
        recorder.steps(SID, [("main", None)])
        assert time.perf_counter() - started < 0.5
    finally:
        spool.path = good
    assert recorder.flush(10)
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("call log: not recorded")]
    assert "steps main" in line and "the call-log spool could not be written" in line
    recorder.steps(SID, [("dispute", None)])
    assert recorder.lost == 1  # counted in the file once it could be written again


def test_a_flush_under_load_waits_only_for_what_was_spooled_before_it(recorders, database):
    recorder = recorders(database)
    stop, busy = threading.Event(), threading.Event()

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
        assert recorder.flush(10)  # the spool never empties, yet the flush ends
        assert caller.is_alive()
    finally:
        stop.set()
        caller.join()
    assert recorder.flush(10) and recorder.pending == 0 and recorder.lost == 0


# --- the status callback ------------------------------------------------------------------------------

@pytest.fixture
def no_database(make_app, monkeypatch):
    """An app whose webhooks would fail on any database use in the request (the shipper's is allowed)."""
    app = make_app()
    real = store.get_engine

    def guarded(app_=None):
        if has_request_context():  # the shipper and the CLI work outside any request
            raise AssertionError("a webhook used the database")
        return real(app_)

    monkeypatch.setattr("ivr.store.call_log.get_engine", guarded)
    monkeypatch.setattr("ivr.store.report_store.get_engine", guarded)
    return app


def logged(app) -> list[dict]:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calls", "list", "--json"])
    assert result.exit_code == 0, result.output
    return [call for call in json.loads(result.output) if call["source"] == "twilio"]


def test_status_callbacks_never_use_the_database_and_the_latest_stands(no_database):
    client = no_database.test_client()
    caller = Caller(client)
    caller.walk(["1"])
    for sequence, state, duration in [(3, "completed", "47"), (1, "ringing", ""), (2, "in-progress", ""),
                                      (3, "completed", "47")]:
        reply = caller.post("/voice/status", CallStatus=state, CallDuration=duration, SequenceNumber=str(sequence),
                            Timestamp=f"Thu, 03 Dec 2026 08:47:1{sequence} +0000", CallbackSource="call-progress-events")
        assert reply.status == 200 and reply.verbs == []
    [call] = logged(no_database)
    assert (call["outcome"], call["duration"]) == ("completed", 47)


@pytest.mark.parametrize("duration", ["²", "١٢", "12a", "-3", " 12", "1234567"])
def test_a_duration_that_is_not_ascii_digits_is_no_duration_and_no_error(no_database, caplog, duration):
    caller = Caller(no_database.test_client())
    caller.start()
    reply = caller.post("/voice/status", CallStatus="completed", CallDuration=duration)
    assert reply.status == 200 and reply.verbs == []
    [call] = logged(no_database)
    assert (call["outcome"], call["duration"]) == ("completed", None)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("call_sid", ["CA" + "a" * 32 + "\n", "CA" + "A" * 32, "CA" + "a" * 31, "XCA" + "a" * 32])
def test_only_a_callsid_of_twilios_shape_is_logged(no_database, call_sid):
    client = no_database.test_client()
    reply = client.post("/voice/status", data={"CallSid": call_sid, "From": "+15550100", "CallStatus": "completed"})
    assert reply.status_code == 200
    assert logged(no_database) == []


def test_a_form_that_is_not_utf8_gets_spoken_twiml_and_one_log_line(no_database, caplog):
    client = no_database.test_client()
    body = f"CallSid={SID}&From=%2B15550100&SpeechResult=caf\xe9&CallStatus=in-progress".encode("latin-1")
    reply = client.post("/voice/incoming", data=body, content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 200 and reply.content_type == "text/xml; charset=utf-8"
    assert b"<Say" in reply.data or b"<Play" in reply.data
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert lines == [f"voice webhook /voice/incoming: the form is not UTF-8 (byte {body.index(0xe9)}); "
                     "read with the bad bytes replaced"]
    [call] = logged(no_database)  # the webhook still counts for the call
    assert call["id"] == hashed(SID) and call["path"][:2] == ["welcome", "main"]


def test_without_an_auth_token_status_callbacks_are_limited_per_address(make_app, caplog):
    app = make_app(STATUS_CALLBACKS_PER_MINUTE=3)
    client = app.test_client()
    sids = [f"CA{number:032x}" for number in range(5)]
    for call_sid in sids:
        reply = client.post("/voice/status", data={"CallSid": call_sid, "From": "+15550100", "CallStatus": "completed"})
        assert reply.status_code == 200
    assert sorted(call["id"] for call in logged(app)) == sorted(hashed(sid) for sid in sids[:3])
    [line] = [r.getMessage() for r in caplog.records if "over 3 a minute" in r.getMessage()]
    assert line == ("call log: status callbacks from 127.0.0.1 over 3 a minute are not recorded "
                    "(set TWILIO_AUTH_TOKEN so that only Twilio's count)")


def test_calls_pending_lists_what_has_not_been_shipped(make_app, blackhole):
    app = make_app(DATABASE_URL=blackhole, flush_seconds=0)
    caller = Caller(app.test_client())
    caller.walk(["1"])
    caller.post("/voice/status", CallStatus="completed", CallDuration="12")
    result = app.test_cli_runner().invoke(args=["calls", "pending"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4
    assert f"{hashed(caller.call_sid)[:12]}…" in lines[0] and lines[0].endswith("steps welcome > main at " +
                                                                                 lines[0][-20:])
    assert "steps lost-card" in lines[1] and "outcome completed, duration 12 s" in lines[2]
    assert lines[3].startswith("3 events not shipped yet, the oldest ") and " 0 lost (spool full)" in lines[3]
    listed = json.loads(app.test_cli_runner().invoke(args=["calls", "pending", "--json", "--limit", "1"]).output)
    assert (listed["pending"], listed["lost"], len(listed["events"])) == (3, 0, 1)
    assert listed["events"][0]["call"] == hashed(caller.call_sid)



def test_many_connections_making_a_new_spool_file_at_once_all_open_it(tmp_path):
    """The first connections to a new file race to switch it to WAL and to make its tables; SQLite
    answers one of them "locked" at once (no busy wait), and connect() must try again rather than lose
    that worker's events. Each one finds the file whole: the spool's uid row is made with its tables."""
    start = threading.Barrier(6)
    opened, failed = [], []

    def open_it(spool):
        start.wait()
        try:
            connection = spool.connect()
            opened.append((connection.execute("PRAGMA journal_mode").fetchone()[0], spool_uid(connection)))
            connection.close()
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            failed.append(repr(error))

    uids = []
    for round_ in range(40):
        spool = Spool(tmp_path / f"new-{round_}.sqlite")
        opened.clear()
        threads = [threading.Thread(target=open_it, args=(spool,)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failed == []
        assert [mode for mode, _uid in opened] == ["wal"] * 6
        assert len({uid for _mode, uid in opened}) == 1  # one file, one uid, whoever made it
        uids.append(opened[0][1])
    assert len(set(uids)) == 40 and all(re.fullmatch(r"[0-9a-f]{16}", uid) for uid in uids)

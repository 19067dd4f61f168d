"""Fault runs for the call log: Twilio-shaped calls (signed) against gunicorn and a throwaway PostgreSQL,
with a fault injected mid-load, then every record and step event checked row by row.

Run: .venv/bin/python scripts/fault_calls.py [--fault all|none|restarts|max-requests|sqlite|kill-worker|pg-stop|pg-freeze]
                                              [--calls 60] [--outage 10] [--callers 4]
Each call walks the lost-card path (five webhooks, eight steps) and then sends its status callbacks
(ringing, in-progress, completed, shuffled, on separate connections 50 ms apart; half with
SequenceNumber and Timestamp). Prints one markdown row per fault: calls made, recorded, lost, what
callers saw (dropped connections, slowest webhook while the database was down or frozen), and /healthz
as each worker answered it. tests/test_call_log_faults.py runs the same with fewer calls.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from twilio.request_validator import RequestValidator  # noqa: E402

from scripts.bench.servers import free_port, wait_until_up  # noqa: E402

AUTH_TOKEN = "fault-test-auth-token"
KEYS = [None, "1", "1234", "1", "2"]  # lost card: the welcome, identity, security answer, cancel and replace
# The steps each of those webhooks speaks (a message runs on into the next node).
STEPS = [["welcome", "main"], ["lost-card", "lost-card-identity"], ["lost-card-security"],
         ["lost-card-security-right", "lost-card-cancel"], ["end-lost-card"]]
TIMEOUT = 10.0


@dataclass
class Answer:
    """One webhook: when it was sent (monotonic), how long it took, its status (None: dropped)."""

    path: str
    sent: float
    seconds: float
    status: int | None


@dataclass
class Made:
    """What the callers did and saw."""

    calls: dict[str, int] = field(default_factory=dict)  # CallSid -> its duration
    answered: Counter = field(default_factory=Counter)  # CallSid -> webhooks answered
    dropped_steps: dict[str, Counter] = field(default_factory=dict)  # CallSid -> steps of dropped webhooks
    answers: list[Answer] = field(default_factory=list)
    outage_health: list[dict] = field(default_factory=list)  # /healthz while the database was out, after the load
    done: threading.Event = field(default_factory=threading.Event)  # every caller has hung up
    enough: threading.Event = field(default_factory=threading.Event)  # the fault has lasted: no new calls
    lock: threading.Lock = field(default_factory=threading.Lock)


class Line:
    """gunicorn serving app:app on 127.0.0.1 (2 gthread workers), with its own spool and log."""

    def __init__(self, database_url: str, folder: Path, workers: int = 2, extra_env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "gunicorn.log"
        self.env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "WEB_CONCURRENCY": str(workers),
                    "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(16), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "CALL_LOG_SPOOL": str(folder / "spool.sqlite"),
                    "PRACTICE_LINE_AUDIO_DIR": str(folder / "audio"), **(extra_env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start gunicorn and wait until it answers."""
        log = self.log_path.open("a")
        self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                                         "app:app"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        wait_until_up(self.base + "/healthz", seconds=60, process=self.process)
        deadline = time.monotonic() + 30
        while len(self.workers()) < int(self.env["WEB_CONCURRENCY"]) and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to the whole group if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def workers(self) -> list[int]:
        """The worker processes' ids (the master's children)."""
        return children(self.process.pid)

    def log(self) -> str:
        """The server's log so far."""
        return self.log_path.read_text(errors="replace")


def children(pid: int) -> list[int]:
    """A process's children (Linux /proc)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def post(line: Line, path: str, form: dict[str, str], made: Made | None = None) -> tuple[int | None, bytes]:
    """A signed POST on a new connection, as Twilio sends each webhook; (status or None if dropped, body)."""
    url = line.base + path
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1",
               "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, form)}
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", line.port, timeout=TIMEOUT)
    try:
        connection.request("POST", path, body=urllib.parse.urlencode(form), headers=headers)
        reply = connection.getresponse()
        status, body = reply.status, reply.read()
    except (OSError, http.client.HTTPException):
        status, body = None, b""
    finally:
        connection.close()
    if made is not None:
        with made.lock:
            made.answers.append(Answer(path.partition("?")[0], started, time.monotonic() - started, status))
    return status, body


def whole_call(line: Line, made: Made, sequenced: bool, duration_text: str | None = None) -> None:
    """One lost-card call, then its three status callbacks shuffled, 50 ms apart, each on its own thread."""
    sid = "CA" + uuid.uuid4().hex
    duration = random.randint(30, 200)
    with made.lock:
        made.calls[sid] = duration
    form = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+15550100", "To": "+15550199",
            "CallStatus": "in-progress", "Direction": "inbound"}
    path = "/voice/incoming"
    for key, steps in zip(KEYS, STEPS, strict=True):
        data = form if key is None else {**form, "Digits": key}
        for _attempt in range(3):  # a dropped webhook is sent again (a killed worker drops its requests)
            status, body = post(line, path, data, made)
            if status == 200:
                break
            with made.lock:
                made.dropped_steps.setdefault(sid, Counter()).update(steps)
            time.sleep(0.2)
        else:
            return
        with made.lock:
            made.answered[sid] += 1
        gather = ET.fromstring(body).find("Gather")
        if gather is None:
            break
        action = urllib.parse.urlsplit(gather.get("action"))
        path = action.path + (f"?{action.query}" if action.query else "")
    callbacks = []
    for sequence, state in enumerate(["ringing", "in-progress", "completed"], start=1):
        data = {**form, "CallStatus": state}
        if state == "completed":
            data["CallDuration"] = duration_text if duration_text is not None else str(duration)
        if sequenced:
            data.update(SequenceNumber=str(sequence), CallbackSource="call-progress-events",
                        Timestamp=formatdate(1_800_000_000 + sequence * 10, usegmt=False))
        callbacks.append(data)
    random.shuffle(callbacks)
    senders = []
    for data in callbacks:
        sender = threading.Thread(target=_status_until_answered, args=(line, data, made))
        sender.start()
        senders.append(sender)
        time.sleep(0.05)
    for sender in senders:
        sender.join()


def _status_until_answered(line: Line, data: dict, made: Made) -> None:
    for _attempt in range(3):  # Twilio retries a status callback that got no answer
        if post(line, "/voice/status", data, made)[0] == 200:
            return
        time.sleep(0.2)


def load(line: Line, made: Made, calls: int, callers: int, during=None, duration_text: str | None = None) -> None:
    """At least `calls` whole calls from `callers` threads; `during(made)` runs beside them (the fault), and
    calls go on being made until it sets made.enough."""
    started = iter(range(1_000_000))
    lock = threading.Lock()
    if during is None:
        made.enough.set()

    def caller() -> None:
        while True:
            with lock:
                number = next(started)
            if number >= calls and made.enough.is_set():
                return
            whole_call(line, made, sequenced=number % 2 == 0, duration_text=duration_text)

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    fault = threading.Thread(target=during, args=(made,)) if during else None
    if fault:
        fault.start()
    for thread in threads:
        thread.join()
    made.done.set()
    if fault:
        fault.join()


def health(line: Line, tries: int = 20, workers: int | None = None, most: int = 300) -> list[dict]:
    """/healthz on fresh connections, as each worker answers it: the answers (each with its process).

    Asked `tries` times, and on (up to `most` in all) until `workers` processes (default: all the server's) have answered: which worker
    accepts a connection is the kernel's choice, and on a busy machine one may take twenty in a row.
    """
    workers = int(line.env["WEB_CONCURRENCY"]) if workers is None else workers
    answers = []
    while len(answers) < tries or (len({a["process"] for a in answers}) < workers and len(answers) < most):
        connection = http.client.HTTPConnection("127.0.0.1", line.port, timeout=TIMEOUT)
        started = time.monotonic()
        connection.request("GET", "/healthz")
        reply = connection.getresponse()
        body = json.loads(reply.read())
        body["seconds"] = time.monotonic() - started
        connection.close()
        answers.append(body)
    return answers


def drained(line: Line, seconds: float = 60.0) -> dict:
    """Wait until /healthz says the spool is empty and the database answers; its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        [answer] = health(line, 1, workers=1)
        if answer["call_log"]["pending"] == 0 and answer["status"] == "ok":
            return answer
        if time.monotonic() > deadline:
            raise RuntimeError(f"the spool did not drain in {seconds:.0f} s: {answer}")
        time.sleep(0.2)


@dataclass
class Checked:
    """What the database holds of the calls made."""

    made: int
    recorded: int
    events_expected: int
    events_missing: int
    wrong_status: list[str]
    missing_calls: list[str]


def check(database_url: str, made: Made) -> Checked:
    """Every call made has its row, every answered webhook's steps, and `completed` with its duration."""
    from sqlalchemy import text

    from ivr.store.database import make_engine
    from ivr.store.recorder import call_hash

    ids = {call_hash(sid): sid for sid in made.calls}
    engine = make_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:  # this run's calls only (the database may hold earlier runs')
            rows = {row[0]: tuple(row[1:]) for row in connection.execute(
                text("SELECT id, outcome, duration FROM call_log")) if row[0] in ids}
            steps: dict[str, Counter] = {}
            for call_id, node in connection.execute(text("SELECT call_id, node FROM call_steps")):
                if call_id in ids:
                    steps.setdefault(call_id, Counter())[node] += 1
    finally:
        engine.dispose()
    expected_events = missing = 0
    wrong, missing_calls = [], []
    for call_id, sid in ids.items():
        answered = made.answered[sid]
        expected = Counter(node for webhook in STEPS[:answered] for node in webhook)
        found = steps.get(call_id, Counter())
        expected_events += sum(expected.values())
        missing += sum((expected - found).values())
        extra = found - expected
        if extra - made.dropped_steps.get(sid, Counter()):  # more than the retried webhooks' steps
            wrong.append(f"{call_id}: steps {dict(extra)} beyond those of the webhooks answered")
        if call_id not in rows:
            missing_calls.append(call_id)
        elif rows[call_id] != ("completed", made.calls[sid]):
            wrong.append(f"{call_id}: {rows[call_id]} instead of ('completed', {made.calls[sid]})")
    return Checked(len(ids), len(rows), expected_events, missing, wrong, missing_calls)


# --- the faults ---------------------------------------------------------------------------------------

def kill_workers(line: Line, times: int, every: float):
    """A fault: SIGKILL one worker `times` times, `every` seconds apart (gunicorn starts a new one)."""
    def fault(made: Made) -> None:
        for _ in range(times):
            time.sleep(every)
            workers = line.workers()
            if workers:
                os.kill(random.choice(workers), signal.SIGKILL)
        made.enough.set()
    return fault


def database_outage(cluster, line: Line, kind: str, after: float, seconds: float, windows: list):
    """A fault: PostgreSQL stopped (pg_ctl stop -m fast) or frozen (SIGSTOP) for `seconds` (longer if the
    load goes on: /healthz is asked once every caller has hung up, the database still out); the window
    (monotonic start, end) goes into `windows`."""
    def fault(made: Made) -> None:
        time.sleep(after)
        if kind == "stop":
            cluster.stop_server()  # the outage counts from when the server is down (pg_ctl waits for it)
        else:
            cluster.freeze()
        started = time.monotonic()
        time.sleep(seconds)
        made.enough.set()
        made.done.wait()
        made.outage_health.extend(health(line))
        ended = time.monotonic()
        if kind == "stop":
            cluster.start_server()
        else:
            cluster.thaw()
        windows.append((started, ended))
    return fault


def slowest_in(made: Made, windows: list) -> dict[str, float]:
    """The slowest status callback and menu webhook answered during the windows (seconds)."""
    found = {"status": 0.0, "menu": 0.0, "count": 0}
    for answer in made.answers:
        if any(start <= answer.sent <= end for start, end in windows):
            kind = "status" if answer.path == "/voice/status" else "menu"
            found[kind] = max(found[kind], answer.seconds)
            found["count"] += 1
    return found


@contextmanager
def throwaway_postgres():
    """A PostgreSQL cluster of tests/pgcluster.py at the newest schema; yields it."""
    from pgcluster import PostgresCluster, server_bin

    cluster = PostgresCluster(server_bin())
    cluster.start()
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, check=True,
                       env={**os.environ, "DATABASE_URL": cluster.url, "SECRET_KEY": "x"}, stdout=subprocess.DEVNULL)
        yield cluster
    finally:
        cluster.stop()


def restarts(line: Line, every: float):
    """A fault: SIGHUP to the master (every worker replaced, gracefully), then SIGTERM to one worker."""
    def fault(made: Made) -> None:
        time.sleep(every)
        os.kill(line.process.pid, signal.SIGHUP)
        time.sleep(every)
        workers = line.workers()
        if workers:
            os.kill(random.choice(workers), signal.SIGTERM)
        time.sleep(every)
        made.enough.set()
    return fault


FAULTS = ["none", "restarts", "max-requests", "sqlite", "kill-worker", "pg-stop", "pg-freeze"]


def run(fault: str, calls: int, callers: int, outage: float, cluster) -> dict:
    """One fault run on a fresh gunicorn; its figures."""
    with tempfile.TemporaryDirectory(prefix="practice-line-fault-") as folder:
        url = cluster.url
        if fault == "sqlite":  # SQLite for the database too (2 workers writing one file)
            url = f"sqlite:///{folder}/line.sqlite"
            subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, check=True,
                           env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x"}, stdout=subprocess.DEVNULL)
        extra = {"GUNICORN_CMD_ARGS": "--max-requests 50"} if fault == "max-requests" else {}
        line = Line(url, Path(folder), extra_env=extra)
        line.start()
        made, windows = Made(), []
        try:
            during = {"none": None, "sqlite": None, "max-requests": None,
                      "restarts": restarts(line, max(0.5, calls / callers * 0.04)),
                      "kill-worker": kill_workers(line, 3, max(0.5, calls / callers * 0.04)),
                      "pg-stop": database_outage(cluster, line, "stop", 0.5, outage, windows),
                      "pg-freeze": database_outage(cluster, line, "freeze", 0.5, outage, windows)}[fault]
            load(line, made, calls, callers, during)
            drained(line)
            answers = health(line)
            checked = check(url, made)
            recycled = line.log().count("Autorestarting worker")
            log = line.log()
        finally:
            line.stop()
    totals = {(a["call_log"]["pending"], a["call_log"]["lost"]) for a in answers}
    out = made.outage_health
    return {"outage_health_processes": len({a["process"] for a in out}),
            "outage_health_totals": sorted({(a["call_log"]["pending"], a["call_log"]["lost"]) for a in out}),
            "outage_health_slowest": max((a["seconds"] for a in out), default=0.0),
            "outage_health_median": statistics.median(a["seconds"] for a in out) if out else 0.0,
            "outage_health_status": sorted({a["status"] for a in out}),
            "outage_seconds": sum(end - start for start, end in windows), "recycled": recycled,
            "made": made, "checked": checked, "fault": fault, "calls": checked.made, "recorded": checked.recorded,
            "events": checked.events_expected - checked.events_missing, "events_expected": checked.events_expected,
            "lost_calls": len(checked.missing_calls), "lost_events": checked.events_missing,
            "wrong": checked.wrong_status, "dropped": sum(1 for a in made.answers if a.status is None),
            "slowest": slowest_in(made, windows), "health_processes": len({a["process"] for a in answers}),
            "health_totals": sorted(totals), "health_slowest": max(a["seconds"] for a in answers),
            "error_lines": [line for line in log.splitlines() if ("[ERROR]" in line and "was sent SIGKILL" not in line)
                            or "Traceback" in line]}


def main() -> None:
    """Run the faults and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", default="all", choices=["all", *FAULTS])
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--callers", type=int, default=4)
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the database is stopped or frozen")
    args = parser.parse_args()
    faults = FAULTS if args.fault == "all" else [args.fault]
    print("| Fault | Calls | Recorded | Step events | Lost | Callers saw | /healthz |")
    print("|---|---|---|---|---|---|---|")
    with throwaway_postgres() as cluster:
        for fault in faults:
            found = run(fault, args.calls, args.callers, args.outage, cluster)
            slow = found["slowest"]
            saw = f"{found['dropped']} dropped connections"
            if found["recycled"]:
                saw = f"{found['recycled']} workers recycled; " + saw
            if slow["count"]:
                saw += (f"; during the outage ({slow['count']} webhooks) slowest status callback "
                        f"{slow['status'] * 1000:.0f} ms, menu webhook {slow['menu'] * 1000:.0f} ms")
            if found["wrong"]:
                saw += f"; WRONG: {found['wrong'][:3]}"
            if found["error_lines"]:
                saw += f"; {len(found['error_lines'])} ERROR lines"
            healthz = ""
            if found["outage_seconds"]:
                saw = f"outage {found['outage_seconds']:.1f} s; " + saw
                healthz = (f"during the outage: {found['outage_health_processes']} workers answered "
                           f"{found['outage_health_status']}, totals (pending, lost) {found['outage_health_totals']}, "
                           f"slowest {found['outage_health_slowest'] * 1000:.0f} ms; after: ")
            print(f"| {fault} | {found['calls']} | {found['recorded']} | {found['events']}/{found['events_expected']} "
                  f"| {found['lost_calls']} calls ({found['lost_events']} events) | {saw} | "
                  f"{healthz}{found['health_processes']} workers answered, totals {found['health_totals']}, "
                  f"slowest {found['health_slowest'] * 1000:.0f} ms |", flush=True)


if __name__ == "__main__":
    main()

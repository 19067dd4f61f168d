"""Benchmark: CPU time per call-log event, in the request (the recorder's steps()/status()) and in total
(request + shipper thread + database driver), against the same paced run with recording off.

Run: .venv/bin/python scripts/bench_recorder.py [--events 12000] [--rate 2000] [--repeats 3]
                                                [--busy-threads 4] [--busy-ms 1]
                                                [--database-url postgresql://...]
Events come as a server's webhooks hand them over: whole lost-card calls (five webhooks' steps, one
with a reference number, then the status callback), each call its own CallSid, --calls-at-once calls
interleaved (so a call's events are seconds apart, as on a real line), paced at --rate events a second
so the writer sees batches of the size a loaded server makes. "Total" is the process's CPU
time from the first event until flush() returns, minus the same loop with recording off, per event.
Then, how long 600 events take to be written while --busy-threads threads keep the GIL busy --busy-ms
at a time, as request threads do under load: the writer must not starve. Default database: SQLite in a temp
folder. Prints the median of --repeats runs (and of three runs under load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import create_app, store  # noqa: E402
from ivr.line.navigator import reference_number  # noqa: E402

# The nodes each webhook of a lost-card call speaks (a message runs on into the next node).
WEBHOOKS = [["welcome", "main"], ["lost-card", "lost-card-identity"], ["lost-card-security"],
            ["lost-card-security-right", "lost-card-cancel"], ["end-lost-card"]]
CHUNK = 20  # events handed over between two looks at the clock


def call_events(count: int, at_once: int) -> list[tuple]:
    """`count` events of whole calls, `at_once` calls interleaved: ("steps", sid, [(node, reference)])
    or ("status", sid, outcome, seconds)."""
    calls: list[list[tuple]] = []
    while len(calls) * (len(WEBHOOKS) + 1) < count:
        sid = "CA" + uuid.uuid4().hex
        calls.append([("steps", sid, [(node, reference_number(sid, node) if node == "end-lost-card" else None)
                                      for node in nodes]) for nodes in WEBHOOKS] + [("status", sid, "completed", 93)])
    events: list[tuple] = []
    for first in range(0, len(calls), at_once):
        group = calls[first:first + at_once]
        events.extend(event for turn in zip(*group) for event in turn)
    return events[:count]


def hand_over(recorder, event: tuple) -> None:
    """What a webhook does with an event: recorder.steps() or recorder.status()."""
    if event[0] == "steps":
        recorder.steps(event[1], event[2])
    else:
        recorder.status(event[1], event[2], event[3])


def busy_write(recorder, events: list[tuple], threads: int, busy_ms: float) -> float:
    """Seconds from handing `events` over to their being written while `threads` threads keep the GIL busy,
    as a server's request threads do under load: `busy_ms` of Python, then a system call, again and again."""
    stop = threading.Event()

    def request_thread() -> None:
        while not stop.is_set():
            until = time.perf_counter() + busy_ms / 1000
            while time.perf_counter() < until:
                pass
            os.sched_yield()  # lets go of the GIL, as a request's socket reads and writes do

    busy = [threading.Thread(target=request_thread, daemon=True) for _ in range(threads)]
    for thread in busy:
        thread.start()
    try:
        started = time.perf_counter()
        for event in events:
            hand_over(recorder, event)
        if not recorder.flush(120):
            raise SystemExit("the recorder did not finish writing in 120 s")
        return time.perf_counter() - started
    finally:
        stop.set()
        for thread in busy:
            thread.join()


def paced_run(recorder, events: list[tuple], rate: float) -> tuple[float, float]:
    """(CPU seconds spent handing events over, process CPU seconds until all is written); recorder None: off."""
    handing = 0.0
    process_started = time.process_time()
    wall = time.perf_counter()
    for first in range(0, len(events), CHUNK):
        started = time.thread_time()
        for event in events[first:first + CHUNK]:
            if recorder is not None:
                hand_over(recorder, event)
        handing += time.thread_time() - started
        ahead = wall + (first + CHUNK) / rate - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)
    if recorder is not None and not recorder.flush(120):
        raise SystemExit("the recorder did not finish writing in 120 s")
    return handing, time.process_time() - process_started


def twilio_records(app) -> int:
    """Twilio calls in the call log."""
    with app.app_context():
        return sum(1 for call in store.list_calls(30) if call["source"] == "twilio")


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=12000)
    parser.add_argument("--rate", type=float, default=2000.0, help="events handed over per second")
    parser.add_argument("--calls-at-once", type=int, default=1000, help="calls in progress together")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--busy-threads", type=int, default=4, help="request threads for the write under load")
    parser.add_argument("--busy-ms", type=float, default=1.0, help="Python work between their system calls")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-recorder-"), "SECRET_KEY": "bench",
                      "DATABASE_URL": args.database_url})
    if args.database_url:
        app.test_cli_runner().invoke(args=["db", "upgrade"])
    engine = store.get_engine(app)  # the schema is built before timing
    recorder = store.call_recorder(app)
    records_before = twilio_records(app)
    paced_run(recorder, call_events(600, args.calls_at_once), args.rate)  # warm-up: the writer thread, connections, statements
    in_request, total = [], []
    for _ in range(args.repeats):
        off_handing, off_total = paced_run(None, call_events(args.events, args.calls_at_once), args.rate)
        on_handing, on_total = paced_run(recorder, call_events(args.events, args.calls_at_once), args.rate)
        in_request.append((on_handing - off_handing) / args.events * 1e6)
        total.append((on_total - off_total) / args.events * 1e6)
    under_load = [busy_write(recorder, call_events(600, 100), args.busy_threads, args.busy_ms) for _ in range(3)]
    records = twilio_records(app) - records_before
    calls = (600 + args.events * args.repeats + 3 * 600) // (len(WEBHOOKS) + 1)
    print(f"database: {engine.dialect.name}; {args.events} events x {args.repeats} at {args.rate:.0f}/s")
    print(f"CPU per recorded event: in the request {statistics.median(in_request):.1f} µs, "
          f"in total {statistics.median(total):.1f} µs "
          f"(runs: {', '.join(f'{t:.1f}' for t in total)})")
    print(f"600 events handed over and written beside {args.busy_threads} request threads busy "
          f"{args.busy_ms:g} ms at a time: "
          f"{statistics.median(under_load) * 1000:.0f} ms (runs: {', '.join(f'{t * 1000:.0f}' for t in under_load)})")
    print(f"call-log records written: {records} (expected {calls}), lost: {recorder.lost}")
    store.shutdown(app)


if __name__ == "__main__":
    main()

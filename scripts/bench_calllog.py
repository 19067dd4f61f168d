"""Benchmark: what the call log costs a webhook, in-process, on the production path (signed requests).

Run: .venv/bin/python scripts/bench_calllog.py [--calls 300] [--rounds 4] [--database-url postgresql://...]
Each call is a whole lost-card call through the real webhooks (5 requests) and its status callback,
signed with X-Twilio-Signature as Twilio signs them. "Logged" calls come from a phone number, as
Twilio's do; "unlogged" ones from the browser phone's client name, which the call log skips. The two
alternate in rounds, so a slow stretch of the machine falls on both. Prints the median and p99 per
request of each, their difference (the call log's cost per webhook: one committed write to the spool),
the spool write alone (recorder.steps(), median), how long the shipper took to drain the spool after
the last reply, and the records written. Default database: SQLite in a temp folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twilio.request_validator import RequestValidator  # noqa: E402

from ivr import create_app, store  # noqa: E402

KEYS = ["1", "1234", "1", "2"]  # lost card: identity, security answer, cancel and replace
TOKEN = "bench-auth-token"
SIGNER = RequestValidator(TOKEN)


def signed_post(client, url: str, form: dict[str, str]):
    """POST `form` to `url` with Twilio's signature over the URL the test client serves."""
    signature = SIGNER.compute_signature(f"http://localhost{url}", form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": signature})


def whole_call(client, caller: str, latencies: list[float]) -> str:
    """One call from the welcome to hang-up, then the status callback; returns its CallSid."""
    sid = "CA" + uuid.uuid4().hex
    form = {"CallSid": sid, "From": caller, "To": "+15550199", "CallStatus": "in-progress"}
    url: str | None = "/voice/incoming"
    for key in [None, *KEYS]:
        started = time.perf_counter()
        reply = signed_post(client, url, form if key is None else {**form, "Digits": key})
        latencies.append(time.perf_counter() - started)
        gather = ET.fromstring(reply.data).find("Gather")
        if gather is None:
            break
        url = gather.get("action")
    signed_post(client, "/voice/status", {**form, "CallStatus": "completed", "CallDuration": "60"})
    return sid


def run(app, calls: int, caller: str) -> list[float]:
    """Latencies of every request over `calls` whole calls."""
    client = app.test_client()
    latencies: list[float] = []
    for _ in range(calls):
        whole_call(client, caller, latencies)
    return latencies


def spool_write_seconds(app, events: int = 5000) -> list[float]:
    """recorder.steps() alone, one call's steps per event, timed one by one."""
    recorder = store.call_recorder(app)
    steps = (("welcome", None), ("main", None))
    timed = []
    for number in range(events):
        sid = f"CA{number:032x}"
        started = time.perf_counter()
        recorder.steps(sid, steps)
        timed.append(time.perf_counter() - started)
    return timed


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls of each kind per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="bench-calllog-")
    app = create_app({"INSTANCE_PATH": instance, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench",
                      "TWILIO_AUTH_TOKEN": TOKEN, "SETTINGS": {"voice": {"hold_pause_seconds": 0}}})
    if args.database_url:
        app.test_cli_runner().invoke(args=["db", "upgrade"])
    store.get_engine(app)  # the SQLite schema is built before timing
    run(app, 20, "+15550100")  # warm-up (compiled replies, the shipper thread, connections)
    store.call_recorder(app).flush()
    timings: dict[str, list[float]] = {"unlogged": [], "logged": []}
    drained = []
    for _ in range(args.rounds):
        timings["unlogged"] += run(app, args.calls, "client:practice-phone")
        timings["logged"] += run(app, args.calls, "+15550100")
        started = time.perf_counter()
        store.call_recorder(app).flush(60)
        drained.append(time.perf_counter() - started)
    for label, latencies in (("unlogged (browser phone)", timings["unlogged"]), ("logged (Twilio)", timings["logged"])):
        ordered = sorted(latencies)
        print(f"{label:<26} {len(latencies)} requests: median {statistics.median(latencies) * 1000:.3f} ms, "
              f"p99 {ordered[int(0.99 * len(ordered))] * 1000:.3f} ms")
    cost = statistics.median(timings["logged"]) - statistics.median(timings["unlogged"])
    print(f"the call log's cost per webhook (difference of medians): {cost * 1000:.3f} ms")
    with app.app_context():
        found = [c for c in store.list_calls(30) if c["source"] == "twilio"]
    writes = spool_write_seconds(app)
    ordered = sorted(writes)
    print(f"spool write alone (recorder.steps): median {statistics.median(writes) * 1e6:.1f} µs, "
          f"p99 {ordered[int(0.99 * len(ordered))] * 1e6:.1f} µs")
    print(f"spool drained {statistics.median(drained) * 1000:.0f} ms (median) after each round's last reply")
    print(f"call-log records: {len(found)} (expected {args.calls * args.rounds + 20}), "
          f"lost: {store.call_recorder(app).lost}")
    store.shutdown(app)


if __name__ == "__main__":
    main()

"""Benchmark: webhook latency with the call log on, against the same calls unlogged, in-process.

Run: .venv/bin/python scripts/bench_calllog.py [--calls 300] [--database-url postgresql://...]
Each call is a whole lost-card call through the real webhooks (5 requests) and its status callback.
"Logged" calls come from a phone number, as Twilio's do; "unlogged" ones from the browser phone's
client name, which the call log skips. Prints median and p99 per request, how long the queue took
to drain after the last reply, and the records written. Default database: SQLite in a temp folder.
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

from ivr import create_app, store  # noqa: E402

KEYS = ["1", "1234", "1", "2"]  # lost card: identity, security answer, cancel and replace


def whole_call(client, caller: str, latencies: list[float]) -> str:
    """One call from the welcome to hang-up, then the status callback; returns its CallSid."""
    sid = "CA" + uuid.uuid4().hex
    form = {"CallSid": sid, "From": caller, "To": "+15550199", "CallStatus": "in-progress"}
    url: str | None = "/voice/incoming"
    for key in [None, *KEYS]:
        started = time.perf_counter()
        reply = client.post(url, data=form if key is None else {**form, "Digits": key})
        latencies.append(time.perf_counter() - started)
        gather = ET.fromstring(reply.data).find("Gather")
        if gather is None:
            break
        url = gather.get("action")
    client.post("/voice/status", data={**form, "CallStatus": "completed", "CallDuration": "60"})
    return sid


def run(app, calls: int, caller: str) -> list[float]:
    """Latencies of every request over `calls` whole calls."""
    client = app.test_client()
    latencies: list[float] = []
    for _ in range(calls):
        whole_call(client, caller, latencies)
    return latencies


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="bench-calllog-")
    app = create_app({"INSTANCE_PATH": instance, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench",
                      "SETTINGS": {"voice": {"hold_pause_seconds": 0}}})
    if args.database_url:
        app.test_cli_runner().invoke(args=["db", "upgrade"])
    store.get_engine(app)  # the SQLite schema is built before timing
    run(app, 20, "+15550100")  # warm-up (compiled replies, the writer thread, connections)
    store.call_recorder(app).flush()
    for label, caller in (("unlogged (browser phone)", "client:practice-phone"), ("logged (Twilio)", "+15550100")):
        latencies = run(app, args.calls, caller)
        drained = time.perf_counter()
        store.call_recorder(app).flush(60)
        drained = time.perf_counter() - drained
        ordered = sorted(latencies)
        print(f"{label:<26} {len(latencies)} requests: median {statistics.median(latencies) * 1000:.2f} ms, "
              f"p99 {ordered[int(0.99 * len(ordered))] * 1000:.2f} ms; queue drained {drained * 1000:.0f} ms later")
    with app.app_context():
        found = [c for c in store.list_calls(30) if c["source"] == "twilio"]
    print(f"call-log records: {len(found)} (expected {args.calls + 20}), lost: {store.call_recorder(app).lost}")
    store.shutdown(app)


if __name__ == "__main__":
    main()

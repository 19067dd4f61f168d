"""Load test: N concurrent simulated Twilio calls, each a whole call, against one or more servers.

Run: .venv/bin/python scripts/load_calls.py --calls 200 --concurrency 40 http://127.0.0.1:5001 http://127.0.0.1:5002

Each call posts like Twilio: /voice/incoming, then follows the TwiML (a <Redirect> is fetched, a
<Gather> answered with the next key, digits or words on the way to one of the line's endings) until
<Hangup>, then the status callback (CallStatus=completed, CallDuration). Requests go round robin
over the base URLs, so one call is served by several servers. It prints calls, errors, p50/p99
latency, and the records the database holds for these calls (`flask --app app calls list --json`,
with --database-url or DATABASE_URL).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.line import load_line  # noqa: E402
from ivr.line.practice_line import PracticeLine, Step  # noqa: E402

MAX_REQUESTS_PER_CALL = 60  # a call that has not hung up by then is an error, not a loop


class Servers:
    """Base URLs taken round robin, request by request, with a keep-alive connection per thread and server."""

    def __init__(self, bases: list[str], timeout: float):
        self.bases = [b.rstrip("/") for b in bases]
        self._next = itertools.cycle(range(len(self.bases)))
        self._lock = threading.Lock()
        self._local = threading.local()
        self.timeout = timeout
        self.latencies: list[float] = []

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
        """POST a Twilio-shaped form to the next server; (status, body)."""
        with self._lock:
            index = next(self._next)
        connections = self._local.__dict__.setdefault("connections", {})
        body = urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1",
                   "X-Twilio-Signature": "load-test"}
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: reconnect once
            connection = connections.get(index)
            if connection is None:
                parts = urlsplit(self.bases[index])
                connection = connections[index] = http.client.HTTPConnection(parts.hostname, parts.port,
                                                                             timeout=self.timeout)
            start = time.perf_counter()
            try:
                connection.request("POST", urlsplit(self.bases[index]).path + path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                connections.pop(index, None)
                if attempt == 2:
                    raise
                continue
            with self._lock:
                self.latencies.append(time.perf_counter() - start)
            return response.status, data
        raise AssertionError("unreachable")


def walks(line: PracticeLine) -> list[tuple[str, tuple[Step, ...]]]:
    """(ending node, the steps that reach it from the start) for every ending of the line."""
    paths = line.key_paths()
    found = [(node_id, paths[node_id]) for node_id, compiled in line.nodes.items()
             if compiled.kind == "end" and node_id in paths]
    if not found:
        raise SystemExit("The line has no reachable ending to call through.")
    return found


def answer(step: Step) -> dict[str, str]:
    """What a caller gives for a step: a key, digits, or a few words."""
    if step.key is not None:
        return {"Digits": step.key}
    if step.words:
        return {"SpeechResult": "Back Yard Burgers", "Confidence": "0.9"}
    return {"Digits": "1" * (step.digits or 4)}


def call(servers: Servers, steps: tuple[Step, ...]) -> tuple[str, str | None]:
    """One whole call; (CallSid, None) when it ended properly, else (CallSid, what went wrong)."""
    call_sid = "CA" + uuid.uuid4().hex
    base = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": call_sid,
            "CallStatus": "in-progress", "Direction": "inbound", "From": "+15550100", "To": "+15550199"}
    started = time.monotonic()
    path, extra, remaining = "/voice/incoming", {"CallStatus": "ringing"}, list(steps)
    try:
        for _ in range(MAX_REQUESTS_PER_CALL):
            status, body = servers.post(path, {**base, **extra})
            if status != 200:
                return call_sid, f"{path} answered {status}"
            root = ET.fromstring(body)
            if root.find("Hangup") is not None:
                break
            gather, redirect = root.find("Gather"), root.find("Redirect")
            if gather is not None and remaining:
                path, extra = gather.get("action"), answer(remaining.pop(0))
            elif redirect is not None:
                path, extra = redirect.text.strip(), {}
            else:
                return call_sid, f"{path} left the call with nowhere to go"
        else:
            return call_sid, f"no hang-up after {MAX_REQUESTS_PER_CALL} requests"
        duration = max(1, round(time.monotonic() - started))
        status, _body = servers.post("/voice/status", {**base, "CallStatus": "completed",
                                                       "CallDuration": str(duration)})
        return call_sid, None if status == 200 else f"/voice/status answered {status}"
    except (OSError, http.client.HTTPException, ET.ParseError) as error:
        return call_sid, f"{path}: {error}"


def records_found(database_url: str | None, call_sids: list[str]) -> str:
    """How many of these calls the database holds, asked through `flask calls list --json`."""
    if not database_url:
        return "unavailable (give --database-url or set DATABASE_URL to count the call log)"
    # The servers ship their spools within a second or so: look a few times. This process's own spool is
    # a throwaway one (never this checkout's instance/, whose events are not the benchmark's).
    with tempfile.TemporaryDirectory(prefix="practice-line-load-") as folder:
        env = {**os.environ, "DATABASE_URL": database_url, "CALL_LOG_SPOOL": str(Path(folder, "spool.sqlite"))}
        for _look in range(10):
            listed = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "calls", "list", "--json"],
                                    cwd=ROOT, env=env, capture_output=True, text=True)
            if listed.returncode != 0:
                return f"unavailable (calls list --json failed: {listed.stderr.strip()[-300:]})"
            calls = {entry["id"]: entry for entry in json.loads(listed.stdout) if entry.get("source") == "twilio"}
            ours = [calls[_call_id(sid)] for sid in call_sids if _call_id(sid) in calls]
            if len(ours) == len(call_sids) and all(entry.get("duration") for entry in ours):
                break
            time.sleep(1)
    with_duration = sum(1 for entry in ours if entry.get("duration"))
    return f"{len(ours)} of {len(call_sids)} calls ({with_duration} with their duration)"


def _call_id(call_sid: str) -> str:
    try:
        from ivr.store.recorder import call_hash
    except ImportError:  # a store without a call log: the id is the hash it would use
        return hashlib.sha256(f"practice-line call {call_sid}".encode()).hexdigest()[:32]
    return call_hash(call_sid)


def percentile(samples: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    """Run the calls and print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_urls", nargs="+", metavar="URL", help="servers, e.g. http://127.0.0.1:5000")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request (Twilio's limit)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to let the servers write the log")
    args = parser.parse_args()
    line = load_line(ROOT / "config", ROOT / "prompts")
    endings = walks(line)
    servers = Servers(args.base_urls, args.timeout)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        results = list(pool.map(lambda i: call(servers, endings[i % len(endings)][1]), range(args.calls)))
    elapsed = time.perf_counter() - started
    errors = [(sid, problem) for sid, problem in results if problem]
    ms = [s * 1000 for s in servers.latencies]
    print(f"servers: {', '.join(servers.bases)} (round robin per request)")
    print(f"calls: {args.calls} from {args.concurrency} concurrent callers in {elapsed:.1f} s, "
          f"{len(ms)} requests ({len(ms) / elapsed:.0f}/s)")
    print(f"errors: {len(errors)}")
    for sid, problem in errors[:10]:
        print(f"  {sid}: {problem}")
    if ms:
        print(f"latency: p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
              f"max {max(ms):.1f} ms")
    time.sleep(args.settle if args.database_url else 0)  # the call log is written behind the replies
    print(f"records found: {records_found(args.database_url, [sid for sid, _ in results])}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

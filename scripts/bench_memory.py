"""Benchmark: a gunicorn worker's memory (VmRSS) after 1,000 Twilio-shaped webhooks (goal: 80 MB or less).

Run: .venv/bin/python scripts/bench_memory.py [--requests 1000] [--workers 1]
Starts gunicorn with gunicorn.conf.py on a free loopback port (TWILIO_AUTH_TOKEN set), posts the signed,
call-shaped webhook mix of bench_load.sh, then reads /proc/<pid>/status of each worker; stops the server at the end.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.bench.load import twilio_mix  # noqa: E402
from scripts.bench.servers import gunicorn, scratch_database  # noqa: E402
from scripts.bench.twilio_mix import AUTH_TOKEN, headers  # noqa: E402

GOAL_MB = 80


def memory_kb(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in kB (VmRSS, VmHWM, RssAnon...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def workers_of(master: int) -> list[int]:
    """The process ids whose parent is `master` (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.append(int(stat.parent.name))
    return sorted(found)


def main() -> None:
    """Serve, post the webhooks, print each worker's memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with scratch_database() as database, tempfile.TemporaryDirectory() as tmp, \
            gunicorn("app:app", env={"WEB_CONCURRENCY": str(args.workers), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                                     **database}) as (base, process):
        mix = twilio_mix(database["SECRET_KEY"], Path(tmp))
        workers = workers_of(process.pid)
        before = {pid: memory_kb(pid, "VmRSS") for pid in workers}
        host = urlsplit(base)
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        for i in range(args.requests):
            webhook = mix[i % len(mix)]
            path, fields = webhook.path, webhook.form(i)
            connection.request("POST", path, body=urlencode(fields), headers=headers(base, path, fields))
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
        connection.close()
        print(f"gunicorn master {process.pid}: VmRSS {memory_kb(process.pid, 'VmRSS') / 1024:.1f} MB")
        worst = 0.0
        for pid in workers:
            rss = memory_kb(pid, "VmRSS") / 1024
            worst = max(worst, rss)
            print(f"worker {pid}: VmRSS {before[pid] / 1024:.1f} MB at start, {rss:.1f} MB after "
                  f"{args.requests} webhooks (peak {memory_kb(pid, 'VmHWM') / 1024:.1f} MB, "
                  f"of which private {memory_kb(pid, 'RssAnon') / 1024:.1f} MB)")
    print(f"largest worker: {worst:.1f} MB (goal: at most {GOAL_MB} MB)")


if __name__ == "__main__":
    main()

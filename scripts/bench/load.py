"""Webhook throughput under gunicorn against a bare Flask app, in alternating windows (see bench_load.sh).

Run: .venv/bin/python -m scripts.bench.load [--rounds 1] [--seconds 5] [--repeats 3] [--connections 50]
     [--worker-classes gthread,sync]

Both servers run with TWILIO_AUTH_TOKEN set and every request is signed as Twilio signs it, for the
address it is sent to (scripts/bench/twilio_mix.py); the mix is shaped like calls, half of it desk turns.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path

from .servers import free_port, gunicorn, scratch_database
from .twilio_mix import AUTH_TOKEN, call_shaped, desk_webhooks, lua, menu_webhooks

LINE_APP, BARE_APP = "app:app", "scripts.bench.bare_app:app"


def server_cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by every process of the process group `group` (gunicorn's),
    with its ended processes: a worker gunicorn replaces (max_requests) counts in its master's children.

    The master is read last: a worker reaped while the others are read is then counted twice for a
    moment, never lost (a lost worker made the figure nonsense)."""
    clock = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in sorted(Path("/proc").glob("[0-9]*/stat"), key=lambda path: path.parent.name == str(group)):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # pgrp; then utime, stime, and the reaped children's cutime, cstime
            total += sum(int(value) for value in fields[11:15])
    return total / clock


def wrk(base: str, script: Path, seconds: int, connections: int, threads: int) -> tuple[float, int]:
    """(requests per second, requests) wrk reaches against `base`; RuntimeError if any request failed."""
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} requests failed against {base}:\n{out}")
    if errors and re.search(r"(read|write|timeout) [1-9]", errors.group(0)):
        print(f"  note: {errors.group(0)}")
    return float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)), int(re.search(r"(\d+) requests in", out).group(1))


def measure_round(args, worker_class: str) -> dict[str, tuple[float, float]]:
    """Serve the line and the bare app side by side with `worker_class` workers, warm both up, then measure
    them in alternating windows (line, bare, bare, line, ...) `repeats` times each, and keep each app's best
    window (the one the rest of the machine disturbed least): {app: (requests/s, requests per server CPU second)}.

    Alternating means a slower stretch of the machine (other work, a busy neighbor) falls on both
    apps alike, rather than on whichever was being measured then.
    RuntimeError if a server logged an error: a fast apology is no answer."""
    apps = (LINE_APP, BARE_APP)
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        # The same settings for both; the bare app has no database and ignores it.
        database = stack.enter_context(scratch_database())
        env = {"WEB_CONCURRENCY": str(args.workers), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "GUNICORN_CMD_ARGS": f"--worker-class {worker_class}", **database}
        mix = twilio_mix(database["SECRET_KEY"], Path(tmp))
        logs = {app: stack.enter_context(tempfile.TemporaryFile("w+")) for app in apps}
        ports = {app: free_port() for app in apps}
        servers = {app: stack.enter_context(gunicorn(app, port=ports[app], env=env, log=logs[app])) for app in apps}
        scripts = {}
        for app, (base, _process) in servers.items():
            scripts[app] = Path(tmp, f"{ports[app]}.lua")
            scripts[app].write_text(lua(mix, base))  # signed for the address wrk sends to
            wrk(base, scripts[app], 1, args.connections, args.threads)
        best = {app: (0.0, 0.0) for app in apps}
        for repeat in range(args.repeats):
            for app in (apps if repeat % 2 == 0 else apps[::-1]):
                base, process = servers[app]
                cpu = server_cpu_seconds(process.pid)
                rate, done = wrk(base, scripts[app], args.seconds, args.connections, args.threads)
                used = server_cpu_seconds(process.pid) - cpu
                best[app] = max(best[app], (rate, done / used if used > 0 else float("nan")))
        for app, log in logs.items():
            log.seek(0)
            check_log(app, log.read())
    return best


def twilio_mix(secret_key: str, folder: Path) -> list:
    """The call-shaped mix, its desk states signed with `secret_key` (the servers' own)."""
    from ivr import create_app, store

    app = create_app({"SECRET_KEY": secret_key, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "INSTANCE_PATH": str(folder),
                      "DATABASE_URL": f"sqlite:///{folder / 'walk.sqlite'}",
                      "SETTINGS": {"voice": {"hold_pause_seconds": 0}}})
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    try:
        return call_shaped(menu_webhooks(app.extensions["practice_line"].line), desk_webhooks(app))
    finally:
        store.shutdown(app)


def check_log(app: str, text: str) -> None:
    """Fail on any error the server logged; count what the call log could not record."""
    errors = [line for line in text.splitlines()
              if " ERROR " in line or "[ERROR]" in line or line.startswith("Traceback")]
    if errors:
        raise RuntimeError(f"{app} logged {len(errors)} errors under load, the first: {errors[0]}")
    lost = text.count("call log: not recorded")
    if lost:
        print(f"  note: {app} logged {lost} call-log lines about events not recorded")


def main() -> None:
    """Measure the line and the bare app back to back, `rounds` times per worker class, and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk window")
    parser.add_argument("--repeats", type=int, default=3, help="wrk windows per app and round; the best counts")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY) for both")
    parser.add_argument("--worker-classes", default="gthread,sync", help="gunicorn worker classes to compare")
    args = parser.parse_args()
    print(f"wrk: {args.connections} connections, best of {args.repeats} x {args.seconds} s windows, the two apps' "
          f"windows alternating; Twilio-shaped calls, every request signed (TWILIO_AUTH_TOKEN set on both); "
          f"gunicorn.conf.py with {args.workers} workers for both")
    for worker_class in args.worker_classes.split(","):
        ratios = []
        for round_no in range(1, args.rounds + 1):
            best = measure_round(args, worker_class)
            (line, line_cpu), (bare, bare_cpu) = best[LINE_APP], best[BARE_APP]
            ratios.append(line / bare)
            print(f"{worker_class:<8} round {round_no}: Practice Line {line:7.0f} req/s   bare Flask {bare:7.0f} req/s   "
                  f"ratio {line / bare:.2f}   (per server CPU second: {line_cpu:.0f} / {bare_cpu:.0f} = "
                  f"{line_cpu / bare_cpu:.2f})", flush=True)
        print(f"{worker_class:<8} ratio: " + ", ".join(f"{r:.2f}" for r in ratios) + "  (goal: at least 0.80)")
    print("The per-CPU-second ratio leaves out whatever else the machine runs meanwhile.")


if __name__ == "__main__":
    main()

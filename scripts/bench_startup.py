"""Benchmark: start-up. `python -c "from app import app"` in fresh processes, against issue 9's 0.5 s goal.

Run: .venv/bin/python scripts/bench_startup.py [--runs 7] [--bytecode warm|none|both] [--python PATH]
Each run is a new interpreter in the project root (the project's .venv python unless --python says
otherwise). Prints every run's wall time, the median and the max against the goal, the median CPU
time (which a busy machine does not inflate), then the import timed from inside the process (what a
server waits for, without the interpreter's start and exit), then the ten biggest cumulative entries
of `python -X importtime`.
Bytecode: "warm" lets Python write and read the project's __pycache__ (after one untimed run);
"none" sets PYTHONDONTWRITEBYTECODE=1 and moves the project's __pycache__ folders aside meanwhile (they
are put back), so every project module is compiled from source, as on a machine that sets
PYTHONDONTWRITEBYTECODE. Installed packages keep their own bytecode either way.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.5  # seconds, issue 9
STATEMENT = "from app import app"
TIMED_STATEMENT = "import time; t = time.perf_counter(); from app import app; print(time.perf_counter() - t)"
MODES = {"warm": "warm bytecode (the project's __pycache__ written and read)",
         "none": "no project bytecode (PYTHONDONTWRITEBYTECODE=1, its __pycache__ moved aside)"}
IMPORTTIME_ROW = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per measurement (default 7)")
    parser.add_argument("--bytecode", choices=("warm", "none", "both"), default="both",
                        help="with the project's bytecode cache, without it, or both (default)")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"),
                        help="the interpreter to measure (default: the project's .venv)")
    args = parser.parse_args()
    modes = ("warm", "none") if args.bytecode == "both" else (args.bytecode,)
    for mode in modes:
        with bytecode(mode, args.python) as env:
            print(f"== {MODES[mode]}: python -c {STATEMENT!r}, {args.runs} fresh processes ==")
            walls, cpus = zip(*(timed(args.python, env) for _ in range(args.runs)))
            print("runs:   " + " ".join(f"{w:.3f}" for w in walls))
            median, worst = statistics.median(walls), max(walls)
            print(f"median: {median:.3f} s   max: {worst:.3f} s   goal: {GOAL} s -> "
                  f"{'met' if median <= GOAL else 'MISSED'} (median), {'met' if worst <= GOAL else 'missed'} (max)")
            # On a shared machine the wall time includes waiting for a core; the CPU time does not.
            print(f"CPU time (user + system): median {statistics.median(cpus):.3f} s")
            inside = [float(run(args.python, env, TIMED_STATEMENT).stdout) for _ in range(args.runs)]
            print(f"the import alone, timed inside the process: median {statistics.median(inside):.3f} s\n")
    with bytecode(modes[0], args.python) as env:
        print(f"== top 10 cumulative imports (python -X importtime, {MODES[modes[0]]}; microseconds) ==")
        stderr = run(args.python, env, STATEMENT, "-X", "importtime").stderr
        rows = [(int(m[2]), int(m[1]), m[4]) for m in map(IMPORTTIME_ROW.match, stderr.splitlines()) if m]
        print(f"{'cumulative':>10} {'self':>8}  module")
        for cumulative, own, module in sorted(rows, reverse=True)[:10]:
            print(f"{cumulative:>10} {own:>8}  {module}")


@contextmanager
def bytecode(mode: str, python: str):
    """The environment for `mode` ("warm" or "none"), with the project's __pycache__ set up to match."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if mode == "warm":
        run(python, env)  # untimed: writes any missing or stale bytecode
        yield env
        return
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # app.py's and the ivr package's; .venv keeps its bytecode.
    caches = [p for p in [ROOT / "__pycache__", *(ROOT / "ivr").rglob("__pycache__")] if p.is_dir()]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as aside:
        moved = []
        try:
            for i, cache in enumerate(caches):
                target = Path(aside, str(i))
                shutil.move(cache, target)
                moved.append((target, cache))
            yield env
        finally:
            for target, cache in moved:
                if not cache.exists():
                    shutil.move(target, cache)


def timed(python: str, env: dict) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one fresh `python -c STATEMENT`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run(python, env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def run(python: str, env: dict, statement: str = STATEMENT, *options: str) -> subprocess.CompletedProcess:
    """One fresh interpreter running `statement` in the project root; stops the script if it fails."""
    done = subprocess.run([python, *options, "-c", statement], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{python} -c {statement!r} failed:\n{done.stderr}")
    return done


if __name__ == "__main__":
    main()

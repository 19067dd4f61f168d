"""Several servers, one database: gunicorn servers sharing a throwaway PostgreSQL, driven by load_calls.py.

Run: .venv/bin/python scripts/bench_servers.py [--servers 2] [--calls 200] [--concurrency 40]

Starts a PostgreSQL cluster on a free port (Debian's server, as the postgres user, like the tests),
runs `flask db upgrade` on it, starts the servers on free loopback ports with the same DATABASE_URL
and SECRET_KEY, runs scripts/load_calls.py over all of them, and stops everything at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from scripts.bench.servers import gunicorn  # noqa: E402

try:
    from pgcluster import PostgresCluster, server_bin  # the tests' throwaway cluster (tests/pgcluster.py)
except ImportError:  # a checkout from before the PostgreSQL store
    PostgresCluster = server_bin = None


def main() -> None:
    """Start the database and the servers, run the calls, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--log", type=Path, help="write the servers' logs to this file")
    args = parser.parse_args()
    if server_bin is None:
        raise SystemExit("tests/pgcluster.py is missing: this checkout has no PostgreSQL store yet.")
    bin_dir = server_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL's server is not installed (Debian: postgresql); ./scripts/test.sh installs it.")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.start()
        env = {"DATABASE_URL": cluster.url, "SECRET_KEY": secrets.token_hex(32), "WEB_CONCURRENCY": str(args.workers)}
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, check=True,
                       env={**os.environ, **env})
        with ExitStack() as stack:
            log = stack.enter_context(args.log.open("w")) if args.log else None
            spools = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="practice-line-spools-")))
            # Each server its own call-log spool, as on its own machine (never this checkout's instance/).
            bases = [stack.enter_context(gunicorn("app:app", env={**env, "CALL_LOG_SPOOL": str(spools / f"{n}.sqlite")},
                                                  log=log))[0] for n in range(args.servers)]
            print(f"PostgreSQL on port {cluster.port}; {args.servers} gunicorn servers with {args.workers} workers each")
            done = subprocess.run([sys.executable, str(ROOT / "scripts" / "load_calls.py"), "--calls", str(args.calls),
                                   "--concurrency", str(args.concurrency), "--database-url", cluster.url, *bases],
                                  cwd=ROOT, env={**os.environ, **env})
        if done.returncode:
            raise SystemExit(done.returncode)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()

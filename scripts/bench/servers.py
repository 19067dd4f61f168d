"""Start gunicorn on a free loopback port for a benchmark, and stop it again."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers (any HTTP status); RuntimeError if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, data=b"", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered {url} within {seconds:.0f} s")


@contextmanager
def scratch_database():
    """A new SQLite database in a temporary folder, at the newest schema; yields the environment that
    points the app at it (DATABASE_URL, CALL_LOG_SPOOL, and the SECRET_KEY a database URL asks for).

    A benchmark posts thousands of Twilio-shaped calls: they go here, not into this machine's call log.
    """
    with tempfile.TemporaryDirectory(prefix="practice-line-bench-") as folder:
        env = {"DATABASE_URL": f"sqlite:///{Path(folder, 'bench.sqlite')}", "SECRET_KEY": secrets.token_hex(16),
               # and the call log's spool beside it: nothing left unshipped reaches this machine's call log later
               "CALL_LOG_SPOOL": str(Path(folder, "call-log-spool.sqlite"))}
        subprocess.run([PYTHON, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env={**os.environ, **env},
                       check=True, stdout=subprocess.DEVNULL)
        yield env


@contextmanager
def gunicorn(app: str, port: int | None = None, env: dict[str, str] | None = None, probe: str = "/voice/status",
             log=None):
    """Serve the WSGI `app` ("module:name") with gunicorn.conf.py on 127.0.0.1; yields (base URL, process).

    The server's log goes to `log` (a file), else nowhere."""
    port = port or free_port()
    environment = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), **(env or {})}
    process = subprocess.Popen([PYTHON, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), app],
                               cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                               stderr=log if log is not None else subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + probe, process=process)
        yield base, process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn (and its workers) gracefully, then for sure."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

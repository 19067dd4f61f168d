"""Running it: `python app.py` serves on HOST and PORT (default 127.0.0.1:5000)."""

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(command, cwd, env):
    """Start `command` in its own process group; the caller stops it."""
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def wait_for(url: str, process, seconds: float = 30) -> int:
    """Poll `url` until it answers; the HTTP status."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return reply.status
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing answered at {url}")


def stop(process) -> str:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
    return out


def test_app_py_listens_on_host_and_port(project_copy):
    # scripts/run.sh (gunicorn) on HOST and PORT: tests/test_serve.py.
    root, env = project_copy
    port = free_port()
    process = serve([str(root / ".venv/bin/python"), "app.py"], root,
                    {**env, "HOST": "127.0.0.1", "PORT": str(port), "SECRET_KEY": "test"})
    try:
        assert wait_for(f"http://127.0.0.1:{port}/phone", process) == 200
    finally:
        out = stop(process)
    assert f"Running on http://127.0.0.1:{port}" in out


def test_app_py_defaults_to_127_0_0_1_port_5000(project_copy):
    root, env = project_copy
    probe = ("import app, os; os.environ.pop('HOST', None); os.environ.pop('PORT', None); "
             "print(app.address())")
    result = subprocess.run([str(root / ".venv/bin/python"), "-c", probe], cwd=root, env={**env, "SECRET_KEY": "t"},
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "('127.0.0.1', 5000)", result.stderr


@pytest.mark.parametrize("port", ["http", "0", "70000", "-1"])
def test_a_wrong_port_is_refused_with_a_message(project_copy, port):
    root, env = project_copy
    result = subprocess.run([str(root / ".venv/bin/python"), "app.py"], cwd=root,
                            env={**env, "PORT": port, "SECRET_KEY": "t"}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"PORT must be a port number from 1 to 65535, not '{port}'." in result.stderr

"""./scripts/run.sh serves the line with gunicorn on HOST and PORT (a real server on a free loopback port)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, data: bytes = b"CallSid=CA1") -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


@pytest.fixture
def offline_config(tmp_path):
    """The real config, with the offline voice, so run.sh's audio build never reaches Google."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    settings = config / "settings.yaml"
    text = settings.read_text()
    assert "  engine: gtts\n" in text
    settings.write_text(text.replace("  engine: gtts\n", "  engine: espeak\n"))
    return config


def test_run_sh_serves_the_line_with_gunicorn_on_host_and_port(project_copy, offline_config, audio_dir, tmp_path):
    # In a copy of the project (conftest's project_copy): its own instance/, nothing installed from a test.
    root, clean = project_copy
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {**clean, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1",
           "PRACTICE_LINE_CONFIG_DIR": str(offline_config), "PRACTICE_LINE_AUDIO_DIR": str(audio_dir),
           "HOME": str(home)}
    env.pop("DATABASE_URL", None)
    env.pop("XDG_RUNTIME_DIR", None)
    log = (tmp_path / "run.log").open("w+")
    server = subprocess.Popen([str(root / "scripts" / "run.sh")], cwd=root, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # setup.sh checks every package first
        while True:
            assert server.poll() is None, f"run.sh exited with {server.returncode}:\n{log_text(log)}"
            try:
                status, content_type, body = post(f"http://127.0.0.1:{port}/voice/incoming")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, f"nothing answered on port {port}:\n{log_text(log)}"
                time.sleep(0.25)
        assert (status, content_type) == (200, "text/xml; charset=utf-8")
        assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Gather') and '<Play>' in body
        assert f"http://127.0.0.1:{port}/audio/" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/phone", timeout=5) as page:
            assert page.status == 200
        assert "gunicorn" in log_text(log) and f"Listening at: http://127.0.0.1:{port}" in log_text(log)
        assert re.search(r"^Database sqlite:///\S+/practice-line\.sqlite: (upgraded from|already at)", log_text(log),
                         re.MULTILINE), "run.sh did not run flask db upgrade"
        # gunicorn makes no control socket, in ~/.gunicorn/ or anywhere else outside the project.
        assert not (home / ".gunicorn").exists() and list(home.rglob("*.ctl")) == []
        assert "control socket" not in log_text(log).lower()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def log_text(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()

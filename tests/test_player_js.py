"""Runs the TwiML player's verb-level tests (tests/js/, Node's own test runner) under pytest."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS_TESTS = Path(__file__).parent / "js"


def test_twiml_player_verbs():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: run ./scripts/test.sh, which installs Debian's nodejs")
    files = sorted(str(f) for f in JS_TESTS.glob("*.test.mjs"))  # named, not a folder: Node 18 to 22 agree
    result = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
    declared = sum(len(re.findall(r"^test\(", Path(f).read_text(), re.M)) for f in files)
    assert declared >= 20
    assert f"# pass {declared}\n" in result.stdout  # every declared test ran and passed

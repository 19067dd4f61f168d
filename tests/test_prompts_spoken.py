"""Every prompt is written to be spoken: grouped numbers, no abbreviations; flows check finds missing and unused ones."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT

pytestmark = pytest.mark.shared_app  # its tests only call the app: they share one (conftest.py)

UNSPEAKABLE = [
    (re.compile(r"\d{3,}"), "a run of three or more digits (group them the way people say them)"),
    (re.compile(r"[A-Za-z]\.[A-Za-z]"), "a dotted abbreviation or address (P.O., e.g., .com)"),
    (re.compile(r"\b(?!I\b)[A-Z]{2,}\b"), "capitals an engine may spell out or misread"),
    (re.compile(r"[&/%$#@*+=<>{}\[\]]"), "a symbol (say it in words)"),
    (re.compile(r"\b(etc|approx|dept|min|hrs|no|st|dr|ave|acct)\.", re.I), "an abbreviation"),
]


def test_every_spoken_text_reads_aloud_cleanly(line):
    problems = []
    for text, prompt_id in line.spoken().items():
        # "plus 1, 6 2 3" is how a + number is read; the symbol itself never reaches the engine.
        for pattern, why in UNSPEAKABLE:
            if pattern.search(text):
                problems.append(f"{prompt_id}: {why}: {text!r}")
    assert problems == []


def test_every_spoken_text_is_short_enough_for_one_say(line):
    assert max(len(text) for text in line.spoken()) < 400  # Twilio allows 4,096; callers need less


@pytest.fixture
def prompts_copy(tmp_path):
    folder = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", folder)
    return folder


def test_flows_check_warns_about_an_unused_prompt(runner, prompts_copy):
    (prompts_copy / "nobody-says-this.txt").write_text("Nobody says this.\n")
    result = runner.invoke(args=["flows", "check", "--prompts", str(prompts_copy)])
    assert result.exit_code == 0
    assert f"warning: {prompts_copy / 'nobody-says-this.txt'}: prompt 'nobody-says-this' is not used by any node" \
        in result.output


def test_flows_check_fails_on_a_missing_prompt(runner, prompts_copy):
    (prompts_copy / "disclaimer.txt").unlink()
    result = runner.invoke(args=["flows", "check", "--prompts", str(prompts_copy)])
    assert result.exit_code == 1
    assert f"node welcome: missing prompt 'disclaimer' (expected {prompts_copy / 'disclaimer.txt'})" in result.output

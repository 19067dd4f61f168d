"""The terminal practice call: `flask --app app practice`."""

import re
import subprocess

import pytest


def test_scripted_call_walks_to_the_end_and_hangs_up(runner, line):
    result = runner.invoke(args=["practice", "--keys", "1 1234 1 2"])
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("Practice Line: a simulator.")
    assert f"  {line.text('disclaimer')}" in out
    assert "> pressed 1\n" in out and "> pressed 1234\n" in out
    assert f"  {line.text('security-answer-right')}" in out
    assert f"  {line.text('end-lost-card')}" in out
    assert out.rstrip().endswith("(the line hangs up)")
    # The reference number is read digit by digit and shown on one line, ready to write down.
    lines = out.splitlines()
    number = lines[lines.index(f"  {line.text('reference-intro')}") + 1]
    assert re.fullmatch(r"  (\d ){7}\d", number), number


def test_spoken_answers_and_silence(runner, line):
    result = runner.invoke(args=["practice", "--keys", '"I want to dispute a charge" - 0'])
    out = result.output
    assert '> said "I want to dispute a charge"' in out
    assert "(silence)" in out
    assert f"  {line.text('no-input')}" in out
    assert f"  {line.text('representative-hold')}" in out
    # The answers ran out at the representative: the caller hangs up.
    assert out.rstrip().endswith("(you hung up)")


def test_start_at_a_chosen_node(runner, line):
    result = runner.invoke(args=["practice", "--start", "abroad", "--keys", "2"])
    lines = result.output.splitlines()
    assert lines[1] == f"  {line.text('abroad-numbers')}"
    assert f"  {line.text('end-goodbye')}" in lines


@pytest.mark.parametrize("keys", ['"unclosed', "i'm lost"])
def test_keys_with_an_open_quote_are_refused_before_the_call_starts(runner, line, keys):
    result = runner.invoke(args=["practice", "--keys", keys])
    assert result.exit_code == 2
    assert "Invalid value for --keys: No closing quotation: quote each spoken answer whole" in result.output
    assert line.text("welcome") not in result.output  # refused before the call began, not halfway through


def test_an_unknown_start_node_is_a_usage_error(runner):
    result = runner.invoke(args=["practice", "--start", "bogus"])
    assert result.exit_code == 2
    assert "Invalid value for --start: no menu node 'bogus' (`flask --app app flows map` shows them all)" in result.output


def test_interactive_call_reads_typed_answers(runner, line):
    result = runner.invoke(args=["practice"], input="agent\n2\n")
    assert f"  {line.text('representative-greeting')}" in result.output
    assert f"  {line.text('desk-goodbye')}" in result.output  # 2: "that's all" at the desk
    assert result.output.rstrip().endswith("(the line hangs up)")


def test_the_script_wrapper_runs_the_same_command(project_copy):
    # In a copy of the project: the real .venv and instance/ are never touched, nothing is installed.
    root, env = project_copy
    result = subprocess.run(["bash", "scripts/practice.sh", "--keys", "0 2"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Thank you for holding. My name is Jordan" in result.stdout
    assert (root / "instance" / "secret_key").exists()  # its instance folder is the copy's own


def test_terminal_practice_works_when_twilio_signatures_are_required(make_app, line):
    guarded = make_app(TWILIO_AUTH_TOKEN="12345678901234567890123456789012")
    assert guarded.test_client().post("/voice/incoming").status_code == 403  # unsigned callers are refused
    result = guarded.test_cli_runner().invoke(args=["practice", "--keys", "0 2"])
    assert f"  {line.text('representative-greeting')}" in result.output
    assert line.text("not-verified") not in result.output

"""config/reasons.yaml: loaded at start-up, checked against flows.yaml and contacts.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import copy_config
from ivr import ConfigError, create_app
from ivr.line.practice_line import Step

ROOT = Path(__file__).resolve().parent.parent

REASON_NODES = {
    "lost-card": "lost-card", "dispute": "dispute", "rewards": "rewards", "payments": "payments",
    "personal-info": "personal-info", "benefits": "benefits", "applications": "applications",
    "complaint": "complaint", "damaged-card": "damaged-card", "security-code": "security-code",
}


def test_every_reason_names_its_branch_of_the_flow(app):
    book = app.extensions["practice_line"].reasons
    assert {rid: r.node for rid, r in book.reasons.items()} == REASON_NODES


def test_shortcuts_are_the_flow_key_paths_worked_out_at_start_up(app, line):
    book = app.extensions["practice_line"].reasons
    assert book.shortcuts == {rid: line.key_paths()[node] for rid, node in REASON_NODES.items()}
    assert book.shortcuts["lost-card"] == (Step(key="1"),)
    assert book.shortcuts["damaged-card"] == (Step(key="#"), Step(key="1"))
    assert book.shortcuts["security-code"] == (Step(key="#"), Step(key="2"))


def test_placeholders_are_filled_from_contacts(app):
    book = app.extensions["practice_line"].reasons.file
    assert book.faq["abroad"].answer.startswith(
        "There are international numbers that accept collect calls - +1-623-492-5450 for card members, "
        "+1-623-492-3932 for corporate card members.")
    assert book.channels["online"].steps[0] == "Go to americanexpress.com and log in with your User ID and password."
    assert "{" not in yaml.safe_dump(book.model_dump())


def test_faq_answers_that_show_a_number_are_known(app):
    book = app.extensions["practice_line"].reasons
    assert book.faq_with_numbers == {"abroad"}


def test_security_code_is_on_the_front(app):
    book = app.extensions["practice_line"].reasons.file
    why = book.reasons["security-code"].why
    assert "4-digit Card Identification Number (CID), printed on the front, above the card number" in why
    assert "not on the back" in book.faq["security-code"].answer


# --- A broken reasons file stops start-up, naming the file and the reason ---

@pytest.fixture
def config_copy(tmp_path):
    """A copy of config/ to break; returns (folder, edit) where edit(fn) rewrites reasons.yaml."""
    folder, _path, edit = copy_config(tmp_path, "reasons.yaml")
    return folder, edit


def _problems(folder: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        create_app({"TESTING": True, "CONFIG_DIR": folder, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    return caught.value.problems


BROKEN = [
    ("unknown node",
     lambda d: d["reasons"]["dispute"].update(node="disputes"),
     "reason dispute: node 'disputes' is not a node in flows.yaml"),
    ("misspelt field",
     lambda d: d["reasons"]["rewards"].update(color="blue"),
     "reason rewards, color: Extra inputs are not permitted"),
    ("missing opener",
     lambda d: d["reasons"]["payments"].pop("opener"),
     "reason payments, opener: Field required"),
    ("bad reason id",
     lambda d: d["reasons"].update({"Lost Card": d["reasons"]["lost-card"]}),
     "reason Lost Card, [key]: String should match pattern"),
    ("unknown channel",
     lambda d: d["reasons"]["benefits"].update(best="fax"),
     "reason benefits: unknown channel 'fax'"),
    ("unknown item",
     lambda d: d["reasons"]["complaint"]["gather"].append("passport"),
     "reason complaint: unknown item 'passport'"),
    ("unknown faq",
     lambda d: d["reasons"]["damaged-card"]["faq"].append("nope"),
     "reason damaged-card: unknown FAQ answer 'nope'"),
    ("unknown placeholder",
     lambda d: d["reasons"]["lost-card"].update(why="Call {platinum_us} now."),
     "reason lost-card, why: unknown placeholder {platinum_us}"),
    ("unknown contacts line",
     lambda d: d["cards"]["corporate"].update(line="business"),
     "cards.corporate: unknown contacts line 'business'"),
    ("a reason that forgets the card",
     lambda d: d["reasons"]["complaint"]["gather"].remove("card"),
     "reason complaint: gather must list exactly one of card_items (card-elsewhere, card-code, card, card-if-any), not 0"),
    ("unknown card item",
     lambda d: d["card_items"].append("wallet"),
     "card_items: unknown item 'wallet'"),
    ("escalation node",
     lambda d: d["escalation"][1].update(node="manager"),
     "escalation[1]: node 'manager' is not a reachable node in flows.yaml"),
]


@pytest.mark.parametrize("change, expected", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_reasons_file_stops_start_up(config_copy, tmp_path, change, expected):
    folder, edit = config_copy
    edit(change)
    problems = _problems(folder, tmp_path)
    assert any(p.startswith(f"{folder / 'reasons.yaml'}: ") and expected in p for p in problems), problems


def test_node_with_no_key_path_is_refused(line, monkeypatch):
    # A node reached only by a global key or a failure has no shortcut to print, so it cannot be a reason's.
    from ivr.checklist.reasons import load_reasons
    from ivr.line.practice_line import PracticeLine

    paths = {k: v for k, v in line.key_paths().items() if k != "complaint"}
    monkeypatch.setattr(PracticeLine, "key_paths", lambda self: paths)
    path = ROOT / "config" / "reasons.yaml"
    with pytest.raises(ConfigError) as caught:
        load_reasons(path, line)
    assert caught.value.problems == [
        f"{path}: reason complaint: node 'complaint' cannot be reached by keys from the start"]


def test_flows_check_reports_a_broken_reasons_file(config_copy, runner):
    folder, edit = config_copy
    edit(lambda d: d["reasons"]["dispute"].update(node="disputes"))
    result = runner.invoke(args=["flows", "check", "--config", str(folder)])
    assert result.exit_code == 1
    assert f"error: {folder / 'reasons.yaml'}: reason dispute: node 'disputes' is not a node in flows.yaml" \
        in result.output


def test_flows_check_counts_the_reasons(runner):
    result = runner.invoke(args=["flows", "check"])
    assert result.exit_code == 0
    assert f"ok: {ROOT / 'config' / 'reasons.yaml'}: 10 reasons for calling" in result.output

"""Rehearsal scenarios: config/scenarios.yaml, its checks, and what pages and the phone read from it."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import ROOT

from ivr import ConfigError, create_app
from ivr.voice.desk import scenario_start_url

pytestmark = pytest.mark.shared_app  # its tests only call the app: they share one (conftest.py)

SCENARIO_REASONS = {
    "unknown-charge": "dispute",
    "stolen-abroad": "lost-card",
    "missing-points": "rewards",
    "payment-not-posted": "payments",
    "name-change": "personal-info",
    "application-no-answer": "applications",
    "call-went-nowhere": "complaint",
    "trip-delay": "benefits",
    "fraud-alert": "dispute",
    "late-fee": "payments",
    "replacement-not-arrived": "damaged-card",
}


def test_the_shipped_scenarios_cover_eleven_rehearsals_over_nine_reasons(app):
    book = app.extensions["practice_line"].scenarios
    assert {sid: s.reason for sid, s in book.scenarios.items()} == SCENARIO_REASONS
    reasons = app.extensions["practice_line"].reasons.reasons
    assert all(reason in reasons for reason in SCENARIO_REASONS.values())


def test_cards_give_title_reason_and_the_words_of_situation_and_goal(app):
    cards = app.extensions["practice_line"].scenarios.cards()
    assert [c.id for c in cards] == list(SCENARIO_REASONS)
    first = cards[0]
    assert (first.id, first.title, first.reason) == ("unknown-charge", "A charge you don't recognize", "dispute")
    assert first.situation.startswith("Practice scenario, with invented facts.")
    # For the eye: "$84.20" and "ending in 4417"; the line says the same facts for the ear.
    assert "a charge of $84.20 from Bright Lake Electronics, dated March 3rd, on your card ending in 4417." \
        in first.situation
    assert "eighty-four dollars and twenty cents" in first.spoken_situation
    assert "ending in 4 4 1 7" in first.spoken_situation
    assert first.goal == "Your goal: have the charge investigated, and not pay it while it is checked."
    for card in cards:
        assert card.situation.startswith("Practice scenario, with invented facts."), card.id


def test_the_formal_route_reads_the_address_from_contacts(app):
    book = app.extensions["practice_line"].scenarios
    for scenario_id in SCENARIO_REASONS:
        assert "American Express, P O Box 9 8 1 5 3 5, El Paso, Texas" in book.words(scenario_id, "formal")


def test_each_branch_leads_to_its_scenario(app):
    book = app.extensions["practice_line"].scenarios
    assert book.for_node("dispute-date") == "unknown-charge"
    assert book.for_node("lost-card-security") == "stolen-abroad"
    assert book.for_node("complaint-formal") == "call-went-nowhere"
    assert book.for_node("main") is None
    assert book.for_node("anything-else") is None  # shared by several branches
    assert book.for_reason("payments") == "payment-not-posted"
    assert book.for_reason("security-code") is None


@pytest.mark.parametrize("node, ahead", [
    ("representative", ("representative", ("representative",))),  # the hold, then the desk
    ("representative-desk", ("representative", ())),
    ("supervisor-hold", ("supervisor", ("supervisor-hold",))),
    ("main", None),
    ("end-lost-card", None),
])
def test_a_reply_that_runs_on_into_a_desk_names_it_and_what_comes_before(app, node, ahead):
    book = app.extensions["practice_line"].scenarios
    first = book.desk_ahead(node)
    assert first == ahead
    assert book.desk_ahead(node) is first and book._ahead[node] is first  # worked out once (every webhook asks)


def test_start_url_reads_the_situation_then_the_representative_answers(caller, app):
    assert scenario_start_url("unknown-charge") == "/voice/rehearse/unknown-charge"
    book = app.extensions["practice_line"].scenarios
    reply = caller.start(scenario_start_url("unknown-charge"))
    assert reply.status == 200
    assert reply.said[:2] == [book.words("unknown-charge", "situation"), book.words("unknown-charge", "goal")]


def test_an_unknown_scenario_is_spoken_help_not_an_error(caller, line):
    reply = caller.start("/voice/rehearse/no-such-thing")
    assert reply.status == 200
    assert reply.said[0] == line.text("apology")


def test_audio_build_renders_the_coach_words(app):
    spoken = app.extensions["practice_line"].line.spoken()
    assert spoken["I'm afraid I can't remove that charge today. It stays on your statement while the dispute "
                  "is reviewed."] == "unknown-charge-cannot"


# --- Errors name the file and the scenario ---

@pytest.fixture
def config_copy(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    return tmp_path


def broken(config_copy, change, name: str = "scenarios.yaml") -> list[str]:
    """The start-up problems after `change` edits config/`name` in the copy."""
    path = config_copy / "config" / name
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as failure:
        create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(config_copy / "instance"),
                    "CONFIG_DIR": config_copy / "config", "PROMPTS_DIR": config_copy / "prompts"})
    return failure.value.problems


def test_an_unknown_reason_is_named_with_file_and_scenario(config_copy):
    problems = broken(config_copy, lambda d: d["scenarios"]["trip-delay"].update(reason="travel"))
    where = config_copy / "config" / "scenarios.yaml"
    assert len(problems) == 1
    assert problems[0].startswith(f"{where}: scenario trip-delay: reason 'travel' is not a reason in reasons.yaml")


def test_a_missing_prompt_is_named_with_file_scenario_and_field(config_copy):
    problems = broken(config_copy, lambda d: d["scenarios"]["name-change"].update(cannot="name-change-nope"))
    assert problems == [(f"{config_copy / 'config' / 'scenarios.yaml'}: scenario name-change, cannot: prompt "
                         "'name-change-nope' not found (expected prompts/coach/name-change-nope.txt)")]


def test_a_misspelt_field_is_named_with_file_and_scenario(config_copy):
    problems = broken(config_copy, lambda d: d["scenarios"]["stolen-abroad"].update(titel="x"))
    assert problems == [(f"{config_copy / 'config' / 'scenarios.yaml'}: scenario stolen-abroad, titel: "
                         "Extra inputs are not permitted")]


def test_the_rubric_must_list_every_item(config_copy):
    problems = broken(config_copy, lambda d: d["rubric"].pop("confirmed"))
    assert problems == [(f"{config_copy / 'config' / 'scenarios.yaml'}: rubric: must list exactly stated-purpose, "
                         "gave-details, stated-outcome, stayed-polite, asked-name, asked-reference, asked-next-steps, "
                         "confirmed, escalated-well, held-the-line, escalated-calmly")]


def test_a_persona_s_tip_must_be_a_rubric_item_with_a_prompt(config_copy):
    def change(data):
        data["personas"]["rushed"]["tips"].update({"held-teh-line": "tip-held-the-line",
                                                   "asked-name": "tip-rushed-asked-nope"})
    problems = broken(config_copy, change, "personas.yaml")
    where = config_copy / "config" / "personas.yaml"
    assert problems == [
        f"{where}: persona rushed, tips.asked-name: prompt 'tip-rushed-asked-nope' not found "
        "(expected prompts/coach/tip-rushed-asked-nope.txt)",
        f"{where}: persona rushed, tips.held-teh-line: not a rubric item (known: stated-purpose, gave-details, "
        "stated-outcome, stayed-polite, asked-name, asked-reference, asked-next-steps, confirmed, escalated-well, "
        "held-the-line, escalated-calmly)"]


def test_a_coach_prompt_with_an_unknown_placeholder_names_its_file(config_copy):
    (config_copy / "prompts" / "coach" / "trip-delay-formal.txt").write_text("Write to {mail_adress}.\n")
    problems = broken(config_copy, lambda d: None)
    assert problems == [(f"{config_copy / 'prompts' / 'coach' / 'trip-delay-formal.txt'}: unknown placeholder "
                         "{mail_adress}")]


def test_flows_check_checks_the_scenarios(runner, config_copy):
    path = config_copy / "config" / "scenarios.yaml"
    path.write_text(path.read_text().replace("reason: rewards", "reason: points"))
    result = runner.invoke(args=["flows", "check", "--config", str(config_copy / "config"),
                                 "--prompts", str(config_copy / "prompts")])
    assert result.exit_code == 1
    assert f"error: {path}: scenario missing-points: reason 'points' is not a reason in reasons.yaml" in result.output
    ok = runner.invoke(args=["flows", "check"])
    assert "scenarios.yaml: 11 rehearsal scenarios" in ok.output


def test_coach_scenarios_json_lists_id_title_and_reason(runner):
    import json
    result = runner.invoke(args=["coach", "scenarios", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert listed[0] == {"id": "unknown-charge", "title": "A charge you don't recognize", "reason": "dispute",
                         "personas": ["helpful", "by-the-book", "rushed"]}
    assert [(s["id"], s["reason"]) for s in listed] == list(SCENARIO_REASONS.items())


def test_coach_scenarios_prints_a_table(runner):
    lines = runner.invoke(args=["coach", "scenarios"]).output.splitlines()
    assert len(lines) == 12
    assert lines[-1] == "personas: helpful, by-the-book, rushed (default: helpful)"
    assert lines[1] == "stolen-abroad            lost-card      A card stolen while traveling abroad"

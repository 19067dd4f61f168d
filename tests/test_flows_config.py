"""Loading and checking the menu: bad config stops start-up, naming the file and node."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ivr import ConfigError
from ivr.line.practice_line import load_line

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def config_copy(tmp_path):
    """A writable copy of config/ and prompts/, and a helper to edit flows.yaml."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")

    def edit(change):
        path = tmp_path / "config" / "flows.yaml"
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    edit.config = tmp_path / "config"
    edit.prompts = tmp_path / "prompts"
    return edit


def problems_after(config_copy, change) -> list[str]:
    path = config_copy(change)
    with pytest.raises(ConfigError) as caught:
        load_line(config_copy.config, config_copy.prompts)
    assert all(str(path.parent) in p for p in caught.value.problems if "flows.yaml" in p)
    return caught.value.problems


def test_the_shipped_config_loads_without_warnings():
    line = load_line(ROOT / "config", ROOT / "prompts")
    assert line.warnings == ()
    assert line.flow.start == "welcome"
    assert len([n for n in line.nodes.values() if n.kind == "menu"]) == 17


def _set(node, field, value):
    def change(data):
        data["nodes"][node][field] = value
    return change


@pytest.mark.parametrize("change, expected", [
    (_set("dispute-mail", "next", "nowhere"), "node dispute-mail: next goes to unknown node 'nowhere'"),
    (lambda d: d["nodes"]["main"]["options"][0].update(target="lost-crad"),
     "node main: options[0].target goes to unknown node 'lost-crad'"),
    (_set("rewards", "prompts", ["rewards-intro-typo"]), "node rewards: missing prompt 'rewards-intro-typo'"),
    (lambda d: d["nodes"]["main"]["options"][1].update(key="1"),
     "node main: duplicate key 1 (options[0] and options[1])"),
    (lambda d: d["nodes"]["main"]["options"][1].update(key="0"),
     "node main: options[1] uses key 0, which is kept for representative on every menu"),
    (lambda d: d["nodes"].update({"orphan": {"kind": "end", "prompts": ["goodbye"]}}),
     "node orphan: unreachable from 'welcome'"),
    (lambda d: d["nodes"].update({"loop-a": {"kind": "message", "prompts": ["goodbye"], "next": "loop-b"},
                                  "loop-b": {"kind": "message", "prompts": ["goodbye"], "next": "loop-a"}})
     or d["nodes"]["more-options"]["options"].append(
         {"key": "5", "say": "option-corporate", "phrases": ["loop"], "target": "loop-a"}),
     "node loop-a: loops through messages without ever listening"),
    (_set("main", "options", []), "node main, options: List should have at least 1 item"),
    (_set("dispute-identity", "digits", "four"), "node dispute-identity, digits: Input should be a valid integer"),
    (_set("welcome", "kind", "banner"), "node welcome: Input tag 'banner' found using 'kind'"),
    (_set("rewards", "prompts", ["rewards-intro", "$reference"]), "node rewards: $reference belongs only in an end node"),
    (lambda d: d["nodes"]["dispute"]["options"][0]["phrases"].append("now"),
     "node dispute: options[0]: phrase 'now' is only filler words, so no caller could ever match it"),
])
def test_each_config_error_names_file_and_node(config_copy, change, expected):
    problems = problems_after(config_copy, change)
    assert any(expected in p for p in problems), problems
    assert all("flows.yaml" in p for p in problems)


def test_a_representative_that_never_listens_is_an_error(config_copy):
    def change(data):
        data["nodes"]["representative"] = {"kind": "end", "label": "rep", "prompts": ["goodbye"]}
    problems = problems_after(config_copy, change)
    assert any("defaults.representative: 'representative' never reaches a menu" in p for p in problems)


def test_a_dead_end_is_reported(config_copy):
    def change(data):
        # With no end node reachable from it, the representative desk traps its callers.
        data["nodes"]["end-representative"] = {"kind": "hold", "prompts": ["goodbye"], "next": "representative-desk"}
        data["nodes"]["end-supervisor"] = {"kind": "hold", "prompts": ["goodbye"], "next": "supervisor-desk"}
        data["nodes"]["supervisor-desk"]["on_failure"] = "supervisor-desk"
        data["nodes"]["supervisor-desk"]["options"][0]["target"] = "supervisor-desk"
        data["nodes"]["representative-desk"]["back"] = "representative-desk"
        data["nodes"]["supervisor-desk"]["back"] = "supervisor-desk"
        data["defaults"]["home"] = "representative-desk"
    problems = problems_after(config_copy, change)
    assert any("node representative-desk: dead end" in p for p in problems), problems


def test_a_prompt_with_an_unknown_placeholder_names_the_prompt_file(config_copy):
    (config_copy.prompts / "goodbye.txt").write_text("Call {nonexistent_number} again.\n")
    with pytest.raises(ConfigError) as caught:
        load_line(config_copy.config, config_copy.prompts)
    assert any("prompt 'goodbye' uses unknown placeholder {nonexistent_number}" in p and "goodbye.txt" in p
               for p in caught.value.problems)


def test_a_broken_contacts_file_names_its_node(config_copy):
    path = config_copy.config / "contacts.yaml"
    path.write_text(path.read_text().replace('us: "1-800-528-2122"', 'us: "call us"'))
    with pytest.raises(ConfigError) as caught:
        load_line(config_copy.config, config_copy.prompts)
    assert caught.value.problems == [
        f"{path}: lines.card-member.us: String should match pattern '^\\+?1-\\d{{3}}-\\d{{3}}-\\d{{4}}$'"]


def test_unused_prompts_are_warned_about(config_copy):
    (config_copy.prompts / "stray-words.txt").write_text("Nobody says this.\n")
    line = load_line(config_copy.config, config_copy.prompts)
    assert line.warnings == (f"{config_copy.prompts / 'stray-words.txt'}: prompt 'stray-words' is not used by any node",)


def test_flows_check_passes_on_the_shipped_config(runner):
    result = runner.invoke(args=["flows", "check"])
    assert result.exit_code == 0
    assert "ok: " in result.output and "62 nodes (17 menus)" in result.output


def test_flows_check_fails_naming_file_and_node(runner, config_copy):
    config_copy(_set("dispute-mail", "next", "nowhere"))
    result = runner.invoke(args=["flows", "check", "--config", str(config_copy.config),
                                 "--prompts", str(config_copy.prompts)])
    assert result.exit_code == 1
    assert f"error: {config_copy.config / 'flows.yaml'}: node dispute-mail: next goes to unknown node 'nowhere'" \
        in result.output


def test_the_app_refuses_to_start_on_a_broken_flow(config_copy, project_copy):
    config_copy(_set("dispute-mail", "next", "nowhere"))
    root, clean = project_copy
    env = {**clean, "PRACTICE_LINE_CONFIG_DIR": str(config_copy.config),
           "PRACTICE_LINE_PROMPTS_DIR": str(config_copy.prompts)}
    result = subprocess.run([sys.executable, "-c", "import app"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=60)
    assert not (root / "instance").exists()  # nothing written for a config that cannot be served
    assert result.returncode == 1
    assert "Practice Line cannot start" in result.stderr
    assert "flows.yaml: node dispute-mail: next goes to unknown node 'nowhere'" in result.stderr


def test_a_misspelt_settings_section_stops_start_up(config_copy):
    from ivr.line.settings import load_settings
    path = config_copy.config / "settings.yaml"
    path.write_text(path.read_text() + "\nphones:\n  keep_days: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems == [f"{path}: phones: Extra inputs are not permitted"]


def test_a_stray_brace_in_a_prompt_is_named_by_flows_check_and_start_up(runner, config_copy, project_copy):
    stray = config_copy.prompts / "goodbye.txt"
    stray.write_text("Goodbye {oops\n")
    result = runner.invoke(args=["flows", "check", "--config", str(config_copy.config),
                                 "--prompts", str(config_copy.prompts)])
    assert result.exit_code == 1
    assert f"error: {stray}: expected '}}' before end of string (placeholders look like {{mail_address}})" \
        in result.output
    assert "Traceback" not in result.output
    root, clean = project_copy
    env = {**clean, "PRACTICE_LINE_CONFIG_DIR": str(config_copy.config),
           "PRACTICE_LINE_PROMPTS_DIR": str(config_copy.prompts)}
    started = subprocess.run([sys.executable, "-c", "import app"], cwd=root, env=env,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 1 and "Traceback" not in started.stderr
    assert f"{stray}: expected '}}' before end of string" in started.stderr


def test_a_broken_config_writes_nothing_to_the_instance_folder(config_copy, tmp_path):
    from ivr import create_app
    config_copy(_set("dispute-mail", "next", "nowhere"))
    instance = tmp_path / "instance"
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(instance), "CONFIG_DIR": str(config_copy.config),
                    "PROMPTS_DIR": str(config_copy.prompts)})
    assert not (instance / "secret_key").exists()

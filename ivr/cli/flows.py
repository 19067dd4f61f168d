"""flask flows: check the menu config, or print it as a tree."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..checklist.reasons import load_reasons
from ..coach.scenarios import load_scenarios
from ..line.compiled import load_line
from ..line.errors import ConfigError
from ..runtime import runtime

flows = AppGroup("flows", help="Check the menu config, or print it as a tree.")
KEY_ORDER = "1234567890*#"


@flows.command("check")
@click.option("--config", "config_dir", type=click.Path(path_type=Path), help="Config folder to check instead.")
@click.option("--prompts", "prompts_dir", type=click.Path(path_type=Path), help="Prompts folder to check instead.")
def check_command(config_dir: Path | None, prompts_dir: Path | None) -> None:
    """Load and validate the menu, the reasons for calling and the scenarios; exit non-zero naming file and node."""
    config_dir = config_dir or Path(current_app.config["CONFIG_DIR"])
    try:
        line = load_line(config_dir, prompts_dir or Path(current_app.config["PROMPTS_DIR"]))
        reasons = load_reasons(config_dir / "reasons.yaml", line)
        scenarios = load_scenarios(config_dir / "scenarios.yaml", line, reasons.nodes())
    except ConfigError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1) from error
    for warning in line.warnings:
        click.echo(f"warning: {warning}")
    menus = sum(1 for n in line.nodes.values() if n.kind == "menu")
    click.echo(f"ok: {line.flow_path}: {len(line.nodes)} nodes ({menus} menus), {len(line.texts)} prompts")
    click.echo(f"ok: {reasons.path}: {len(reasons.reasons)} reasons for calling")
    click.echo(f"ok: {scenarios.path}: {len(scenarios.scenarios)} rehearsal scenarios")


@flows.command("map")
def map_command() -> None:
    """Print the menu as a tree with the key path to every node."""
    line = runtime().line
    paths = line.key_paths()

    def order(node_id: str) -> tuple:
        return tuple((KEY_ORDER.find(s.key) if s.key else 99) for s in paths[node_id])

    for node_id in sorted(paths, key=order):
        path = paths[node_id]
        shown = " → ".join(str(s) for s in path) or "(start)"
        click.echo(f"{'  ' * len(path)}{line.nodes[node_id].label}: {shown}")
    for node_id in sorted(set(line.nodes) - set(paths)):
        click.echo(f"{line.nodes[node_id].label}: (only by a global key)")

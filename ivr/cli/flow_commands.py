"""flask flows: check the menu config, or print or draw it as a map."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..checklist.reasons import load_reasons
from ..coach.moves import MOVES, load_recognizer
from ..coach.scenarios import load_scenarios
from ..line.practice_line import load_line
from ..line.errors import ConfigError
from ..map.drawing import FORMATS, GraphvizMissing, dot_graph, render_png, render_svg
from ..map.text import text_map
from ..runtime import runtime

flows = AppGroup("flows", help="Check the menu config, or print or draw it as a map.")


@flows.command("check")
@click.option("--config", "config_dir", type=click.Path(path_type=Path), help="Config folder to check instead.")
@click.option("--prompts", "prompts_dir", type=click.Path(path_type=Path), help="Prompts folder to check instead.")
def check_command(config_dir: Path | None, prompts_dir: Path | None) -> None:
    """Validate the menu, the reasons for calling, the scenarios and the moves; exit non-zero naming each error."""
    config_dir = config_dir or Path(current_app.config["CONFIG_DIR"])
    try:
        line = load_line(config_dir, prompts_dir or Path(current_app.config["PROMPTS_DIR"]))
        reasons = load_reasons(config_dir / "reasons.yaml", line)
        scenarios = load_scenarios(config_dir / "scenarios.yaml", line, reasons.nodes())
        load_recognizer(config_dir / "moves.yaml")
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
    click.echo(f"ok: {config_dir / 'moves.yaml'}: {len(MOVES)} moves")


@flows.command("map")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: the tree; dot: Graphviz source; svg: the picture as SVG; png: the picture as PNG.")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output (text, dot and svg print to standard "
                   "output; png writes its bytes there only when it is not a terminal).")
def map_command(fmt: str, output: Path | None) -> None:
    """Print the menu map: each node under the node that leads to it, in key order, with the routes
    for 0, silence and too many tries; or draw it with Graphviz (the Debian graphviz package)."""
    menu = runtime().menu_map
    if fmt == "png" and output is None and sys.stdout.isatty():
        raise click.UsageError("A PNG is binary: give --output FILE, or redirect standard output to a file.")
    draw = {"text": lambda: ("\n".join(text_map(menu)) + "\n").encode(), "dot": lambda: dot_graph(menu).source.encode(),
            "svg": lambda: render_svg(menu).encode(), "png": lambda: render_png(menu)}
    try:
        body = draw[fmt]()
    except GraphvizMissing as error:
        raise click.ClickException(str(error)) from error
    if output:
        output.write_bytes(body)
        click.echo(f"wrote {output} ({fmt}, {len(body)} bytes)", err=True)
    else:
        click.get_binary_stream("stdout").write(body)

"""flask commands: flows check, flows map, audio build, and a practice call in the terminal."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .audio_build import Builder, check_library
from .errors import ConfigError
from .line import load_line
from .practice import TerminalCall, scripted_answers
from .reasons import load_reasons
from .runtime import runtime
from .security import TOKEN_HEADER, issue_practice_token
from .sound import find_player

flows = AppGroup("flows", help="Check the menu config, or print it as a tree.")
audio = AppGroup("audio", help="Render every prompt into the audio library, or check it.")
KEY_ORDER = "1234567890*#"


@flows.command("check")
@click.option("--config", "config_dir", type=click.Path(path_type=Path), help="Config folder to check instead.")
@click.option("--prompts", "prompts_dir", type=click.Path(path_type=Path), help="Prompts folder to check instead.")
def check_command(config_dir: Path | None, prompts_dir: Path | None) -> None:
    """Load and validate the menu and the reasons for calling; exit non-zero naming file and node of each error."""
    config_dir = config_dir or Path(current_app.config["CONFIG_DIR"])
    try:
        line = load_line(config_dir, prompts_dir or Path(current_app.config["PROMPTS_DIR"]))
        reasons = load_reasons(config_dir / "reasons.yaml", line)
    except ConfigError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1) from error
    for warning in line.warnings:
        click.echo(f"warning: {warning}")
    menus = sum(1 for n in line.nodes.values() if n.kind == "menu")
    click.echo(f"ok: {line.flow_path}: {len(line.nodes)} nodes ({menus} menus), {len(line.texts)} prompts")
    click.echo(f"ok: {reasons.path}: {len(reasons.reasons)} reasons for calling")


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


@audio.command("build")
@click.option("--engine", type=click.Choice(["gtts", "espeak"]), default=None,
              help="Render with this engine (default: audio.engine in settings.yaml).")
@click.option("--force", is_flag=True, help="Render every prompt again, even if valid audio is cached.")
@click.option("--check", is_flag=True, help="Render nothing: list missing or stale audio, exit 1 if any.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar (on stderr).")
def audio_build_command(engine: str | None, force: bool, check: bool, progress: bool) -> None:
    """Render every prompt (gTTS, else espeak-ng) into the audio library; exit 1 if any has no audio."""
    rt = runtime()
    items = rt.line.spoken()
    if check:
        found = check_library(rt.settings.audio, rt.audio_dir, items, engine)
        for label, why in found.missing:
            click.echo(f"missing: {label}: {why}")
        for label, why in found.stale:
            click.echo(f"stale: {label}: {why}")
        click.echo(f"audio: {len(items)} prompts in {rt.audio_dir}: "
                   f"{len(found.missing)} missing, {len(found.stale)} stale")
        raise SystemExit(0 if found.ok else 1)
    report = Builder(rt.settings.audio, rt.audio_dir, engine, force).run(items, progress=progress)
    for line in report.summary():
        click.echo(line)
    if rt.audio is not None:
        rt.audio.refresh()  # this process (a test, a shell) now plays the new audio
    if not rt.settings.audio.enabled:
        click.echo("note: audio.enabled is false in settings.yaml, so calls use <Say> anyway")
    if report.failed:
        raise SystemExit(1)


@click.command("practice")
@with_appcontext  # a plain command gets no app context from app.cli (test runners call app.cli directly)
@click.option("--keys", default=None, help='Answers to give in turn, e.g. "1 1234 0"; "-" is silence.')
@click.option("--start", "start_node", default=None, help="Start at this node instead of the welcome.")
@click.option("--sound", is_flag=True, help="Also play the prompt audio, if a player (mpg123, ffplay, play) exists.")
def practice_command(keys: str | None, start_node: str | None, sound: bool) -> None:
    """Place a practice call in the terminal (interactive unless --keys is given)."""
    if keys is not None:
        answers = scripted_answers(keys)

        def answer() -> str | None:
            return next(answers)
    else:
        def answer() -> str | None:
            return click.prompt("key or phrase (Enter for silence)", default="", show_default=False)

    click.echo("Practice Line: a simulator. Nobody real answers, and no real card number is needed.")
    # With TWILIO_AUTH_TOKEN set the voice routes want a signature; the terminal is a
    # practice caller like the browser phone, so it carries the same kind of token.
    token = issue_practice_token(current_app.config["SECRET_KEY"])
    client = current_app.test_client()
    client.environ_base["HTTP_" + TOKEN_HEADER.upper().replace("-", "_")] = token
    call = TerminalCall(client, answer, click.echo, caption=_captioner(sound))
    url = f"/voice/node/{start_node}" if start_node else "/voice/incoming"
    record = call.run(url)
    if not record.hung_up:
        click.echo("(you hung up)")


def _captioner(sound: bool):
    """<Play> in the terminal: show the prompt's words (and play the file when asked and possible)."""
    library = runtime().audio
    player = find_player() if sound else None
    if sound and player is None:
        click.echo("(no audio player found: install mpg123 to hear the prompts; showing words only)")

    def caption(url: str) -> str:
        nonlocal player
        audio = library.file(url.rsplit("/", 1)[-1]) if library is not None else None
        if audio is None:
            return f"(audio {url})"
        if player is not None:
            found = library.by_text.get(audio.text)
            phone = found.phone.path if found is not None and found.phone is not None else None
            if not player(found.web.path if found is not None else audio.path, phone):
                click.echo("(could not play sound here; showing words only)")
                player = None
        return audio.text

    return caption


def init_app(app: Flask) -> None:
    """Register the commands on `app`."""
    app.cli.add_command(flows)
    app.cli.add_command(audio)
    app.cli.add_command(practice_command)

"""flask audio build: render every prompt into the audio library, or check it."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..audio.build import Builder, Items, check_library
from ..coach.who_speaks import voiced_texts
from ..runtime import Runtime, runtime

audio = AppGroup("audio", help="Render every prompt into the audio library, or check it.")


def build_items(rt: Runtime) -> Items:
    """What `audio build` renders: every text the line speaks, then what each persona's representative
    says, in its own voice (the same words in two voices are two files)."""
    return {**rt.line.spoken(), **voiced_texts(rt.scenarios)}


@audio.command("build")
@click.option("--engine", type=click.Choice(["gtts", "espeak"]), default=None,
              help="Render with this engine (default: audio.engine in settings.yaml).")
@click.option("--force", is_flag=True, help="Render every prompt again, even if valid audio is cached.")
@click.option("--check", is_flag=True, help="Render nothing: list missing or stale audio, exit 1 if any.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar (on stderr).")
def audio_build_command(engine: str | None, force: bool, check: bool, progress: bool) -> None:
    """Render every prompt (gTTS, else espeak-ng) into the audio library; exit 1 if any has no audio."""
    rt = runtime()
    items = build_items(rt)
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

"""flask ear: train the ear's models, report how well they hear, classify sentences."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..runtime import runtime

ear = AppGroup("ear", help="The trained ear: menu intents and the coach's moves.")


@ear.command("train")
def train_command() -> None:
    """Train both models from ivr/ear/data (deterministic) and write the model files the app loads."""
    try:
        from ..ear import training
    except ImportError as exc:  # scikit-learn is a development dependency
        raise click.ClickException(f"{exc.name} is needed to train: pip install -r requirements-dev.txt") from exc
    from ..coach.moves import MOVES

    for name, train in (("menu", training.train_menu), ("moves", lambda: training.train_moves(MOVES))):
        meta = train()
        click.echo(f"{name}: {meta['examples']} examples, {meta['features']} features, "
                   f"data sha256 {meta['data_sha256'][:12]}")


@ear.command("report")
def report_command() -> None:
    """Precision, recall and F1 per intent and per move on the held-out sets, confusions, out-of-scope false accepts."""
    from ..ear.report import report_lines

    for line in report_lines(runtime().line.ear, runtime().recognizer.recognize):
        click.echo(line)


@ear.command("classify")
@click.argument("texts", nargs=-1, required=True)
def classify_command(texts: tuple[str, ...]) -> None:
    """Print the intent, its confidence and the runner-up for each TEXT."""
    model = runtime().line.ear.model
    for text in texts:
        (top, p), (second, q) = model.ranked(text)[:2]
        click.echo(f"{text}\t{top} {p:.2f}\trunner-up {second} {q:.2f}")

"""flask coach: the rehearsal coach's tools (classify what a caller said into moves)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from ..runtime import runtime

coach = AppGroup("coach", help="The rehearsal coach: moves, scenarios.")


@coach.command("classify")
@click.argument("texts", nargs=-1)
def classify_command(texts: tuple[str, ...]) -> None:
    """Print the moves in each TEXT, one JSON object a line; with no TEXT, read one utterance a line from stdin."""
    recognizer = runtime().recognizer
    lines = texts or (line.rstrip("\r\n") for line in click.get_text_stream("stdin"))
    for text in lines:
        click.echo(json.dumps({"text": text, "moves": recognizer.recognize(text)}))


@coach.command("scenarios")
@click.option("--json", "as_json", is_flag=True,
              help='Print [{"id": ..., "title": ..., "reason": ..., "personas": [...]}].')
def scenarios_command(as_json: bool) -> None:
    """List the rehearsal scenarios (config/scenarios.yaml): id, reason for calling, title, and the personas
    (config/personas.yaml) each can be rehearsed against."""
    book = runtime().scenarios
    cards, personas = book.cards(), list(book.personas.personas)
    if as_json:
        click.echo(json.dumps([{"id": c.id, "title": c.title, "reason": c.reason, "personas": personas}
                               for c in cards]))
        return
    width = max(len(c.id) for c in cards)
    reason_width = max(len(c.reason) for c in cards)
    for card in cards:
        click.echo(f"{card.id:<{width}}  {card.reason:<{reason_width}}  {card.title}")
    click.echo(f"personas: {', '.join(personas)} (default: {book.personas.default_persona})")

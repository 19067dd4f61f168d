"""flask practice: a practice call in the terminal."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audio.players import find_player
from ..runtime import runtime
from ..voice.security import TOKEN_HEADER, issue_practice_token
from .terminal import TerminalCall, scripted_answers


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

"""flask commands, one module per group; init_app registers them all."""

from __future__ import annotations

from importlib import import_module

import click
from flask import Flask
from flask.cli import AppGroup

# Command name -> "module:attribute" of its click command. The modules (and what they import: the
# audio builder, the map drawing, the terminal phone) load only when the CLI asks for a command, so
# serving the app never pays for them.
COMMANDS = {
    "flows": "ivr.cli.flow_commands:flows",
    "audio": "ivr.cli.audio_commands:audio",
    "practice": "ivr.cli.practice_commands:practice_command",
    "calls": "ivr.cli.calls_commands:calls",
    "coach": "ivr.cli.coach_commands:coach",
    "ear": "ivr.cli.ear_commands:ear",
    "db": "ivr.cli.db_commands:db",
    "twilio": "ivr.cli.twilio_commands:twilio_group",
}


class LazyAppGroup(AppGroup):
    """The app's command group, importing each of COMMANDS the first time it is listed or run."""

    def __init__(self, lazy: dict[str, str], base: click.Group):
        super().__init__(base.name)
        self.commands.update(base.commands)  # whatever blueprints registered already
        self._lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, without importing any."""
        return sorted({*self.commands, *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The named command, imported now if it has not been yet."""
        if cmd_name not in self.commands and cmd_name in self._lazy:
            module, attribute = self._lazy[cmd_name].split(":")
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


def init_app(app: Flask) -> None:
    """Register every command group on `app` (each is imported on first use)."""
    app.cli = LazyAppGroup(COMMANDS, app.cli)

"""flask commands, one module per group; init_app registers them all."""

from __future__ import annotations

from flask import Flask

from .audio import audio
from .calls import calls
from .coach import coach
from .db import db
from .flows import flows
from .practice import practice_command
from .twilio import twilio_group


def init_app(app: Flask) -> None:
    """Register every command group on `app`."""
    for command in (flows, audio, practice_command, calls, coach, db, twilio_group):
        app.cli.add_command(command)

"""What one app holds after start-up: the compiled line, settings, the speaker and the reasons for calling."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .line import PracticeLine
from .reasons import ReasonBook
from .settings import Settings
from .speech import Speaker


@dataclass(frozen=True)
class Runtime:
    """Loaded once in create_app; every request only reads it."""

    line: PracticeLine
    settings: Settings
    speaker: Speaker
    reasons: ReasonBook | None = None  # config/reasons.yaml, checked against the flow


def runtime() -> Runtime:
    """The current app's Runtime."""
    return current_app.extensions["practice_line"]

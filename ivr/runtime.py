"""What one app holds after start-up: the compiled line, settings, the speaker, the audio library,
the reasons for calling, the rehearsal scenarios and the coach's move recognizer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flask import current_app

from .audio.cache import AudioLibrary
from .checklist.reasons import ReasonBook
from .coach.moves import MoveRecognizer
from .coach.scenarios import ScenarioBook
from .line.practice_line import PracticeLine
from .line.menumap import MenuMap, build_map
from .line.settings import Settings
from .voice.reply_cache import CompiledReplies
from .voice.speech import Speaker


@dataclass(frozen=True)
class Runtime:
    """Loaded once in create_app; every request only reads it."""

    line: PracticeLine
    settings: Settings
    speaker: Speaker
    audio: AudioLibrary | None = None  # None when settings turn audio off: every prompt is <Say>
    audio_dir: Path | None = None  # where `audio build` renders to and the library is read from
    reasons: ReasonBook | None = None  # config/reasons.yaml, checked against the flow
    scenarios: ScenarioBook | None = None  # config/scenarios.yaml: rehearsals at the representative's desk
    recognizer: MoveRecognizer | None = None  # config/moves.yaml: what a caller said, as moves
    replies: CompiledReplies | None = None  # the voice replies, compiled once per turn

    @cached_property
    def menu_map(self) -> MenuMap:
        """The menu as a tree with every route, worked out on first use (the map, its page, its links)."""
        return build_map(self.line)


def runtime() -> Runtime:
    """The current app's Runtime."""
    # Unwrap Flask's proxy once, then read plain attributes: each attribute read through the proxy costs
    # about 0.7 µs, and a webhook made ten of them.
    return current_app._get_current_object().extensions["practice_line"]

"""What one app holds after start-up: the compiled line, its settings, the audio library, the reasons for
calling, the rehearsal scenarios and the coach's move recognizer. Read by the blueprints and commands
above it; it imports only the layers below them (line, ear, audio, checklist, coach)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .audio.cache import AudioLibrary
from .checklist.reasons import ReasonBook
from .coach.scenarios import ScenarioBook
from .ear.moves_ear import MovesEar
from .line.menumap import MenuMap
from .line.practice_line import PracticeLine
from .line.settings import Settings

EXTENSION = "practice_line"  # its key in app.extensions


@dataclass(frozen=True)
class Runtime:
    """Loaded once in create_app; every request only reads it."""

    line: PracticeLine
    settings: Settings
    audio: AudioLibrary | None  # None when settings turn audio off: every prompt is <Say>
    audio_dir: Path  # where `audio build` renders to and the library is read from
    reasons: ReasonBook  # config/reasons.yaml, checked against the flow
    scenarios: ScenarioBook  # config/scenarios.yaml: rehearsals at the representative's desk
    recognizer: MovesEar  # config/moves.yaml's rules with the trained moves model: what a caller said, as moves

    @property
    def menu_map(self) -> MenuMap:
        """The menu as a tree with every route, worked out on first use (the map, its page, its links)."""
        return self.reasons.menu_map


def runtime() -> Runtime:
    """The current app's Runtime."""
    return current_app.extensions[EXTENSION]

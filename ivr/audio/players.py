"""Play a prompt's audio file on this computer's speakers, if a player is installed (optional)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

# (command, arguments, plays MP3?): the first one installed is used.
PLAYERS = [
    ("mpg123", ["-q"], True),
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "quiet"], True),
    ("afplay", [], True),  # macOS
    ("play", ["-q"], False),  # sox: WAV only on Debian without libsox-fmt-mp3
    ("aplay", ["-q"], False),
]


def find_player() -> Callable[[str, str | None], bool] | None:
    """A function playing (mp3 path, wav path or None) and saying if it worked, or None if no player exists."""
    for command, args, plays_mp3 in PLAYERS:
        if shutil.which(command):
            return _player(command, args, plays_mp3)
    return None


def _player(command: str, args: list[str], plays_mp3: bool) -> Callable[[str, str | None], bool]:
    def play(mp3: str, wav: str | None) -> bool:
        path = mp3 if plays_mp3 else wav
        if path is None:
            return False
        try:
            done = subprocess.run([command, *args, path], capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0  # no sound device: the caller goes on with captions only

    return play

"""The voices a persona may speak in, one per engine, and a cheap check that espeak-ng has the one named."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from typing import Annotated

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from .renderers import tool_version


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Voice:
    """Who speaks: an espeak-ng voice (language+variant), a gTTS accent (top-level domain), a Twilio <Say> voice.

    A field left out is the line's own voice for that engine (settings.yaml), so the same audio file.
    Frozen, so it can key the audio library's index.
    """

    espeak: Annotated[str | None, Field(pattern=r"^[a-z0-9-]+(\+[A-Za-z0-9_-]+)?$")] = None
    gtts: Annotated[str | None, Field(pattern=r"^[a-z]{2,3}(\.[a-z]{2,3})?$")] = None
    # Twilio documents man, woman, Polly.<Name> and Google.<name> voices for <Say>.
    say: Annotated[str | None, Field(pattern=r"^(man|woman|Polly\.[A-Za-z]+(-Neural)?|Google\.[A-Za-z0-9-]+)$")] = None


@lru_cache(maxsize=None)
def _espeak_names(kind: str) -> frozenset[str]:
    """The languages (kind "") or variants (kind "variant") espeak-ng lists: codes and file names."""
    try:
        done = subprocess.run(["espeak-ng", f"--voices={kind}" if kind else "--voices"], capture_output=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    names = set()
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:  # the first row is the header
        cells = row.split()
        if len(cells) >= 5:  # Pty Language Age/Gender VoiceName File ...
            names.update({cells[1], cells[3].lower(), cells[4].rsplit("/", 1)[-1].lower()})
    return frozenset(names)


def espeak_voice_problem(name: str) -> str | None:
    """Why espeak-ng on this machine has no voice `name` ("en-us+f3"), or None (also when espeak-ng is absent)."""
    if tool_version("espeak-ng") is None:
        return None  # nothing to check against: the build says espeak-ng is missing
    language, _plus, variant = name.partition("+")
    if language.lower() not in _espeak_names(""):
        return f"espeak-ng has no language '{language}' (see espeak-ng --voices=en)"
    if variant and variant.lower() not in _espeak_names("variant"):
        return f"espeak-ng has no variant '{variant}' (see espeak-ng --voices=variant)"
    return None

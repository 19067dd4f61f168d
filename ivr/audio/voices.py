"""A cheap check that espeak-ng has the voice a persona names (the Voice itself is ivr.line.settings's)."""

from __future__ import annotations

import subprocess
from functools import lru_cache

from ..line.errors import ConfigError
from .renderers import tool_version


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


def check_persona_voices(path, personas: dict) -> None:
    """Stop start-up (ConfigError naming `path` and the persona) when a persona's espeak-ng voice is not installed."""
    problems = []
    for persona_id, persona in personas.items():
        if persona.voice is not None and persona.voice.espeak:
            problem = espeak_voice_problem(persona.voice.espeak)
            if problem:
                problems.append(f"{path}: persona {persona_id}, voice.espeak: {problem}")
    if problems:
        raise ConfigError(problems)

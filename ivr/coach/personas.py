"""The representatives a scenario is rehearsed against (config/personas.yaml): typed, checked, loaded once."""

from __future__ import annotations

import zlib
from collections.abc import Collection
from pathlib import Path
from typing import Annotated

from pydantic import Field

from ..line.flows import StrictModel
from ..line.settings import Voice
from ..line.yamlfile import load_model

Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
PromptId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Wordings = Annotated[list[PromptId], Field(min_length=1)]


class Persona(StrictModel):
    """One representative: how they sound, and how the conversation goes with them."""

    title: str = Field(min_length=1, max_length=40)
    blurb: str = Field(min_length=1, max_length=160)
    greeting: PromptId | None = None
    name: PromptId
    voice: Voice | None = None  # None: the line's own voice
    pushbacks: int = Field(default=1, ge=1, le=2)
    wraps_up_early: bool = False
    words: dict[PromptId, Wordings] = {}
    tips: dict[Id, PromptId] = {}  # rubric item -> the coach's advice against this representative


class PersonasFile(StrictModel):
    """The whole of config/personas.yaml."""

    default_persona: Id
    personas: dict[Id, Persona] = Field(min_length=1)
    wordings: dict[PromptId, Wordings] = {}


def load_personas(path: Path, prompt_ids: Collection[str]) -> tuple[PersonasFile, list[str]]:
    """personas.yaml and its problems (each naming the file and the persona); prompts must exist."""
    data = load_model(path, PersonasFile)
    problems = []

    def need(prompt_id: str, place: str) -> None:
        if prompt_id not in prompt_ids:
            problems.append(f"{path}: {place}: prompt '{prompt_id}' not found (expected prompts/coach/{prompt_id}.txt)")

    if data.default_persona not in data.personas:
        problems.append(f"{path}: default_persona: unknown persona '{data.default_persona}'")
    for persona_id, persona in data.personas.items():
        place = f"persona {persona_id}"
        for field in ("greeting", "name"):
            if getattr(persona, field):
                need(getattr(persona, field), f"{place}, {field}")
        for reply, ways in persona.words.items():
            for prompt_id in (reply, *ways):
                need(prompt_id, f"{place}, words.{reply}")
        for item_id, prompt_id in persona.tips.items():
            need(prompt_id, f"{place}, tips.{item_id}")
    for reply, ways in data.wordings.items():
        for prompt_id in (reply, *ways):
            need(prompt_id, f"wordings.{reply}")
    return data, problems


def wordings(data: PersonasFile, persona_id: str, prompt_id: str) -> list[str]:
    """Every way `persona_id` says the reply `prompt_id`: its own words, else the shared ones (or just the one)."""
    persona = data.personas[persona_id]
    return list(persona.words.get(prompt_id) or data.wordings.get(prompt_id) or [prompt_id])


def first_choice(call: str, turn: int, count: int, default: bool) -> int:
    """Which wording a turn starts from: the first for the default persona (as the line always spoke),
    else one picked from the call and the turn, the same on every replay."""
    return 0 if default else zlib.crc32(f"{call}:{turn}".encode()) % count

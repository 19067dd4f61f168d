"""The spoken words: one plain-text file per prompt id in prompts/."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

_PROMPT_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def placeholders(text: str) -> set[str]:
    """The {names} a text expects to be filled in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class PromptLibrary:
    """Prompt id -> raw text (placeholders still in braces), plus where it came from."""

    folder: Path
    texts: dict[str, str]
    paths: dict[str, Path] | None = None  # prompt id -> its file (prompts in a subfolder such as coach/)

    def __contains__(self, prompt_id: str) -> bool:
        return prompt_id in self.texts

    def render(self, prompt_id: str, values: dict[str, str]) -> str:
        """The prompt's words with its placeholders filled from `values`."""
        return self.texts[prompt_id].format_map(values)

    def placeholders(self, prompt_id: str) -> set[str]:
        """The names in braces that the prompt's text expects."""
        return placeholders(self.texts[prompt_id])

    def path(self, prompt_id: str) -> Path:
        """The file a prompt id lives in (for messages that name it)."""
        return (self.paths or {}).get(prompt_id) or self.folder / f"{prompt_id}.txt"

    def in_subfolder(self, prompt_id: str) -> bool:
        """True for words kept in a subfolder (prompts/coach/): spoken by the coach, not by a flow node."""
        return self.path(prompt_id).parent != self.folder


def load_prompts(folder: Path) -> PromptLibrary:
    """Read every prompts/*.txt and prompts/*/*.txt; an empty, badly named or repeated id stops start-up."""
    if not folder.is_dir():
        raise ConfigError([f"{folder}: prompts folder not found"])
    texts, paths, problems = {}, {}, []
    # Subfolders (coach/) share one namespace with the top level: an id names one file.
    for path in sorted(folder.glob("*.txt")) + sorted(folder.glob("*/*.txt")):
        prompt_id = path.stem
        text = " ".join(path.read_text(encoding="utf-8").split())
        if prompt_id in paths:
            problems.append(f"{path}: prompt id '{prompt_id}' is already used by {paths[prompt_id]}")
        elif not _PROMPT_ID.match(prompt_id):
            problems.append(f"{path}: prompt id must be lower-case words joined by hyphens")
        elif not text:
            problems.append(f"{path}: prompt is empty")
        else:
            try:
                placeholders(text)
            except ValueError as exc:  # a lone brace: "Goodbye {oops"
                problems.append(f"{path}: {exc} (placeholders look like {{mail_address}})")
                continue
            texts[prompt_id] = text
            paths[prompt_id] = path
    if problems:
        raise ConfigError(problems)
    return PromptLibrary(folder=folder, texts=texts, paths=paths)

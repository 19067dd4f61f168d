"""The menu ear's intents (data/intents.yaml): what each means and where it leads at each menu."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ..line.errors import ConfigError
from ..line.flows import MenuNode, StrictModel
from ..line.practice_line import BACK, HOME, PracticeLine, REPEAT, REPRESENTATIVE
from ..line.yamlfile import load_model

INTENTS = Path(__file__).resolve().parent / "data" / "intents.yaml"
NO_BRANCH, OUT_OF_SCOPE, YES, NO = "no-branch", "out-of-scope", "yes", "no"
EVERY_MENU = "*"
SPECIAL = (REPRESENTATIVE, BACK, HOME, REPEAT)


class Intent(StrictModel):
    """One thing a caller may mean."""

    about: str = Field(min_length=1)
    routes: dict[str, str] = {}


class IntentsFile(StrictModel):
    """The whole of data/intents.yaml."""

    intents: dict[str, Intent] = Field(min_length=2)


def load_intents(line: PracticeLine, path: Path = INTENTS) -> dict[str, Intent]:
    """Read intents.yaml and check every route against the line's menus; ConfigError names the file and intent."""
    intents = load_model(path, IntentsFile).intents
    problems = [f"{path}: intent {name} is missing" for name in (NO_BRANCH, OUT_OF_SCOPE, YES, NO)
                if name not in intents]
    for name, intent in intents.items():
        for menu, target in intent.routes.items():
            if menu != EVERY_MENU and not isinstance(line.flow.nodes.get(menu), MenuNode):
                problems.append(f"{path}: intent {name}: {menu!r} is not a menu of {line.flow_path.name}")
            if target not in SPECIAL and target not in line.flow.nodes:
                problems.append(f"{path}: intent {name}: route to unknown node {target!r}")
    if problems:
        raise ConfigError(problems)
    return intents

"""Read a YAML file into a pydantic model, naming the file and node on failure."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)
# libyaml's loader reads the config ten times faster than the pure-Python one (start-up time).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_model(path: Path, model: type[Model]) -> Model:
    """Parse `path` as YAML and validate it as `model`, or raise ConfigError."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML ({exc})"]) from exc
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError([f"{path}: {_where(err['loc'])}: {err['msg']}" for err in exc.errors()]) from exc


# Top-level maps whose keys are ids a reader knows: "node dispute", "reason dispute".
_NAMED = {"nodes": "node", "reasons": "reason", "scenarios": "scenario", "moves": "move"}


def _where(loc: tuple) -> str:
    """Turn a pydantic error location into 'node <id>, options[2].target'."""
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] in _NAMED:
        # Discriminated unions add the kind to the path; it is noise to a reader.
        rest = [p for p in parts[2:] if p not in {"message", "menu", "collect", "hold", "end"}]
        return f"{_NAMED[parts[0]]} {parts[1]}" + (f", {'.'.join(rest)}" if rest else "")
    return ".".join(parts) or "(top level)"

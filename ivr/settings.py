"""Typed settings from config/settings.yaml, with per-app overrides."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .yamlfile import load_model


class VoiceSettings(BaseModel):
    """How TwiML speaks and listens."""

    model_config = ConfigDict(extra="forbid")
    say_voice: str = "Polly.Joanna"
    say_language: str = "en-US"
    hold_pause_seconds: int = Field(default=3, ge=0, le=60)
    speech_timeout: str = "auto"
    speech_language: str = "en-US"
    # Tests and demos shorten every <Gather> timeout to at most this many seconds.
    gather_timeout_cap: int | None = Field(default=None, ge=1, le=60)


class Settings(BaseModel):
    """Everything config/settings.yaml holds."""

    model_config = ConfigDict(extra="allow")
    voice: VoiceSettings = VoiceSettings()


def load_settings(path: Path, overrides: dict | None = None) -> Settings:
    """Read settings.yaml and apply `overrides` (a nested dict, e.g. from test config)."""
    settings = load_model(path, Settings)
    if overrides:
        merged = _merge(settings.model_dump(), overrides)
        settings = Settings.model_validate(merged)
    return settings


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out

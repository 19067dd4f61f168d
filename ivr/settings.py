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


class PhoneSettings(BaseModel):
    """The browser practice phone: how it speaks and how long its call summaries are kept."""

    model_config = ConfigDict(extra="forbid")
    # Practice-call summaries are deleted this many days after the call.
    keep_days: int = Field(default=30, ge=1, le=365)
    # Speak prompts with the browser's speech synthesis when it has a voice (captions always show).
    browser_speech: bool = True
    # Without a voice, each caption stays up this long per word, so it can be read; 0 runs at once.
    caption_seconds_per_word: float = Field(default=0.35, ge=0, le=2)


class Settings(BaseModel):
    """Everything config/settings.yaml holds."""

    model_config = ConfigDict(extra="allow")
    voice: VoiceSettings = VoiceSettings()
    phone: PhoneSettings = PhoneSettings()


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

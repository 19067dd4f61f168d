"""Typed settings from config/settings.yaml, with per-app overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from .yamlfile import load_model

# gtts.lang.tts_langs() as a table: importing gtts (and requests) would cost start-up a tenth of a
# second. tests/test_audio_gtts.py keeps it equal to the installed gTTS's list.
GTTS_LANGUAGES = frozenset({
    "af", "am", "ar", "bg", "bn", "bs", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fi",
    "fr", "fr-CA", "gl", "gu", "ha", "hi", "hr", "hu", "id", "is", "it", "iw", "ja", "jw", "km", "kn", "ko",
    "la", "lt", "lv", "ml", "mr", "ms", "my", "ne", "nl", "no", "pa", "pl", "pt", "pt-PT", "ro", "ru", "si",
    "sk", "sq", "sr", "su", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "yue", "zh", "zh-CN",
    "zh-TW",
})


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


class VoiceSettings(BaseModel):
    """How TwiML speaks and listens."""

    model_config = ConfigDict(extra="forbid")
    say_voice: str = "Polly.Joanna"
    say_language: str = "en-US"
    hold_pause_seconds: int = Field(default=3, ge=0, le=60)
    # Twilio's recognizer, set up as its docs say for phone calls: the phone_call model, enhanced (the
    # premium version of that model), US English. With a speechModel set Twilio wants a whole number
    # of seconds of silence to end on ("auto" raises warning 13335): 2 suits short menu answers.
    speech_model: str = Field(default="phone_call", pattern=r"^[a-z0-9_.-]*$")
    speech_enhanced: bool = True
    speech_timeout: str = Field(default="2", pattern=r"^(auto|[1-9][0-9]?)$")
    speech_language: str = "en-US"
    # Tests and demos shorten every <Gather> timeout to at most this many seconds.
    gather_timeout_cap: int | None = Field(default=None, ge=1, le=60)

    @field_validator("speech_timeout", mode="before")
    @classmethod
    def _seconds_as_text(cls, value):
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _timeout_fits_model(self) -> VoiceSettings:
        if self.speech_model and self.speech_timeout == "auto":
            raise ValueError("speech_timeout 'auto' cannot be used with a speech_model (Twilio warning 13335): "
                             "give whole seconds, e.g. 2")
        if self.speech_enhanced and self.speech_model != "phone_call":
            raise ValueError("speech_enhanced applies only to speech_model phone_call")
        return self

    def speech(self) -> dict[str, str]:
        """The speech attributes of every <Gather> (twilio's gather() keywords)."""
        out = {"speech_timeout": self.speech_timeout, "language": self.speech_language}
        if self.speech_model:
            out["speech_model"] = self.speech_model
        if self.speech_enhanced:
            out["enhanced"] = "true"
        return out


class PhoneSettings(BaseModel):
    """The browser practice phone: how it speaks and how long its call summaries are kept."""

    model_config = ConfigDict(extra="forbid")
    # Practice-call summaries are deleted this many days after the call.
    keep_days: int = Field(default=30, ge=1, le=365)
    # Speak prompts with the browser's speech synthesis when it has a voice (captions always show).
    browser_speech: bool = True
    # Without a voice, each caption stays up this long per word, so it can be read; 0 runs at once.
    caption_seconds_per_word: float = Field(default=0.35, ge=0, le=2)


class AudioSettings(BaseModel):
    """How prompts are rendered into the audio library (see `flask --app app audio build`)."""

    model_config = ConfigDict(extra="forbid")
    # Off: every prompt is spoken with <Say>, whatever the cache holds.
    enabled: bool = True
    engine: Literal["gtts", "espeak"] = "gtts"
    # Used for prompts the engine above could not render (no network, say).
    fallback: Literal["espeak", "none"] = "espeak"
    # Where the audio lives; relative paths are under the instance folder.
    cache_dir: str = "audio"
    lang: str = "en"
    # gTTS accent: the Google host's top-level domain (us, co.uk, com.au, ca, co.in, ie, co.za).
    tld: str = Field(default="us", pattern=r"^[a-z]{2,3}(\.[a-z]{2,3})?$")
    slow: bool = False
    espeak_voice: str = Field(default="en-us", pattern=r"^[a-z0-9+-]+$")
    espeak_words_per_minute: int = Field(default=160, ge=80, le=450)
    # An 8 kHz mono mu-law WAV copy for the phone line (browsers get the MP3).
    telephone_copy: bool = True
    # Every gTTS request: seconds to connect, seconds to wait for the answer.
    connect_timeout: float = Field(default=3.0, gt=0, le=60)
    read_timeout: float = Field(default=10.0, gt=0, le=120)
    # Seconds between gTTS renders (a long prompt's pieces go together), retries on 429/5xx,
    # and the first back-off (it doubles each time; a Retry-After header is honored up to 60 s).
    throttle_seconds: float = Field(default=0.5, ge=0, le=30)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0, le=60)
    # Offline renders run in parallel (each is a few short subprocesses).
    workers: int = Field(default=2, ge=1, le=32)

    @field_validator("lang")
    @classmethod
    def _known_language(cls, lang: str) -> str:
        if lang not in GTTS_LANGUAGES:
            raise ValueError(f"gTTS does not speak '{lang}' (try en, fr, es, de, ...)")
        return lang


class Settings(BaseModel):
    """Everything config/settings.yaml holds."""

    model_config = ConfigDict(extra="forbid")  # a misspelt section must stop start-up
    voice: VoiceSettings = VoiceSettings()
    phone: PhoneSettings = PhoneSettings()
    audio: AudioSettings = AudioSettings()


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

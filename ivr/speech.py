"""Puts a prompt into TwiML: recorded audio when it exists, else <Say> with the same words."""

from __future__ import annotations

from .line import Segment
from .settings import VoiceSettings


class Speaker:
    """Speaks segments into a TwiML parent (the response, or a <Gather>)."""

    def __init__(self, voice: VoiceSettings):
        self.voice = voice

    def speak(self, parent, segment: Segment) -> None:
        """Add one segment to `parent` as <Say>."""
        parent.say(segment.text, voice=self.voice.say_voice, language=self.voice.say_language)

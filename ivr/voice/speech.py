"""Puts a prompt into TwiML: <Play> of its cached audio when valid audio exists, else <Say> with the same words."""

from __future__ import annotations

from typing import NamedTuple

from flask import has_request_context, request

from ..audio.cache import AUDIO_PREFIX, AudioLibrary
from ..line.practice_line import Segment
from ..line.settings import Voice, VoiceSettings

# Only Twilio signs its requests: it gets the 8 kHz phone copy; browsers and the terminal get MP3.
SIGNATURE_HEADER = "X-Twilio-Signature"


class View(NamedTuple):
    """All a reply's audio depends on besides its words: where the audio is served, and which copy plays."""

    base_url: str | None  # None: no request and no public URL, so every prompt is <Say>
    phone: bool  # Twilio's 8 kHz copy rather than the MP3


def signed_by_twilio() -> bool:
    """True when this request carries Twilio's signature header (checked by voice/security.py)."""
    return SIGNATURE_HEADER in request.headers


class Speaker:
    """Speaks segments into a TwiML parent (the response, or a <Gather>)."""

    def __init__(self, voice: VoiceSettings, audio: AudioLibrary | None = None, base_url: str | None = None,
                 view: View | None = None):
        self.voice = voice
        self.audio = audio
        self.base_url = base_url.rstrip("/") if base_url else None
        self.fixed_view = view  # set by in_view(): every prompt of one reply is in the same view

    def in_view(self, view: View) -> Speaker:
        """This speaker for one reply in `view`: the request is looked at once, not once per prompt."""
        return Speaker(self.voice, self.audio, self.base_url, view)

    def speak(self, parent, segment: Segment, voice: Voice | None = None) -> None:
        """Add one segment to `parent`: <Play> of its audio if the library has it, else <Say>; in `voice`
        (a persona's own, when built), else in the line's."""
        url = self.audio_url(segment.text, voice) if self.audio is not None else None
        if url is not None:
            parent.play(url)
        else:
            say_voice = (voice.say if voice is not None else None) or self.voice.say_voice
            parent.say(segment.text, voice=say_voice, language=self.voice.say_language)

    def audio_url(self, text: str, voice: Voice | None = None) -> str | None:
        """The absolute URL of indexed audio for `text` (PUBLIC_BASE_URL, else this request's host), or None.

        Never renders: words with no audio in the library (nothing per-call is) are left to <Say>.
        """
        if self.audio is None:
            return None
        view = self.view()
        if view.base_url is None:  # a relative URL would not play
            return None
        audio = self.audio.playable(text, phone=view.phone, voice=voice)
        return f"{view.base_url}{AUDIO_PREFIX}/{audio.name}" if audio is not None else None

    def view(self) -> View:
        """This request's View: PUBLIC_BASE_URL or the URL it came to, and whether Twilio signed it."""
        if self.fixed_view is not None:
            return self.fixed_view
        if not has_request_context():
            return View(self.base_url, False)
        # request.url_root's parts (it decodes them too, which a host and a mount path never need).
        return View(self.base_url or f"{request.scheme}://{request.host}{request.root_path}", signed_by_twilio())

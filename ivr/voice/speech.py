"""Puts a prompt into TwiML: <Play> of its cached audio when valid audio exists, else <Say> with the same words."""

from __future__ import annotations

from flask import has_request_context, request

from ..audio.cache import AUDIO_PREFIX, AudioLibrary
from ..line.practice_line import Segment
from ..line.settings import VoiceSettings

# Only Twilio signs its requests: it gets the 8 kHz phone copy; browsers and the terminal get MP3.
TWILIO_SIGNATURE = "HTTP_X_TWILIO_SIGNATURE"  # the X-Twilio-Signature header, as the WSGI environ names it
_REQUEST_VIEW = "practice_line.audio_view"  # per-request (base URL, phone?) worked out once


class Speaker:
    """Speaks segments into a TwiML parent (the response, or a <Gather>)."""

    def __init__(self, voice: VoiceSettings, audio: AudioLibrary | None = None, base_url: str | None = None):
        self.voice = voice
        self.audio = audio
        self.base_url = base_url.rstrip("/") if base_url else None

    def speak(self, parent, segment: Segment) -> None:
        """Add one segment to `parent`: <Play> of its audio if the library has it, else <Say>."""
        url = self.audio_url(segment.text) if self.audio is not None else None
        if url is not None:
            parent.play(url)
        else:
            parent.say(segment.text, voice=self.voice.say_voice, language=self.voice.say_language)

    def audio_url(self, text: str) -> str | None:
        """The absolute URL of valid audio for `text` (PUBLIC_BASE_URL, else this request's host), or None.

        Never renders: words with no audio in the library (nothing per-call is) are left to <Say>.
        """
        if self.audio is None:
            return None
        base, phone = self.request_view()
        if base is None:  # no request and no public URL: a relative URL would not play
            return None
        audio = self.audio.playable(text, phone=phone)
        return f"{base}{AUDIO_PREFIX}/{audio.name}" if audio is not None else None

    def request_view(self) -> tuple[str | None, bool]:
        """(base URL of audio URLs, phone copy?) for this request: all a reply's audio depends on."""
        # A reply speaks a dozen segments: work out the base URL and the caller's kind once.
        if not has_request_context():
            return self.base_url, False
        environ = request.environ
        view = environ.get(_REQUEST_VIEW)
        if view is None:
            if self.audio is not None:
                self.audio.refresh_if_rebuilt()  # a build by another process shows up within seconds
            view = (self.base_url or request.url_root.rstrip("/"), TWILIO_SIGNATURE in environ)
            environ[_REQUEST_VIEW] = view
        return view

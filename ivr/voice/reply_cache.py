"""The one reply cache: a node's TwiML, rendered once per (turn, view, audio build) and reused.

A reply is a pure function of the turn (node, failures, notice, the call's counts), the View (base
URL, phone copy or MP3) and the audio library's build: all of it is the key. A reply that reads the
call's reference number also depends on the CallSid, so it is rendered afresh for every call.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, current_app

from ..line.navigator import Turn
from ..line.practice_line import PracticeLine
from ..line.settings import VoiceSettings
from . import twiml
from .speech import SIGNATURE_HEADER, Speaker, View

# Replies kept: every node at every failure count and notice, at the first few dozen turns of a
# call, in a view or two. Any turn can arrive (the counts are the caller's URL), so it is bounded.
REPLIES_KEPT = 8192
EXTENSION = "practice_line.replies"  # its key in app.extensions


class ReplyCache:
    """Replies by (turn, view, audio build); emptied when the audio library is rebuilt."""

    def __init__(self, line: PracticeLine, speaker: Speaker, voice: VoiceSettings):
        self.line, self.speaker, self.voice = line, speaker, voice
        self.cached = lru_cache(maxsize=REPLIES_KEPT)(self.render)
        if speaker.audio is not None:
            # A rebuilt library has a new build number, so no old reply is found; clearing frees them.
            speaker.audio.on_refresh.append(self.cached.cache_clear)

    def respond(self, turn: Turn, call_sid: str) -> bytes:
        """The TwiML document for `turn` in this request's call (a Flask request context is needed)."""
        audio = self.speaker.audio
        if audio is not None:
            audio.refresh_if_rebuilt()  # a build by another process shows up within seconds
        if turn.reference_again or self.line.run_references(turn.node):
            return self.render(turn, self.speaker.view(), audio.build if audio else 0, call_sid)
        return self.cached(turn, self.speaker.view(), audio.build if audio else 0)

    def render(self, turn: Turn, view: View, build: int, call_sid: str = "") -> bytes:
        """twiml.render's document for `turn`, in the current request (whose View and build are `view`, `build`)."""
        return str(twiml.render(self.line, self.speaker, self.voice, turn, call_sid)).encode()

    def warm(self, app: Flask, base_url: str) -> None:
        """Render every node's first turn for `base_url`, for phones and for browsers (at start-up)."""
        for headers in ({SIGNATURE_HEADER: "warm-up"}, {}):
            with app.test_request_context(base_url=base_url, method="POST", headers=headers):
                for node_id in self.line.nodes:
                    if not self.line.run_references(node_id):  # those are rendered per call anyway
                        self.respond(Turn(node_id), "")


def replies() -> ReplyCache:
    """The current app's reply cache (and, as its .speaker, the speaker every voice reply uses)."""
    return current_app.extensions[EXTENSION]

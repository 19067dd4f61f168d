"""The one reply cache: a reply's TwiML, rendered once per (what it says, view, audio build) and reused.

A node's reply is a pure function of the turn (node, failures, notice, the call's counts), the View
(base URL, phone copy or MP3) and the audio library's build; a desk's first reply, of its signed starting
state and what it says. All of that is the key. A reply that reads the call's reference number also
depends on the CallSid, and a desk's later replies on the conversation so far: those are rendered afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app

from ..line.navigator import Turn
from ..line.practice_line import PracticeLine
from ..line.settings import VoiceSettings
from . import twiml
from .speech import SIGNATURE_HEADER, Speaker

# Replies kept: every node at every failure count and notice, at the first few dozen turns of a call,
# and every desk's first replies, in a view or two. Any turn can arrive (the counts are in the caller's
# URL), so the cache is bounded: the reply used least recently goes first.
REPLIES_KEPT = 8192
EXTENSION = "practice_line.replies"  # its key in app.extensions


class ReplyCache:
    """Replies by (key, view, audio build), least recently used first out; emptied when the audio is rebuilt."""

    def __init__(self, line: PracticeLine, speaker: Speaker, voice: VoiceSettings):
        self.line, self.speaker, self.voice = line, speaker, voice
        self.kept: OrderedDict[tuple, bytes] = OrderedDict()
        self.lock = threading.Lock()
        self.rendered = 0  # replies rendered for the cache so far (what warm-up saves a worker)
        if speaker.audio is not None:
            # A rebuilt library has a new build number, so no old reply is found; clearing frees them.
            speaker.audio.on_refresh.append(self.clear)

    def reply(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The reply kept under `key` for this request's view and the current audio build; render() makes it
        if none is. `key` must hold everything render() depends on besides those two."""
        audio = self.speaker.audio
        if audio is not None:
            audio.refresh_if_rebuilt()  # a build by another process shows up within seconds
        full = (key, self.speaker.view(), audio.build if audio is not None else 0)
        with self.lock:
            found = self.kept.get(full)
            if found is not None:
                self.kept.move_to_end(full)
                return found
        found = render()
        with self.lock:
            self.kept[full] = found
            self.rendered += 1
            if len(self.kept) > REPLIES_KEPT:
                self.kept.popitem(last=False)
        return found

    def respond(self, turn: Turn, call_sid: str) -> bytes:
        """The TwiML document for `turn` in this request's call (a Flask request context is needed)."""
        if turn.reference_again or self.line.run_references(turn.node):  # the call's own reference number
            return self.render(turn, call_sid)
        return self.reply(("node", turn), lambda: self.render(turn, ""))

    def render(self, turn: Turn, call_sid: str) -> bytes:
        """twiml.render's document for `turn`, in the current request."""
        speaker = self.speaker.in_view(self.speaker.view())
        return str(twiml.render(self.line, speaker, self.voice, turn, call_sid)).encode()

    def clear(self) -> None:
        """Forget every reply (the audio library was rebuilt)."""
        with self.lock:
            self.kept.clear()

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

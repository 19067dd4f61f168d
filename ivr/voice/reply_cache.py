"""Each turn's TwiML rendered once and reused, so a webhook is a lookup plus the parts that differ per call.

A layer around twiml.render, not a second renderer: a stored reply is what render() said for the
same turn, split where the call's reference numbers go, and it is checked against a fresh render
with another CallSid before it is kept. A reply that render() makes differently per call in any
other way is never stored, so the cache stays right whatever the renderer learns to say.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask import request
from twilio.twiml.voice_response import VoiceResponse

from ..audio.cache import AUDIO_PREFIX
from ..audio.watch import FolderWatch
from ..line.practice_line import PracticeLine
from ..line.navigator import Turn, reference_number
from ..line.settings import VoiceSettings
from . import twiml
from .speech import TWILIO_SIGNATURE, Speaker

# Two made-up calls: one to compile with, one to check the compiled reply against a fresh render.
COMPILE_SID, CHECK_SID = "CA" + "c0" * 16, "CA" + "5e" * 16
MAX_VIEWS = 8  # (base URL, phone?) pairs kept; the Host header is the caller's to choose
MAX_TURNS = 2048  # replies kept per view: every node at every failure count fits many times over
_PLAYED = re.compile(re.escape(AUDIO_PREFIX) + r"/([0-9a-f]+\.[a-z0-9]+)</Play>")
_OPEN, _CLOSE = "<Response>", "</Response>"
STATE_MARK = "desk-state-mark"  # stands in for a desk's state token while its reply is compiled


@dataclass
class CompiledReply:
    """A reply's document split around its reference numbers, and the audio files it plays."""

    parts: tuple[bytes, ...]  # len(parts) == len(references) + 1
    references: tuple[str, ...]  # node id whose reference number goes after parts[i]
    files: tuple[tuple[str, int, int], ...]  # (path, size, mtime) of each file played: if one changed, render afresh
    checked: int = 0  # the audio folder's change count when the files were last found unchanged
    mark: bytes = b""  # the stand-in call's counts in its URLs (twiml.call_mark), replaced per call

    def files_unchanged(self) -> bool:
        """True while every file the reply plays is still the file it was compiled with (one stat each)."""
        for path, size, mtime_ns in self.files:
            try:
                found = os.stat(path)
            except OSError:
                return False
            if found.st_size != size or found.st_mtime_ns != mtime_ns:
                return False
        return True


class _ViewSpeaker(Speaker):
    """The app's speaker, fixed to one view (base URL, phone copy?) so it renders outside a request too."""

    def __init__(self, speaker: Speaker, base: str | None, phone: bool):
        super().__init__(speaker.voice, speaker.audio, base)
        self.base_url, self.phone = base, phone  # the base exactly as the request gave it
        self.digits: dict[str, bytes] | None = None  # digit -> its verbs, for reference numbers

    def request_view(self) -> tuple[str | None, bool]:
        """The fixed view."""
        return self.base_url, self.phone


class CompiledReplies:
    """Replies per view and turn, compiled on first use (or by warm()) and dropped when the audio changes."""

    def __init__(self, line: PracticeLine, speaker: Speaker, voice: VoiceSettings):
        self.line, self.speaker, self.voice = line, speaker, voice
        self._views: dict[tuple[str | None, bool], tuple[_ViewSpeaker, dict[Turn, CompiledReply | None]]] = {}
        self._lock = threading.Lock()
        self._raw_views: dict[tuple, tuple[_ViewSpeaker, dict]] = {}
        self._changes = 0  # how often the audio folder changed, as far as this process saw
        if speaker.audio is not None:
            self._watch = FolderWatch(speaker.audio.folder)
            speaker.audio.on_refresh.append(self.recompile)

    def respond(self, turn: Turn, call_sid: str, environ: dict | None = None) -> bytes:
        """The TwiML document for `turn` in this request's call (a Flask request context is needed;
        `environ` is its WSGI environ, when the caller has it at hand)."""
        view_speaker, replies = self._request_view(environ)
        # One stored reply serves a turn whatever the call's counts: they are put into its URLs below.
        key = twiml.stored_key(turn)
        reply = self._still_valid(replies.get(key, False))
        if reply is False:
            reply = self._compile(view_speaker, twiml.stored_turn(turn))
            if len(replies) < MAX_TURNS:
                replies[key] = reply
        if reply is None:  # differs per call in ways a stored copy cannot follow
            return self._render(view_speaker, turn, call_sid).encode()
        return twiml.with_call(self.line, self._fill(view_speaker, reply, call_sid), reply.mark, turn)

    def with_state(self, key: Hashable, render: Callable[[Speaker, str], VoiceResponse], state: str,
                   environ: dict | None = None) -> bytes:
        """A reply that is the same for every call but for a state token in its URLs (a desk's), drawn
        by `render(speaker, token)` once per view and `key` (everything else the reply depends on)."""
        view_speaker, replies = self._request_view(environ)
        reply = self._still_valid(replies.get(key, False))
        if reply is False:
            reply = self._compile_with_state(view_speaker, render, state)
            if len(replies) < MAX_TURNS:
                replies[key] = reply
        if reply is None:
            return str(render(view_speaker, state)).encode()
        return escape(state).encode().join(reply.parts)

    def _request_view(self, environ: dict | None) -> tuple[_ViewSpeaker, dict]:
        """This request's view (base URL, phone?) and its stored replies; notices audio changes first."""
        if self.speaker.audio is not None:
            self.speaker.audio.refresh_if_rebuilt()  # a build by another process shows up within seconds
            if self._watch.changed():  # one read instead of a stat per file played
                self._changes += 1
        environ = environ if environ is not None else request.environ
        # What the view (base URL, phone?) is made of, before Werkzeug's slower URL rebuilding.
        raw = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"), TWILIO_SIGNATURE in environ)
        found = self._raw_views.get(raw)
        if found is None:
            if len(self._raw_views) >= MAX_VIEWS:
                self._raw_views.clear()
            found = self._raw_views[raw] = self._view(*self.speaker.request_view())
        return found

    def _still_valid(self, reply):
        """`reply` (False: none stored), or False when a file it plays was deleted or replaced since."""
        if reply is not False and reply is not None and reply.checked != self._changes:
            if not reply.files_unchanged():
                return False  # that prompt becomes <Say> when compiled again
            reply.checked = self._changes
        return reply

    def warm(self, base: str | None) -> None:
        """Compile every node's first turn for `base`, for phones and for browsers (at start-up)."""
        if self.speaker.audio is not None:
            self.speaker.audio.index()  # first: indexing recompiles whatever was compiled before it
        for phone in (True, False):
            view_speaker, replies = self._view(base, phone)
            for node_id in self.line.nodes:
                first = Turn(node_id)
                replies[twiml.stored_key(first)] = self._compile(view_speaker, twiml.stored_turn(first))

    def recompile(self) -> None:
        """The audio library changed: drop every reply and compile the first turns again for known bases."""
        with self._lock:
            bases = {base for base, _phone in self._views}
            self._views, self._raw_views = {}, {}
        for base in bases:
            self.warm(base)

    def _view(self, base: str | None, phone: bool) -> tuple[_ViewSpeaker, dict]:
        found = self._views.get((base, phone))
        if found is None:
            with self._lock:
                views = dict(self._views)
                while len(views) >= MAX_VIEWS:  # forget the oldest view rather than grow
                    del views[next(iter(views))]
                found = views[(base, phone)] = (_ViewSpeaker(self.speaker, base, phone), {})
                self._views = views
        return found

    def _compile(self, speaker: _ViewSpeaker, turn: Turn) -> CompiledReply | None:
        document = self._render(speaker, turn, COMPILE_SID)
        references = self.line.run_references(turn.node)
        parts, rest = [], document
        for node_id in references:
            number = self._reference(speaker, COMPILE_SID, node_id).decode()
            head, found, rest = rest.partition(number)
            if not number or not found:
                return None
            parts.append(head.encode())
        parts.append(rest.encode())
        played = _PLAYED.findall(document)
        if references:
            digits = self._digits(speaker)
            if digits is None:
                return None
            played += _PLAYED.findall(b"".join(digits.values()).decode())
        reply = CompiledReply(tuple(parts), references, self._files(speaker, played), checked=self._changes,
                              mark=twiml.call_mark(self.line, turn))
        # The proof that only the reference numbers differ per call: another call, rendered afresh.
        if self._fill(speaker, reply, CHECK_SID) != self._render(speaker, turn, CHECK_SID).encode():
            return None
        return reply

    def _compile_with_state(self, speaker: _ViewSpeaker, render, state: str) -> CompiledReply | None:
        document = str(render(speaker, STATE_MARK))
        reply = CompiledReply(tuple(part.encode() for part in document.split(STATE_MARK)), (),
                              self._files(speaker, _PLAYED.findall(document)), checked=self._changes)
        # The proof that only the token differs: this very reply, rendered afresh.
        if escape(state).encode().join(reply.parts) != str(render(speaker, state)).encode():
            return None
        return reply

    def _files(self, speaker: _ViewSpeaker, played: list[str]) -> tuple[tuple[str, int, int], ...]:
        """(path, size, mtime) of each audio file a reply plays."""
        by_name = speaker.audio.by_name if speaker.audio is not None else {}
        return tuple((f.path, f.size, f.mtime_ns) for f in (by_name.get(n) for n in dict.fromkeys(played)) if f)

    def _fill(self, speaker: _ViewSpeaker, reply: CompiledReply, call_sid: str) -> bytes:
        if not reply.references:
            return reply.parts[0]
        pieces, digits = [reply.parts[0]], speaker.digits
        for node_id, part in zip(reply.references, reply.parts[1:]):
            pieces += [digits[d] for d in reference_number(call_sid, node_id)]
            pieces.append(part)
        return b"".join(pieces)

    def _digits(self, speaker: _ViewSpeaker) -> dict[str, bytes] | None:
        # Each digit's verbs, as speaking that digit alone writes them (checked by _compile).
        if speaker.digits is None:
            try:
                speaker.digits = {d: _inner(self._spoken(speaker, f"digit-{d}")) for d in "0123456789"}
            except KeyError:  # a line without digit prompts: replies with references are rendered afresh
                return None
        return speaker.digits

    def _spoken(self, speaker: Speaker, prompt_id: str) -> VoiceResponse:
        response = VoiceResponse()
        speaker.speak(response, self.line.segment(prompt_id))
        return response

    def _render(self, speaker: Speaker, turn: Turn, call_sid: str) -> str:
        return str(twiml.render(self.line, speaker, self.voice, turn, call_sid))

    def _reference(self, speaker: Speaker, call_sid: str, node_id: str) -> bytes:
        # The reference number's verbs as render() writes them.
        response = VoiceResponse()
        twiml.speak_reference(self.line, speaker, response, call_sid, node_id)
        return _inner(response)


def _inner(response: VoiceResponse) -> bytes:
    """The verbs of a response without the <Response> around them."""
    document = str(response)
    start = document.find(_OPEN)
    return document[start + len(_OPEN):document.rindex(_CLOSE)].encode() if start >= 0 else b""

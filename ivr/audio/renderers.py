"""Text -> audio bytes: gTTS (throttled, retried, time-limited) and espeak-ng (offline), plus the phone copy."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from importlib.metadata import version
from typing import TYPE_CHECKING

from ..line.settings import AudioSettings
from .cache import RenderSpec
from .probe import probe

if TYPE_CHECKING:  # gtts imports requests: both load only when something is rendered (start-up time)
    from gtts import gTTS, gTTSError

    from ..line.settings import Voice

GTTS, ESPEAK = "gtts", "espeak-ng"
TOOL_TIMEOUT = 60  # seconds for one espeak-ng, lame or sox run; they take milliseconds


class EngineError(Exception):
    """This one render failed; another engine may still render the words."""


class EngineDown(EngineError):
    """The engine cannot work for the rest of this run (unreachable, refusing, or not answering audio)."""


@dataclass(frozen=True)
class Rendered:
    """One prompt's audio: the MP3, and the 8 kHz mu-law phone copy when it could be made."""

    mp3: bytes
    phone: bytes | None
    phone_problem: str | None = None  # why there is no phone copy, when one was asked for


@lru_cache(maxsize=None)
def tool_version(tool: str) -> str | None:
    """The version a command-line tool reports (espeak-ng, lame, sox), or None if it is not installed."""
    if shutil.which(tool) is None:
        return None
    try:
        done = subprocess.run([tool, "--version"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\d+(\.\d+)+", (done.stdout + done.stderr).decode("utf-8", "replace"))
    return found.group(0) if found else "unknown"


def _run(command: list[str], data: bytes) -> bytes:
    """Run a tool with `data` on stdin; its stdout, or EngineError naming the tool."""
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=TOOL_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineError(f"{command[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineError(f"{command[0]} failed: {problem[-1] if problem else 'exit ' + str(done.returncode)}")
    return done.stdout


PHONE_RATE = 8000
# sox: any WAV in, raw 8 kHz mono mu-law out (-V1: no warnings about a piped header's sizes).
# Raw, because sox cannot go back and fill in a WAV header's sizes when writing to a pipe.
_TO_PHONE = ["sox", "-V1", "-t", "wav", "-", "-r", str(PHONE_RATE), "-c", "1", "-e", "u-law", "-t", "ul", "-"]


def mulaw_wav(samples: bytes, rate: int = PHONE_RATE) -> bytes:
    """Raw mono mu-law samples in a WAV container (format 7, with the fact chunk it requires)."""
    fmt = struct.pack("<HHIIHHH", 7, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", len(samples))
    pad = b"\0" if len(samples) % 2 else b""
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(samples)) + samples + pad)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _to_phone(wav: bytes) -> bytes:
    return mulaw_wav(_run(_TO_PHONE, wav))


def phone_tools_version(from_mp3: bool) -> str | None:
    """The tools that make a phone copy (lame decodes MP3, sox converts), or None if one is missing."""
    sox, lame = tool_version("sox"), tool_version("lame")
    if sox is None or (from_mp3 and lame is None):
        return None
    return f"lame {lame}; sox {sox}" if from_mp3 else f"sox {sox}"


def phone_copy_from_mp3(mp3: bytes) -> bytes:
    """An MP3 as the 8 kHz mono mu-law WAV the phone network carries."""
    wav = _run(["lame", "--quiet", "--mp3input", "--decode", "-", "-"], mp3)
    return _to_phone(wav)


class GttsEngine:
    """Google Translate's voice through gTTS: one request at a time, retried on 429/5xx, always time-limited."""

    name = GTTS
    label = "gTTS"
    # Beyond the per-request timeouts, for DNS and slow reads: the most one render may take.
    deadline_slack = 2.0

    def __init__(self, settings: AudioSettings, sleep=time.sleep, clock=time.monotonic):
        self.settings = settings
        self.sleep, self.clock = sleep, clock
        self.host = f"translate.google.{settings.tld}"
        self.down: str | None = None  # why the engine stopped for this run
        self._last_request = float("-inf")
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False once the service was found unreachable in this run."""
        return self.down is None

    def accent(self, voice: Voice | None = None) -> str:
        """The top-level domain `voice` speaks with (the settings' own when it names none)."""
        return (voice.gtts if voice is not None else None) or self.settings.tld

    def spec(self, phone: bool, voice: Voice | None = None) -> RenderSpec:
        """What gTTS audio in `voice` (None: the line's own) is keyed by."""
        s = self.settings
        return RenderSpec(GTTS, f"gtts {version('gTTS')}", s.lang, self.accent(voice), "slow" if s.slow else "normal",
                          phone_tools_version(from_mp3=True) if phone else None)

    def render(self, text: str, phone: bool, voice: Voice | None = None) -> Rendered:
        """Render `text` in `voice`; EngineDown (and no more requests this run) if the service fails."""
        if self.down:
            raise EngineDown(self.down)
        with self._lock:  # gTTS is throttled: one request at a time, spaced out
            try:
                mp3 = self._render_with_retries(text, self.accent(voice))
            except EngineDown as exc:
                self.down = str(exc)
                raise
        return _with_phone_copy(mp3, phone, lambda: phone_copy_from_mp3(mp3), from_mp3=True)

    def _render_with_retries(self, text: str, tld: str) -> bytes:
        from gtts import gTTS, gTTSError

        s = self.settings
        tts = gTTS(text, tld=tld, lang=s.lang, slow=s.slow, lang_check=False,
                   timeout=(s.connect_timeout, s.read_timeout))
        try:
            parts = len(tts.get_bodies())  # builds the requests only; no network
        except AssertionError as exc:
            raise EngineError(f"gTTS has nothing to say for {text!r}") from exc
        for attempt in range(s.retries + 1):
            self._wait_turn()
            try:
                mp3 = self._fetch(tts, deadline=parts * (s.connect_timeout + s.read_timeout) + self.deadline_slack)
            except gTTSError as exc:
                status = exc.rsp.status_code if exc.rsp is not None else None
                if (status == 429 or (status or 0) >= 500) and attempt < s.retries:
                    self.sleep(self._backoff(attempt, exc.rsp))
                    continue
                raise EngineDown(self._explain(exc, status, attempt + 1)) from exc
            info = probe(mp3)
            if info is None or info.kind != "mp3":
                raise EngineDown(f"{self.host} answered, but not with audio ({len(mp3)} bytes; "
                                 "a sign-in or captive-portal page?)")
            return mp3
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _fetch(self, tts: gTTS, deadline: float) -> bytes:
        # requests' timeouts do not cover the DNS lookup, which can hang for a long time
        # on a machine with no network: a daemon thread bounds the whole render.
        box: dict[str, object] = {}

        def work() -> None:
            buffer = io.BytesIO()
            try:
                tts.write_to_fp(buffer)  # into memory: save() would leave an empty file on failure
                box["mp3"] = buffer.getvalue()
            except BaseException as exc:  # handed to the waiting thread below
                box["error"] = exc

        thread = threading.Thread(target=work, name="gtts-request", daemon=True)
        thread.start()
        thread.join(deadline)
        if thread.is_alive():
            raise EngineDown(f"no answer from {self.host} within {deadline:.1f} s")
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["mp3"]  # type: ignore[return-value]

    def _wait_turn(self) -> None:
        wait = self._last_request + self.settings.throttle_seconds - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last_request = self.clock()

    def _backoff(self, attempt: int, response) -> float:
        delay = self.settings.backoff_seconds * (2 ** attempt)
        retry_after = response.headers.get("Retry-After", "") if response is not None else ""
        if retry_after.isdigit():
            delay = max(delay, min(int(retry_after), 60))  # honor the server, within reason
        return delay

    def _explain(self, exc: gTTSError, status: int | None, tries: int) -> str:
        import requests

        if status is None:
            cause = exc.__context__
            if isinstance(cause, requests.exceptions.Timeout):
                return f"{self.host} did not answer in time ({cause.__class__.__name__})"
            reason = _root_reason(cause) if cause is not None else str(exc)
            return f"cannot reach {self.host} ({reason})"
        if status == 429:
            return f"{self.host} is limiting requests (429 Too Many Requests, {tries} tries)"
        if status >= 500:
            return f"{self.host} is failing ({status}, {tries} tries)"
        if status == 403:
            return f"{self.host} refused the request (403); gTTS may need an update"
        if status == 200:
            return f"{self.host} answered without audio"
        return f"{self.host} answered {status}"


def _root_reason(exc: BaseException) -> str:
    # requests wraps urllib3 wraps socket errors; the innermost message is the useful one.
    while exc.__context__ is not None or exc.__cause__ is not None:
        exc = exc.__cause__ or exc.__context__
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^)'\"]+)", text)
    return found.group(1) if found else (text[:120] or exc.__class__.__name__)


class EspeakEngine:
    """espeak-ng: offline and fast; WAV out, lame to MP3, sox to the phone copy."""

    name = ESPEAK
    label = "espeak-ng"

    def __init__(self, settings: AudioSettings):
        self.settings = settings

    @property
    def available(self) -> bool:
        """espeak-ng and lame are installed."""
        return tool_version("espeak-ng") is not None and tool_version("lame") is not None

    @property
    def down(self) -> str | None:
        """Why this engine cannot render here, if it cannot."""
        return None if self.available else "espeak-ng or lame is not installed (Debian: espeak-ng lame)"

    def accent(self, voice: Voice | None = None) -> str:
        """The espeak-ng voice `voice` speaks with (the settings' own when it names none)."""
        return (voice.espeak if voice is not None else None) or self.settings.espeak_voice

    def spec(self, phone: bool, voice: Voice | None = None) -> RenderSpec | None:
        """What espeak-ng audio in `voice` (None: the line's own) is keyed by; None if espeak-ng is not installed."""
        if not self.available:
            return None
        s = self.settings
        # Keyed by the settings' voice as the language (as always), so the line's own audio keeps its files.
        return RenderSpec(ESPEAK, f"espeak-ng {tool_version('espeak-ng')}; lame {tool_version('lame')}",
                          s.espeak_voice, self.accent(voice), f"{s.espeak_words_per_minute}wpm",
                          phone_tools_version(from_mp3=False) if phone else None)

    def render(self, text: str, phone: bool, voice: Voice | None = None) -> Rendered:
        """Render `text` in `voice` with espeak-ng (the words go on stdin, never on the command line)."""
        if not self.available:
            raise EngineDown(self.down)
        s = self.settings
        wav = _run(["espeak-ng", "--stdin", "-b", "1", "-v", self.accent(voice),
                    "-s", str(s.espeak_words_per_minute), "--stdout"], text.encode("utf-8"))
        # lame's voice-friendly settings: mono, 48 kbit/s is plenty for speech, and its fast mode (-f):
        # for a synthetic voice at that rate it sounds the same and halves lame's share of a build
        # (measured: 65 -> 35 ms of CPU for a menu prompt, against espeak-ng's 25 ms).
        mp3 = _run(["lame", "--quiet", "-f", "-m", "m", "-b", "48", "-", "-"], wav)
        return _with_phone_copy(mp3, phone, lambda: _to_phone(wav), from_mp3=False)


def _with_phone_copy(mp3: bytes, phone: bool, convert, from_mp3: bool) -> Rendered:
    # A failed phone copy costs only the copy: the MP3 still plays on every line.
    if not phone:
        return Rendered(mp3, None)
    if phone_tools_version(from_mp3) is None:
        return Rendered(mp3, None, "sox (and lame) are needed for the phone copy")
    try:
        return Rendered(mp3, convert())
    except EngineError as exc:
        return Rendered(mp3, None, str(exc))


def make_engines(settings: AudioSettings, sleep=time.sleep, clock=time.monotonic) -> dict[str, GttsEngine | EspeakEngine]:
    """Both engines, keyed by their settings name (gtts, espeak); gTTS spaces its requests by `clock`, with `sleep`."""
    return {"gtts": GttsEngine(settings, sleep=sleep, clock=clock), "espeak": EspeakEngine(settings)}


def library_specs(settings: AudioSettings, voice: Voice | None = None) -> list[RenderSpec]:
    """The specs a call may play in `voice` (None: the line's own), best first: the configured engine, then the other."""
    engines = make_engines(settings)
    order = [settings.engine] + [name for name in engines if name != settings.engine]
    specs = [engines[name].spec(settings.telephone_copy, voice) for name in order]
    return [spec for spec in specs if spec is not None]

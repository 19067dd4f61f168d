"""The audio library on disk: content-hash names, atomic writes, and the in-memory index calls read."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .probe import AudioInfo, probe

if TYPE_CHECKING:
    from ..line.settings import Voice

# Formats a prompt is stored in: the MP3 every player takes, and the phone line's own.
AUDIO_PREFIX = "/audio"  # where audio/audio_serving.py serves the library
WEB = "mp3"
PHONE = "wav-mulaw-8k"
EXTENSIONS = {WEB: ".mp3", PHONE: ".wav"}
KINDS = {WEB: "mp3", PHONE: "wav"}  # what the probe must find in each
# Bump when the meaning of a key changes, so old files are never mistaken for new ones.
KEY_SCHEMA = 1
KEY_LENGTH = 40  # hex digits of SHA-256: 160 bits, no accidental collisions
_FILE_NAME = re.compile(r"^[0-9a-f]{%d}(\.mp3|\.wav)$" % KEY_LENGTH)
_FORMAT_OF = {ext: fmt for fmt, ext in EXTENSIONS.items()}
# A build touches this when it ends; running apps notice and index the library again.
BUILD_STAMP = ".built"
log = logging.getLogger(__name__)
RECHECK_SECONDS = 2.0
# Files already found valid, by name: [size, mtime_ns, mimetype, etag, seconds]. Start-up then
# stats each file instead of reading, hashing and walking its MP3 frames (a tenth of a second).
CHECKED = ".checked.json"


def normalize(text: str) -> str:
    """The words as the engine receives them: NFC, single spaces, no edge spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class RenderSpec:
    """Everything besides the words that decides how a render sounds; part of every key."""

    engine: str  # "gtts" or "espeak-ng"
    version: str  # the engine and encoder versions that make the MP3
    lang: str
    accent: str
    speed: str
    phone_version: str | None = None  # the tools that make the phone copy; None: no phone copy here

    def key(self, text: str, fmt: str) -> str:
        """The content-hash key of `text` rendered in format `fmt` by this spec."""
        version = self.version if fmt == WEB else f"{self.version}; {self.phone_version}"
        fields = {"schema": KEY_SCHEMA, "text": normalize(text), "lang": self.lang, "accent": self.accent,
                  "speed": self.speed, "engine": self.engine, "version": version, "format": fmt}
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()[:KEY_LENGTH]

    def filename(self, text: str, fmt: str) -> str:
        """The file `text` is stored in: its key plus the format's extension."""
        return self.key(text, fmt) + EXTENSIONS[fmt]


class NotAudio(ValueError):
    """Bytes that are not a complete audio file; they are never stored."""


def write_atomic(folder: Path, name: str, data: bytes, fmt: str) -> AudioInfo:
    """Check `data` is complete audio in format `fmt`, then store it as folder/name in one step."""
    info = probe(data)
    if info is None or info.kind != KINDS[fmt]:
        raise NotAudio(f"{name}: not a complete {KINDS[fmt]} file ({len(data)} bytes)")
    folder.mkdir(parents=True, exist_ok=True)
    # A temp file in the same folder, then os.replace: readers see the old file or the
    # whole new one, never a part, even when two processes render the same prompt at once.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=EXTENSIONS[fmt])
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the web server may run as another user
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return info


def mark_built(folder: Path) -> None:
    """Tell running apps that `folder` changed (they re-index within RECHECK_SECONDS)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / BUILD_STAMP).write_text(f"{time.time():.6f}\n")


def read_valid(path: Path, fmt: str) -> tuple[bytes, AudioInfo] | None:
    """The file's bytes and what they hold, or None if it is missing or not complete audio in `fmt`."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    info = probe(data)
    return (data, info) if info is not None and info.kind == KINDS[fmt] else None


@dataclass(frozen=True)
class AudioFile:
    """One valid file of the library, as the audio route serves it."""

    name: str
    path: str
    mimetype: str
    etag: str  # SHA-256 of the bytes: a strong validator
    size: int
    mtime_ns: int  # with size, tells a file changed since it was indexed (and its ETag computed)
    seconds: float
    text: str
    engine: str


@dataclass(frozen=True)
class PromptAudio:
    """The files for one prompt's words: MP3 for players, the phone copy if there is one."""

    web: AudioFile
    phone: AudioFile | None


class AudioLibrary:
    """Which words have valid audio, indexed once so a webhook only looks up a dict.

    `texts` are the exact strings the speaker is given; `specs()` lists the render specs
    to look for, best first (the configured engine, then the other one). `voiced` are (words, voice)
    pairs a persona speaks in its own voice, looked for under `specs(voice)`.
    """

    def __init__(self, folder: Path, texts: Iterable[str], specs: Callable[..., list[RenderSpec]],
                 voiced: Iterable[tuple[str, Voice]] = ()):
        self.folder = Path(folder)
        self.texts = tuple(dict.fromkeys(texts))
        self.voiced = tuple(dict.fromkeys(voiced))
        self._specs = specs
        self._by_text: dict[str, PromptAudio] = {}
        self._by_voice: dict[tuple[str, Voice], PromptAudio] = {}
        self._by_name: dict[str, AudioFile] = {}
        self._indexed = False
        self._older: dict[str, AudioFile] = {}  # files of earlier words, found when asked for
        self._stamp: float | None = None
        self.clock: Callable[[], float] = time.monotonic  # when the stamp was last looked at (tests set a fake)
        self._checked = 0.0
        # One request re-indexes after a build; the others keep serving the old index meanwhile.
        self._reindexing = threading.Lock()
        self._warned: set[str] = set()  # folder problems already logged (once each)
        # Which index this is: 1 after the first scan, one more after each build is noticed.
        self.build = 0
        # Called after every re-index, e.g. to forget the TwiML that played the old files.
        self.on_refresh: list[Callable[[], None]] = []
        # Indexed on first use, not here: the index asks each audio tool its version (a process each)
        # and reads every file's stat, a tenth of the app's start-up. A server indexes before it
        # serves (ivr.warm_up, in gunicorn's master); a command that plays nothing never does.

    @property
    def by_text(self) -> dict[str, PromptAudio]:
        """Words -> their valid audio (indexed on first use)."""
        self.index()
        return self._by_text

    @property
    def by_name(self) -> dict[str, AudioFile]:
        """File name -> the valid audio file (indexed on first use)."""
        self.index()
        return self._by_name

    def index(self) -> None:
        """Scan the folder now if it has not been scanned yet."""
        if not self._indexed:
            with self._reindexing:
                if not self._indexed:
                    self._reindex()

    def refresh(self) -> None:
        """Scan the folder again (after a build); swaps the index in one assignment each."""
        with self._reindexing:
            self._reindex()

    def _reindex(self) -> None:
        self._stamp, self._checked = self._stamp_time(), self.clock()
        by_text: dict[str, PromptAudio] = {}
        by_voice: dict[tuple[str, Voice], PromptAudio] = {}
        by_name: dict[str, AudioFile] = {}
        if self._has_files():
            specs = {None: self._specs()}
            known = self._read_checked()
            checked: dict[str, list] = {}
            for text, voice in (*((text, None) for text in self.texts), *self.voiced):
                if voice not in specs:
                    specs[voice] = self._specs(voice)
                found = self._find(text, specs[voice], known, checked)
                if found is not None:
                    if voice is None:
                        by_text[text] = found
                    else:
                        by_voice[(text, voice)] = found
                    by_name[found.web.name] = found.web
                    if found.phone is not None:
                        by_name[found.phone.name] = found.phone
            if checked != known:
                self._write_checked(checked)
        self._by_text, self._by_voice, self._by_name = by_text, by_voice, by_name
        self._indexed = True
        self.build += 1
        for listener in self.on_refresh:
            listener()

    def refresh_if_rebuilt(self) -> None:
        """Re-index if another process finished a build; looks at the disk at most every RECHECK_SECONDS."""
        if not self._indexed:
            self.index()
            return
        now = self.clock()
        if now - self._checked < RECHECK_SECONDS:
            return
        self._checked = now
        if self._stamp_time() == self._stamp:
            return
        if not self._reindexing.acquire(blocking=False):
            return  # another request is re-indexing: this one plays from the old index
        try:
            if self._stamp_time() != self._stamp:  # not already done by the request before
                self._reindex()
        finally:
            self._reindexing.release()

    def playable(self, text: str, phone: bool = False, voice: Voice | None = None) -> AudioFile | None:
        """The indexed file to <Play> for `text` (the phone copy if `phone` and it exists), in `voice` if
        that was built, else in the line's own voice.

        The index is what the last build left; a build's stamp tells running apps to read it again
        (refresh_if_rebuilt), and that is the one way a change is noticed.
        """
        found = self.by_text.get(text) if voice is None else (self._voiced(text, voice) or self.by_text.get(text))
        if found is None:
            return None
        return found.phone if phone and found.phone is not None else found.web

    def _voiced(self, text: str, voice: Voice) -> PromptAudio | None:
        self.index()
        return self._by_voice.get((text, voice))

    def file(self, name: str) -> AudioFile | None:
        """The valid file called `name`: indexed, or left from earlier words (old URLs stay valid)."""
        audio = self.by_name.get(name)
        if audio is not None:
            return audio if _unchanged(audio) else None
        if not _FILE_NAME.match(name):  # also keeps any path trickery away from the disk
            return None
        audio = self._older.get(name)
        return audio if audio is not None and _unchanged(audio) else self._load_named(name)

    def captions(self) -> dict[str, str]:
        """File name -> the words it speaks, for every indexed file."""
        return {name: audio.text for name, audio in self.by_name.items()}

    def _load_named(self, name: str) -> AudioFile | None:
        # A TwiML reply from before an edit (or a restart) may still point here.
        found = read_valid(self.folder / name, _FORMAT_OF[name[KEY_LENGTH:]])
        if found is None:
            return None
        audio = _audio_file(self.folder / name, *found, text="", engine="")
        self._older[name] = audio
        return audio

    def _stamp_time(self) -> float | None:
        try:
            return os.stat(self.folder / BUILD_STAMP).st_mtime
        except OSError:
            return None

    def _has_files(self) -> bool:
        try:
            with os.scandir(self.folder) as entries:
                return any(not e.name.startswith(".") for e in entries)
        except FileNotFoundError:
            return False  # nothing built yet: <Say> is expected, nothing to warn about
        except OSError as error:
            self._warn_once(f"the audio folder {self.folder} cannot be read ({error.strerror}), "
                            "so every prompt is spoken with <Say>")
            return False

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning(message)

    def _find(self, text: str, specs: list[RenderSpec], known: dict, checked: dict) -> PromptAudio | None:
        for spec in specs:
            web = self._load(spec, text, WEB, known, checked)
            if web is not None:
                phone = self._load(spec, text, PHONE, known, checked) if spec.phone_version else None
                return PromptAudio(web, phone)
        return None

    def _load(self, spec: RenderSpec, text: str, fmt: str, known: dict, checked: dict) -> AudioFile | None:
        name = spec.filename(text, fmt)
        path = self.folder / name
        try:
            found = os.stat(path)
        except OSError:
            return None
        entry = known.get(name)
        if isinstance(entry, list) and len(entry) == 5 and entry[:2] == [found.st_size, found.st_mtime_ns]:
            audio = AudioFile(name, str(path), entry[2], entry[3], found.st_size, found.st_mtime_ns, entry[4],
                              text, spec.engine)
        else:
            valid = read_valid(path, fmt)
            if valid is None:
                return None
            audio = _audio_file(path, *valid, text=text, engine=spec.engine)
        checked[name] = [audio.size, audio.mtime_ns, audio.mimetype, audio.etag, audio.seconds]
        return audio

    def _read_checked(self) -> dict:
        try:
            known = json.loads((self.folder / CHECKED).read_text())
        except (OSError, ValueError):
            return {}
        return known if isinstance(known, dict) else {}

    def _write_checked(self, checked: dict) -> None:
        # Atomic like the audio files: several workers or servers may write it at once.
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
        except OSError:
            return  # a read-only folder: start-up only checks every file again
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(checked, out)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.folder / CHECKED)
        except OSError:
            Path(tmp).unlink(missing_ok=True)


def _audio_file(path: Path, data: bytes, info: AudioInfo, text: str, engine: str) -> AudioFile:
    mtime_ns = os.stat(path).st_mtime_ns if path.exists() else 0
    return AudioFile(path.name, str(path), info.mimetype, hashlib.sha256(data).hexdigest(), len(data),
                     mtime_ns, info.seconds, text, engine)


def _unchanged(audio: AudioFile) -> bool:
    try:
        found = os.stat(audio.path)
    except OSError:
        return False
    return found.st_size == audio.size and found.st_mtime_ns == audio.mtime_ns

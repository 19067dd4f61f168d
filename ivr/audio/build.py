"""Render every prompt into the audio library (gTTS, else espeak-ng), and check what is missing or stale."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ..line.settings import AudioSettings
from .cache import PHONE, WEB, NotAudio, RenderSpec, mark_built, normalize, read_valid, write_atomic
from .renderers import ESPEAK, EngineDown, EngineError, EspeakEngine, GttsEngine, make_engines, phone_copy_from_mp3
from ..line.settings import Voice

# What a build renders: words in the line's own voice, or (words, a persona's voice); each -> its label.
Items = dict[str | tuple[str, Voice], str]



def voiced(key: str | tuple[str, Voice]) -> tuple[str, Voice | None]:
    """An item's words and voice (None: the line's own)."""
    return key if isinstance(key, tuple) else (key, None)


RENDERED, CACHED, FELL_BACK, FAILED = "rendered", "cached", "fell back", "failed"
OFFLINE_CACHED = "offline audio cached"  # the fallback's audio from an earlier build stands in


@dataclass
class BuildReport:
    """What a build did, prompt by prompt (labels are prompt ids)."""

    folder: Path
    engine: str
    rendered: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    fell_back: list[str] = field(default_factory=list)  # rendered now by the offline engine
    offline_cached: list[str] = field(default_factory=list)  # offline audio from an earlier build stands in
    failed: list[str] = field(default_factory=list)  # no audio at all: calls use <Say>
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcome: str, label: str) -> None:
        """Count one prompt under its outcome."""
        {RENDERED: self.rendered, CACHED: self.cached, FELL_BACK: self.fell_back, FAILED: self.failed,
         OFFLINE_CACHED: self.offline_cached}[outcome].append(label)

    def summary(self) -> list[str]:
        """The closing lines the command prints."""
        total = len(self.rendered) + len(self.cached) + len(self.fell_back) + len(self.offline_cached) + len(self.failed)
        if not (self.rendered or self.fell_back or self.failed):
            lines = [f"audio: everything is up to date: {total} prompts in {self.folder} ({self.seconds:.1f} s)"]
            if self.offline_cached:
                lines.append(f"  {len(self.offline_cached)} of them use offline espeak-ng audio until "
                             f"{self.engine} can be reached")
            return lines
        return [f"audio: {total} prompts in {self.folder} ({self.seconds:.1f} s)",
                f"  rendered with {self.engine}: {len(self.rendered)}",
                f"  already cached: {len(self.cached) + len(self.offline_cached)}",
                f"  fell back to the offline engine (espeak-ng): {len(self.fell_back)}",
                f"  failed (spoken with <Say>): {len(self.failed)}"]


class Builder:
    """One build run: engines, folder and options; gTTS found down stays down for the run."""

    def __init__(self, settings: AudioSettings, folder: Path, engine: str | None = None, force: bool = False,
                 echo: Callable[[str], None] = tqdm.write, sleep=time.sleep, clock=time.monotonic):
        self.settings, self.folder, self.force = settings, Path(folder), force
        self.engines = make_engines(settings, sleep=sleep, clock=clock)  # tests give a fake clock and sleep
        self.primary = self.engines[engine or settings.engine]
        wants_fallback = self.primary.name != ESPEAK and settings.fallback == "espeak"
        self.fallback: EspeakEngine | None = self.engines["espeak"] if wants_fallback else None
        self.echo = echo
        self.notes: list[str] = []
        self._wrote = False  # anything new on disk: running apps are told to re-index
        self._lock = threading.Lock()

    def run(self, items: Items, progress: bool = True) -> BuildReport:
        """Make sure every text in `items` (text or (text, voice) -> label) has valid audio; report what happened."""
        started = time.perf_counter()
        report = BuildReport(self.folder, self.primary.label)
        if not self.primary.available:
            self._tell(f"{self.primary.label} cannot be used: {self.primary.down}.")
        bar = tqdm(total=len(items), desc="audio", unit="prompt", disable=not progress)
        with ThreadPoolExecutor(max_workers=self.settings.workers) as pool:
            offline_jobs = []
            for item, label in items.items():
                if isinstance(self.primary, GttsEngine):
                    # gTTS runs here, one prompt at a time; whatever it cannot do goes to the pool.
                    outcome = self._primary(item)
                    if outcome != FAILED or self.fallback is None:
                        self._record(report, bar, outcome, label)
                        continue
                    offline_jobs.append(pool.submit(self._job, report, bar, self._fallback, item, label))
                else:
                    offline_jobs.append(pool.submit(self._job, report, bar, self._primary, item, label))
            for job in offline_jobs:
                job.result()
        bar.close()
        if self._wrote:
            mark_built(self.folder)
        report.notes = list(self.notes)
        report.seconds = time.perf_counter() - started
        return report

    def _job(self, report: BuildReport, bar: tqdm, work: Callable, item: str | tuple[str, Voice], label: str) -> None:
        self._record(report, bar, work(item), label)

    def _record(self, report: BuildReport, bar: tqdm, outcome: str, label: str) -> None:
        with self._lock:
            report.add(outcome, label)
            bar.update(1)

    def _primary(self, item: str | tuple[str, Voice]) -> str:
        return self._ensure(self.primary, item, RENDERED)

    def _fallback(self, item: str | tuple[str, Voice]) -> str:
        outcome = self._ensure(self.fallback, item, FELL_BACK)
        return OFFLINE_CACHED if outcome == CACHED else outcome

    def _ensure(self, engine: GttsEngine | EspeakEngine, item: str | tuple[str, Voice], success: str) -> str:
        """CACHED if the item's files exist and are valid, else render them: `success`, or FAILED."""
        text, voice = voiced(item)
        spec = engine.spec(self.settings.telephone_copy, voice)
        if spec is None:
            return FAILED
        if not self.force and self._complete(spec, text):
            return CACHED
        try:
            rendered = engine.render(normalize(text), phone=spec.phone_version is not None, voice=voice)
            write_atomic(self.folder, spec.filename(text, WEB), rendered.mp3, WEB)
            self._wrote = True
            if rendered.phone is not None:
                write_atomic(self.folder, spec.filename(text, PHONE), rendered.phone, PHONE)
            elif rendered.phone_problem:
                self._tell(f"no phone copy: {rendered.phone_problem}")
        except EngineDown as exc:
            self._tell(self._down_message(engine, str(exc)))
            return FAILED
        except (EngineError, NotAudio) as exc:
            self._tell(f"{engine.label}: {exc}", once=False)
            return FAILED
        return success

    def _complete(self, spec: RenderSpec, text: str) -> bool:
        """Valid MP3 and phone copy under this spec's keys (a missing gTTS phone copy is made from its MP3)."""
        web = read_valid(self.folder / spec.filename(text, WEB), WEB)
        if web is None:
            return False
        if not spec.phone_version or read_valid(self.folder / spec.filename(text, PHONE), PHONE) is not None:
            return True
        if spec.engine == ESPEAK:
            return False  # re-rendering offline takes milliseconds and keeps the copy made from the WAV
        try:  # gTTS audio is worth keeping: decode the MP3 rather than ask the network again
            write_atomic(self.folder, spec.filename(text, PHONE), phone_copy_from_mp3(web[0]), PHONE)
            self._wrote = True
        except (EngineError, NotAudio) as exc:
            self._tell(f"no phone copy: {exc}")
        return True

    def _down_message(self, engine, reason: str) -> str:
        if engine is not self.primary or self.fallback is None:
            return f"{engine.label} is unavailable: {reason}. Those prompts will be spoken with <Say>."
        if not self.fallback.available:
            return (f"{engine.label} is unavailable: {reason}. No offline engine either "
                    f"({self.fallback.down}): those prompts will be spoken with <Say>.")
        return (f"{engine.label} is unavailable: {reason}. Using espeak-ng for the rest of this build; "
                "build again with internet access to replace that audio.")

    def _tell(self, message: str, once: bool = True) -> None:
        with self._lock:
            if once and message in self.notes:
                return
            self.notes.append(message)
        self.echo(message)  # tqdm.write by default: above the progress bar, not through it


@dataclass
class CheckReport:
    """Prompts whose audio needs a build: missing (no audio for the current words and settings) or stale."""

    missing: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    stale: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing missing or stale."""
        return not self.missing and not self.stale


def check_library(settings: AudioSettings, folder: Path, items: Items, engine: str | None = None) -> CheckReport:
    """Compare the library with the current prompts and settings, without rendering anything."""
    engines = make_engines(settings)
    primary = engines[engine or settings.engine]
    others = [e for e in engines.values() if e is not primary]
    report = CheckReport()
    folder = Path(folder)
    for item, label in items.items():
        text, voice = voiced(item)
        spec = primary.spec(settings.telephone_copy, voice)
        if spec is not None and _has(folder, spec, text, WEB):
            if spec.phone_version and not _has(folder, spec, text, PHONE):
                report.missing.append((label, "no phone copy"))
            continue
        if spec is not None and (folder / spec.filename(text, WEB)).exists():
            report.stale.append((label, f"{spec.filename(text, WEB)} is damaged (not complete audio)"))
            continue
        stand_in = next((e for e in others if (s := e.spec(False, voice)) is not None and _has(folder, s, text, WEB)),
                        None)
        if stand_in is not None:
            report.stale.append((label, f"{stand_in.label} audio stands in for {primary.label}"))
        else:
            report.missing.append((label, "no audio for these words and settings"))
    return report


def _has(folder: Path, spec: RenderSpec, text: str, fmt: str) -> bool:
    return read_valid(folder / spec.filename(text, fmt), fmt) is not None

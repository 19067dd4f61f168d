"""A real espeak-ng render, and the build on a machine that cannot reach Google (like this one)."""

from __future__ import annotations


import pytest
import requests

from ivr.audio.build import Builder
from ivr.audio.cache import BUILD_STAMP, CHECKED, PHONE, WEB
from ivr.audio.renderers import EspeakEngine
from ivr.cli.audio_commands import build_items
from ivr.audio.probe import probe
from ivr.line.settings import AudioSettings

OFFLINE = requests.exceptions.ConnectionError("[Errno -2] Name or service not known")


def plausible(seconds: float, text: str) -> bool:
    """Speech at 160 words a minute, with pauses at commas: 0.2 to 0.6 s a word, plus a second of slack."""
    words = len(text.split())
    return 0.2 * words <= seconds <= 0.6 * words + 1.0


def test_espeak_renders_valid_audio_of_plausible_length(line):
    text = line.text("welcome")
    rendered = EspeakEngine(AudioSettings()).render(text, phone=True)
    mp3, wav = probe(rendered.mp3), probe(rendered.phone)
    assert (mp3.kind, mp3.sample_rate, mp3.channels) == ("mp3", 22050, 1)
    assert plausible(mp3.seconds, text), mp3.seconds
    assert (wav.kind, wav.sample_rate, wav.channels, wav.encoding) == ("wav", 8000, 1, "mu-law")
    assert wav.seconds == pytest.approx(mp3.seconds, abs=0.15)


def test_every_prompt_in_the_espeak_library_is_plausible(espeak_library, line):
    spec = EspeakEngine(AudioSettings()).spec(phone=True)
    for text in line.spoken():
        mp3 = probe((espeak_library / spec.filename(text, WEB)).read_bytes())
        wav = probe((espeak_library / spec.filename(text, PHONE)).read_bytes())
        assert plausible(mp3.seconds, text), (text, mp3.seconds)
        assert wav.seconds == pytest.approx(mp3.seconds, abs=0.15), text


def test_offline_build_falls_back_says_so_once_and_calls_play_it(make_app, google, caller, tmp_path):
    google.always = OFFLINE
    app = make_app(settings={"audio": {"retries": 0}})
    runner = app.test_cli_runner()
    items = len(build_items(app.extensions["practice_line"]))

    cold = runner.invoke(args=["audio", "build", "--no-progress"])
    assert cold.exit_code == 0, cold.output
    assert cold.output.count("gTTS is unavailable: cannot reach translate.google.us (Name or service not known)") == 1
    assert f"fell back to the offline engine (espeak-ng): {items}" in cold.output
    assert "rendered with gTTS: 0" in cold.output and "failed (spoken with <Say>): 0" in cold.output
    assert len(google.requests) == 1  # found unreachable once, then not asked again
    written = sorted(p.name for p in (tmp_path / "audio").iterdir())
    # MP3 + phone copy each, no temp files
    assert len(written) == 2 * items + 2 and written[:2] == [BUILD_STAMP, CHECKED]

    reply = type(caller)(app.test_client()).start()  # the build refreshed this app's library
    assert reply.said == [] and len(reply.played) >= 3

    warm = runner.invoke(args=["audio", "build", "--no-progress"])  # renders nothing: the files are there
    assert f"audio: everything is up to date: {items} prompts in {tmp_path / 'audio'}" in warm.output
    assert f"  {items} of them use offline espeak-ng audio until gTTS can be reached" in warm.output
    assert "fell back" not in warm.output and "rendered with" not in warm.output
    assert len(google.requests) == 2  # one quick try per build, so audio improves once online

    stale = runner.invoke(args=["audio", "build", "--check"])
    assert stale.exit_code == 1
    assert "stale: welcome: espeak-ng audio stands in for gTTS" in stale.output
    assert f"0 missing, {items} stale" in stale.output
    assert runner.invoke(args=["audio", "build", "--check", "--engine", "espeak"]).exit_code == 0


def test_damaged_and_missing_files_are_rendered_again(make_app, audio_dir, line):
    spec = EspeakEngine(AudioSettings()).spec(phone=True)
    (audio_dir / spec.filename(line.text("welcome"), WEB)).write_bytes(b"\xff\xf3" + bytes(10))
    (audio_dir / spec.filename(line.text("anything-else"), PHONE)).unlink()
    app = make_app(audio_dir=audio_dir)
    runner = app.test_cli_runner()
    check = runner.invoke(args=["audio", "build", "--check", "--engine", "espeak"])
    assert check.exit_code == 1
    assert "missing: anything-else: no phone copy" in check.output
    assert f"stale: welcome: {spec.filename(line.text('welcome'), WEB)} is damaged" in check.output
    result = runner.invoke(args=["audio", "build", "--engine", "espeak", "--no-progress"])
    assert "rendered with espeak-ng: 2" in result.output
    assert f"already cached: {len(build_items(app.extensions['practice_line'])) - 2}" in result.output
    assert probe((audio_dir / spec.filename(line.text("welcome"), WEB)).read_bytes()).kind == "mp3"
    assert runner.invoke(args=["audio", "build", "--check", "--engine", "espeak"]).exit_code == 0


def test_force_renders_again(tmp_path):
    s = AudioSettings()
    items = {"One.": "digit-1", "Two.": "digit-2"}
    assert sorted(Builder(s, tmp_path, engine="espeak").run(items, progress=False).rendered) == ["digit-1", "digit-2"]
    assert Builder(s, tmp_path, engine="espeak").run(items, progress=False).cached != []
    forced = Builder(s, tmp_path, engine="espeak", force=True).run(items, progress=False)
    assert sorted(forced.rendered) == ["digit-1", "digit-2"] and forced.cached == []


def test_build_shows_a_progress_bar(make_app, audio_dir):
    app = make_app(audio_dir=audio_dir)
    result = app.test_cli_runner().invoke(args=["audio", "build", "--engine", "espeak"])
    items = len(build_items(app.extensions["practice_line"]))
    assert result.exit_code == 0
    assert "audio: 100%" in result.output and f"{items}/{items}" in result.output

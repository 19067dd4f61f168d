"""The real gTTS code, through a fake Google endpoint: what is sent, what is stored, and every failure."""

from __future__ import annotations

import json
import re
import shutil
import threading
import urllib.parse

import pytest
import requests
from conftest import QUICK_GTTS
from gtts import gTTS

from ivr.audio.build import Builder
from ivr.audio.cache import BUILD_STAMP, CHECKED, PHONE, WEB
from ivr.audio.renderers import EspeakEngine, GttsEngine
from ivr.audio.probe import probe
from ivr.cli.audio_commands import build_items
from ivr.line.settings import GTTS_LANGUAGES, AudioSettings

NO_PHONE = {**QUICK_GTTS, "telephone_copy": False}
WORDS = re.compile(r"[\w']+")


def settings(**changes) -> AudioSettings:
    return AudioSettings(**{**NO_PHONE, **changes})


def gtts_parts(text: str, s: AudioSettings) -> list[str]:
    """The pieces gTTS sends for `text` (it cuts prompts over 100 characters)."""
    bodies = gTTS(text, lang=s.lang, tld=s.tld, slow=s.slow, lang_check=False).get_bodies()
    return [json.loads(json.loads(urllib.parse.unquote(b)[len("f.req="):-1])[0][0][1])[0] for b in bodies]


def files(folder) -> list[str]:
    """Every file in `folder` (temp files included) but the build stamp and the list of checked files."""
    return sorted(p.name for p in folder.iterdir() if p.name not in (BUILD_STAMP, CHECKED)) if folder.exists() else []


def test_build_sends_every_prompt_and_stores_the_bytes_answered(make_app, google, tmp_path):
    app = make_app(settings={"audio": NO_PHONE})
    result = app.test_cli_runner().invoke(args=["audio", "build", "--no-progress"])
    assert result.exit_code == 0, result.output
    line = app.extensions["practice_line"].line
    items = line.spoken()
    assert f"rendered with gTTS: {len(items)}" in result.output
    assert "fell back to the offline engine (espeak-ng): 0" in result.output

    s = app.extensions["practice_line"].settings.audio
    expected_parts = [part for text in items for part in gtts_parts(text, s)]
    assert google.texts == expected_parts  # each prompt's words, in order, nothing else
    assert {(r.host, r.lang, r.slow) for r in google.requests} == {("translate.google.us", "en", None)}
    spec = GttsEngine(s).spec(phone=False)
    for text in items:
        parts = gtts_parts(text, s)
        assert WORDS.findall(" ".join(parts)) == WORDS.findall(text)
        stored = (tmp_path / "audio" / spec.filename(text, WEB)).read_bytes()
        assert stored == b"".join(google.answered[p] for p in parts)
    assert len(files(tmp_path / "audio")) == len(items)  # one MP3 each, no temp files


def test_short_prompt_is_sent_word_for_word(make_app, google, tmp_path):
    s = settings()
    text = "Welcome to Practice Line, a practice phone line for calls to your card issuer."
    report = Builder(s, tmp_path, echo=print).run({text: "welcome"}, progress=False)
    assert report.rendered == ["welcome"]
    assert google.texts == [text]
    assert (tmp_path / GttsEngine(s).spec(False).filename(text, WEB)).read_bytes() == google.answered[text]


def test_accent_and_speed_settings_reach_google_and_the_key(google, tmp_path):
    text = "Please hold."
    Builder(settings(tld="co.uk", slow=True), tmp_path).run({text: "hold"}, progress=False)
    assert [(r.host, r.slow) for r in google.requests] == [("translate.google.co.uk", True)]
    assert files(tmp_path) == [GttsEngine(settings(tld="co.uk", slow=True)).spec(False).filename(text, WEB)]
    assert files(tmp_path) != [GttsEngine(settings()).spec(False).filename(text, WEB)]


def test_a_warm_build_makes_no_request(make_app, google):
    app = make_app(settings={"audio": NO_PHONE})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audio", "build", "--no-progress"]).exit_code == 0
    sent = len(google.requests)
    assert sent > 0
    again = runner.invoke(args=["audio", "build", "--no-progress"])
    assert again.exit_code == 0
    assert len(google.requests) == sent  # not one more
    items = len(build_items(app.extensions["practice_line"]))
    assert again.output.startswith(f"audio: everything is up to date: {items} prompts in ")
    assert len(again.output.splitlines()) == 1


def test_editing_a_prompt_renders_only_that_prompt(make_app, google, tmp_path, line):
    prompts = tmp_path / "prompts"
    shutil.copytree(line.flow_path.parent.parent / "prompts", prompts)
    first = make_app(settings={"audio": NO_PHONE}, PROMPTS_DIR=prompts)
    assert first.test_cli_runner().invoke(args=["audio", "build", "--no-progress"]).exit_code == 0
    old_url = first.test_client().post("/voice/incoming").data.decode()
    old_file = re.search(r"<Play>http://localhost/audio/(\w+\.mp3)</Play>", old_url).group(1)
    sent = len(google.requests)

    (prompts / "welcome.txt").write_text("Welcome to Practice Line, where you can rehearse a call.\n")
    second = make_app(settings={"audio": NO_PHONE}, PROMPTS_DIR=prompts)
    result = second.test_cli_runner().invoke(args=["audio", "build", "--no-progress"])
    assert result.exit_code == 0
    assert google.texts[sent:] == ["Welcome to Practice Line, where you can rehearse a call."]
    assert "rendered with gTTS: 1" in result.output
    new_reply = second.test_client().post("/voice/incoming").data.decode()
    new_file = re.search(r"<Play>http://localhost/audio/(\w+\.mp3)</Play>", new_reply).group(1)
    assert new_file != old_file
    old = second.test_client().get(f"/audio/{old_file}")  # a call still holding the old URL
    assert (old.status_code, old.mimetype) == (200, "audio/mpeg")


OFFLINE = ["Welcome to Practice Line.", "One."]


@pytest.mark.parametrize("failure, requests_made, reason", [
    (429, 3, "limiting requests (429"),
    (503, 3, "is failing (503"),
    (403, 1, "refused the request (403)"),
    (requests.exceptions.ConnectionError("Name or service not known"), 1, "cannot reach translate.google.us"),
    (requests.exceptions.ReadTimeout("read timed out"), 1, "did not answer in time"),
    ("html", 1, "answered, but not with audio"),
    ("null", 1, "answered without audio"),
])
def test_every_failure_falls_back_to_espeak_and_leaves_no_gtts_file(google, tmp_path, failure, requests_made, reason):
    google.always = failure
    said: list[str] = []
    s = settings()  # two retries after the first try for 429 and 5xx
    report = Builder(s, tmp_path, echo=said.append).run({t: f"p{i}" for i, t in enumerate(OFFLINE)}, progress=False)
    assert sorted(report.fell_back) == ["p0", "p1"] and report.rendered == [] and report.failed == []
    assert len(google.requests) == requests_made  # the service is not asked again this run
    assert len(said) == 1 and reason in said[0] and "Using espeak-ng for the rest of this build" in said[0]
    espeak = EspeakEngine(s).spec(False)
    assert files(tmp_path) == sorted(espeak.filename(t, WEB) for t in OFFLINE)  # nothing under a gTTS key
    for name in files(tmp_path):
        assert probe((tmp_path / name).read_bytes()).kind == "mp3"


def test_fallback_audio_is_replaced_when_google_is_back(google, tmp_path):
    s = settings()
    google.always = requests.exceptions.ConnectionError("offline")
    Builder(s, tmp_path).run({"One.": "digit-1"}, progress=False)
    google.always = None
    report = Builder(s, tmp_path).run({"One.": "digit-1"}, progress=False)
    assert report.rendered == ["digit-1"]
    assert (tmp_path / GttsEngine(s).spec(False).filename("One.", WEB)).read_bytes() == google.answered["One."]


def test_429_is_retried_with_doubling_backoff(google, tmp_path):
    google.fail(429, 429)
    pauses: list[float] = []
    s = settings(backoff_seconds=0.5, retries=3)
    report = Builder(s, tmp_path, sleep=pauses.append).run({"Two.": "digit-2"}, progress=False)
    assert report.rendered == ["digit-2"]
    assert google.texts == ["Two.", "Two.", "Two."]
    assert pauses == [0.5, 1.0]


def test_requests_are_spaced_by_the_throttle(google, tmp_path):
    now, pauses = [1000.0], []

    def sleep(seconds: float) -> None:  # a fake clock: only the recorded sleeps move it
        pauses.append(seconds)
        now[0] += seconds

    Builder(settings(throttle_seconds=5), tmp_path, sleep=sleep, clock=lambda: now[0]).run(
        {"One.": "digit-1", "Two.": "digit-2"}, progress=False)
    assert len(google.requests) == 2
    assert pauses == [5.0]  # before the second request only, the whole throttle


def test_long_prompt_failing_halfway_leaves_no_partial_file(google, tmp_path):
    text = ("If a representative and a supervisor can't resolve your issue, you can make a formal complaint "
            "in writing. Include your reference numbers and what you would like to happen.")
    s = settings()
    assert len(gtts_parts(text, s)) == 3
    google.fail(None, requests.exceptions.ConnectionError("connection reset"))
    report = Builder(s, tmp_path).run({text: "complaint-formal"}, progress=False)
    assert report.fell_back == ["complaint-formal"]
    assert len(google.requests) == 2
    assert files(tmp_path) == [EspeakEngine(s).spec(False).filename(text, WEB)]


def test_a_hung_request_is_cut_off(google, tmp_path, monkeypatch):
    monkeypatch.setattr(GttsEngine, "deadline_slack", 0.0)
    released, answered = threading.Event(), []
    # Hangs past every timeout (a stuck DNS lookup, say), until the test lets it go.
    google.always = lambda: released.wait(30) and answered.append(True) and None
    said: list[str] = []
    try:
        report = Builder(settings(connect_timeout=0.1, read_timeout=0.2), tmp_path, echo=said.append).run(
            {"One.": "digit-1"}, progress=False)
        assert answered == []  # the build went on while the request still hung
    finally:
        released.set()
    assert report.fell_back == ["digit-1"]
    assert "no answer from translate.google.us within 0.3 s" in said[0]


def test_gtts_audio_gets_a_phone_copy(google, tmp_path):
    s = settings(telephone_copy=True)
    report = Builder(s, tmp_path).run({"Three.": "digit-3"}, progress=False)
    assert report.rendered == ["digit-3"]
    spec = GttsEngine(s).spec(True)
    mp3 = probe((tmp_path / spec.filename("Three.", WEB)).read_bytes())
    wav = probe((tmp_path / spec.filename("Three.", PHONE)).read_bytes())
    assert (wav.kind, wav.sample_rate, wav.channels, wav.encoding) == ("wav", 8000, 1, "mu-law")
    assert wav.seconds == pytest.approx(mp3.seconds, abs=0.1)


def test_no_engine_at_all_means_say_with_the_same_words(make_app, google, caller):
    google.always = requests.exceptions.ConnectionError("offline")
    app = make_app(settings={"audio": {**NO_PHONE, "fallback": "none"}})
    result = app.test_cli_runner().invoke(args=["audio", "build", "--no-progress"])
    items = len(build_items(app.extensions["practice_line"]))
    assert result.exit_code == 1
    assert f"failed (spoken with <Say>): {items}" in result.output
    assert result.output.count("gTTS is unavailable") == 1
    assert "Those prompts will be spoken with <Say>" in result.output
    line = app.extensions["practice_line"].line
    reply = type(caller)(app.test_client()).start()
    assert reply.played == []
    assert reply.said[:2] == [line.text("welcome"), line.text("disclaimer")]


def test_check_lists_missing_then_passes_after_a_build(make_app, google):
    app = make_app(settings={"audio": NO_PHONE})
    runner = app.test_cli_runner()
    items = len(build_items(app.extensions["practice_line"]))
    before = runner.invoke(args=["audio", "build", "--check"])
    assert before.exit_code == 1
    assert "missing: welcome: no audio for these words and settings" in before.output
    assert f"{items} missing, 0 stale" in before.output
    assert google.requests == []  # checking never renders
    runner.invoke(args=["audio", "build", "--no-progress"])
    after = runner.invoke(args=["audio", "build", "--check"])
    assert after.exit_code == 0 and "0 missing, 0 stale" in after.output


def test_without_the_fake_endpoint_gtts_cannot_reach_the_internet(tmp_path):
    said: list[str] = []
    report = Builder(settings(fallback="none"), tmp_path, echo=said.append).run({"One.": "digit-1"}, progress=False)
    assert report.failed == ["digit-1"]
    assert "tests may not reach translate.google.us" in said[0]


def test_the_settings_know_the_languages_the_installed_gtts_speaks():
    from gtts.lang import tts_langs

    assert GTTS_LANGUAGES == set(tts_langs())
    assert {"en", "fr", "es", "de"} <= GTTS_LANGUAGES

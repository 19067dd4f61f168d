"""Calls play the audio library: every <Play> URL answers audio, and a file gone at the next build is <Say>."""

from __future__ import annotations

import hashlib
import os
import re
import shutil

import pytest
from conftest import Caller

from ivr.audio import cache
from ivr.audio.cache import mark_built
from ivr.audio.probe import probe
from ivr.audio.renderers import EspeakEngine
from ivr.cli.audio_commands import build_items
from ivr.line.navigator import reference_number
from ivr.line.settings import AudioSettings

AUDIO_URL = re.compile(r"^http://localhost/audio/([0-9a-f]{40})\.(mp3|wav)$")
SIGNED = {"X-Twilio-Signature": "not-checked-without-a-token"}


def node_replies(app, headers=None):
    """(node id, parsed reply) for every node of the line, fetched like a redirect."""
    caller = Caller(app.test_client())
    line = app.extensions["practice_line"].line
    for node_id in line.nodes:
        response = app.test_client().post(f"/voice/node/{node_id}", data={"CallSid": caller.call_sid},
                                          headers=headers or {})
        assert response.status_code == 200
        yield node_id, response


def plays(response) -> list[str]:
    return re.findall(r"<Play>([^<]+)</Play>", response.data.decode())


@pytest.mark.parametrize("headers, extension, mimetype", [
    (None, "mp3", "audio/mpeg"),  # browsers and the terminal
    (SIGNED, "wav", "audio/wav"),  # Twilio: the 8 kHz mu-law phone copy
])
def test_every_node_plays_audio_that_answers(audio_app, headers, extension, mimetype):
    client = audio_app.test_client()
    checked = set()
    for node_id, response in node_replies(audio_app, headers):
        body = response.data.decode()
        assert "<Say" not in body, f"{node_id} still uses <Say>"
        urls = plays(response)
        assert urls, f"{node_id} plays nothing"
        for url in urls:
            match = AUDIO_URL.match(url)
            assert match and match.group(2) == extension, url
            if url in checked:
                continue
            checked.add(url)
            audio = client.get(url.removeprefix("http://localhost"))
            assert (audio.status_code, audio.mimetype) == (200, mimetype), url
            info = probe(audio.data)
            assert info is not None and info.kind == extension and info.seconds > 0.2
            if extension == "wav":
                assert (info.sample_rate, info.channels, info.encoding) == (8000, 1, "mu-law")
    assert len(checked) > 100


def test_reference_number_is_played_digit_by_digit(audio_app):
    line = audio_app.extensions["practice_line"].line
    caller = Caller(audio_app.test_client())
    reply = caller.walk(["1", "1234", "1", "2"])  # lost card, to the end
    captions = audio_app.test_client().get("/audio/captions.json").json
    words = [captions[url.rsplit("/", 1)[1]] for url in reply.played]
    assert reply.hung_up and reply.said == []
    reference = [line.text(f"digit-{d}") for d in reference_number(caller.call_sid, "end-lost-card")]
    after_intro = words.index(line.text("reference-intro")) + 1
    assert words[after_intro:after_intro + 8] == reference


def test_audio_is_served_immutable_with_a_strong_etag_and_ranges(audio_app):
    client = audio_app.test_client()
    url = plays(client.post("/voice/incoming"))[0].removeprefix("http://localhost")
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["ETag"] == f'"{hashlib.sha256(first.data).hexdigest()}"'  # strong: no W/
    assert first.headers["Accept-Ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert (part.status_code, part.data) == (206, first.data[:100])
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(first.data)}"
    unchanged = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert (unchanged.status_code, unchanged.data) == (304, b"")
    head = client.head(url)
    assert (head.status_code, head.headers["Content-Length"]) == (200, str(len(first.data)))


@pytest.mark.parametrize("name", ["0" * 40 + ".mp3", "nothing.mp3", "secret_key", "captions.xml"])
def test_unknown_audio_is_a_plain_404(audio_app, name):
    response = audio_app.test_client().get(f"/audio/{name}")
    assert (response.status_code, response.mimetype) == (404, "text/plain")


def test_audio_route_never_leaves_its_folder(audio_app, audio_dir):
    (audio_dir.parent / "secret_key").write_text("do-not-serve")
    for url in ["/audio/..%2Fsecret_key", "/audio/../secret_key", "/audio/%2E%2E/secret_key"]:
        response = audio_app.test_client().get(url)
        assert response.status_code == 404 and b"do-not-serve" not in response.data


def test_public_base_url_makes_the_play_urls(make_app, audio_dir):
    app = make_app(audio_dir=audio_dir, PUBLIC_BASE_URL="https://line.example.org/")
    urls = plays(app.test_client().post("/voice/incoming"))
    assert urls and all(re.match(r"^https://line\.example\.org/audio/[0-9a-f]{40}\.mp3$", u) for u in urls)


def fake_clock(app) -> list[float]:
    """The audio library's clock, moved by hand: [seconds]."""
    now = [0.0]
    app.extensions["practice_line"].audio.clock = lambda: now[0]
    return now


def test_a_deleted_file_turns_back_into_say_once_a_build_says_so(audio_app, audio_dir):
    client = audio_app.test_client()
    now = fake_clock(audio_app)
    line = audio_app.extensions["practice_line"].line
    before = client.post("/voice/incoming")
    welcome_url, disclaimer_url = plays(before)[:2]
    os.remove(audio_dir / welcome_url.rsplit("/", 1)[1])
    mark_built(audio_dir)  # what `audio build` (or `audio check`) leaves behind
    assert plays(client.post("/voice/incoming")) == plays(before)  # the stamp is looked at every RECHECK_SECONDS
    now[0] += cache.RECHECK_SECONDS
    after = Caller(client).start()
    assert after.said == [line.text("welcome")]  # the same words, spoken by Twilio
    assert after.played[0] == disclaimer_url  # everything else still plays
    assert client.get(welcome_url.removeprefix("http://localhost")).status_code == 404


@pytest.mark.parametrize("junk", ["an html page", "junk of the very same size"])
def test_a_file_replaced_by_junk_is_not_played_after_the_next_build(audio_app, audio_dir, junk):
    client = audio_app.test_client()
    now = fake_clock(audio_app)
    url = plays(client.post("/voice/incoming"))[0]
    path = audio_dir / url.rsplit("/", 1)[1]
    path.write_bytes(b"<html>oops</html>" if junk == "an html page" else bytes(path.stat().st_size))
    assert client.get(url.removeprefix("http://localhost")).status_code == 404  # never served, even before
    mark_built(audio_dir)
    now[0] += cache.RECHECK_SECONDS
    assert url not in plays(client.post("/voice/incoming"))


def test_captions_name_every_file_with_its_words(audio_app):
    client = audio_app.test_client()
    line = audio_app.extensions["practice_line"].line
    captions = client.get("/audio/captions.json")
    assert captions.mimetype == "application/json" and "no-cache" in captions.headers["Cache-Control"]
    names = captions.json
    assert len(names) == 2 * len(build_items(audio_app.extensions["practice_line"]))  # an MP3 and a phone copy each
    for signed in (False, True):
        urls = plays(client.post("/voice/incoming", headers=SIGNED if signed else {}))
        assert [names[u.rsplit("/", 1)[1]] for u in urls[:2]] == [line.text("welcome"), line.text("disclaimer")]


def test_without_audio_every_prompt_is_say(client, line):
    reply = Caller(client).start()
    assert reply.played == []
    assert reply.said[:2] == [line.text("welcome"), line.text("disclaimer")]
    assert client.get("/audio/captions.json").json == {}


def test_audio_can_be_turned_off(make_app, audio_dir):
    app = make_app(audio_dir=audio_dir, settings={"audio": {"enabled": False}})
    reply = Caller(app.test_client()).start()
    assert reply.played == [] and len(reply.said) >= 3


def test_terminal_practice_captions_played_prompts(make_app, audio_dir):
    app = make_app(audio_dir=audio_dir)
    line = app.extensions["practice_line"].line
    result = app.test_cli_runner().invoke(args=["practice", "--keys", "1 1234 1 2"])
    assert result.exit_code == 0, result.output
    assert f"  {line.text('welcome')}" in result.output
    assert f"  {line.text('lost-card-canceled')}" in result.output
    assert "(audio " not in result.output
    assert "(the line hangs up)" in result.output


def test_flows_check_is_clean(runner):
    result = runner.invoke(args=["flows", "check"])
    assert result.exit_code == 0
    assert "warning" not in result.output


def test_terminal_practice_plays_sound_when_a_player_exists(make_app, audio_dir, monkeypatch):
    app = make_app(audio_dir=audio_dir)
    library = app.extensions["practice_line"].audio
    line = app.extensions["practice_line"].line
    heard: list[tuple[str, str | None]] = []
    monkeypatch.setattr("ivr.cli.practice_commands.find_player", lambda: lambda mp3, wav: heard.append((mp3, wav)) or True)
    result = app.test_cli_runner().invoke(args=["practice", "--sound", "--keys", "9"])
    assert result.exit_code == 0, result.output
    welcome = library.by_text[line.text("welcome")]
    assert heard[0] == (welcome.web.path, welcome.phone.path)
    assert all(os.path.exists(mp3) for mp3, _ in heard)


def test_a_running_app_picks_up_a_build_from_another_process(make_app, espeak_library, tmp_path, monkeypatch, line):
    from ivr.audio import cache as audio_cache

    monkeypatch.setattr(audio_cache, "RECHECK_SECONDS", 0.0)
    shared = tmp_path / "shared-audio"
    serving = make_app(audio_dir=shared)  # started before any audio exists
    assert Caller(serving.test_client()).start().played == []
    # Most files arrive without a build's stamp (the session's library, less the welcome's two files, so the
    # build has something to render): a running app does not look yet...
    shutil.copytree(espeak_library, shared, ignore=shutil.ignore_patterns(cache.BUILD_STAMP, cache.CHECKED),
                    dirs_exist_ok=True)
    spec = EspeakEngine(AudioSettings()).spec(phone=True)
    for kind in (cache.WEB, cache.PHONE):
        (shared / spec.filename(line.text("welcome"), kind)).unlink()
    assert Caller(serving.test_client()).start().played == []
    builder = make_app(audio_dir=shared)  # `audio build` in another shell
    result = builder.test_cli_runner().invoke(args=["audio", "build", "--engine", "espeak", "--no-progress"])
    assert result.exit_code == 0
    assert "rendered with espeak-ng: 1" in result.output
    reply = Caller(serving.test_client()).start()  # ...until the build's stamp says so
    assert reply.said == [] and len(reply.played) >= 3

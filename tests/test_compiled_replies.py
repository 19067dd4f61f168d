"""The reply cache: what a webhook serves from it is exactly what twiml.render says afresh, a rebuilt
library empties it, gunicorn fills it before its workers fork, and apps leave nothing open behind them."""

from __future__ import annotations

import gc
import os
import runpy
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import Caller

from ivr import create_app, store
from ivr.audio.cache import mark_built
from ivr.line.navigator import Call, Turn
from ivr.voice import twiml
from ivr.voice.reply_cache import EXTENSION

ROOT = Path(__file__).resolve().parent.parent
SIGNED = {"X-Twilio-Signature": "not-checked-without-a-token"}
CALLS = ["CA" + "1" * 32, "CA" + "2" * 32, "CAb0b"]


def turns(line):
    """Every turn a webhook can ask for: each node, at each failure count, with each notice, in two kinds of call."""
    d = line.flow.defaults
    notices = [None, d.no_input_prompt, d.invalid_prompt, d.failure_prompt, d.apology_prompt]
    calls = [Call(), Call(turns=12, quiet=1, handoffs=2, met=True)]  # a call's counts go into the URLs
    for node_id, compiled in line.nodes.items():
        node_notices = notices + [p for p in [getattr(compiled.node, "invalid_prompt", None)] if p]
        if compiled.person:
            node_notices.append(d.already_speaking_prompt)
        for call in calls:
            if compiled.kind == "end":
                yield Turn(node_id, call=call, reference_again=True)
            for failures in range(d.max_failures):
                for notice in node_notices:
                    yield Turn(node_id, failures, notice, call=call)


def fresh(app, turn, call_sid) -> bytes:
    """What twiml.render says for `turn` in the current request, with no cache involved."""
    rt, replies = app.extensions["practice_line"], app.extensions[EXTENSION]
    return str(twiml.render(rt.line, replies.speaker, rt.settings.voice, turn, call_sid)).encode()


def audio_folder(request, tmp_path, with_audio: bool):
    """A copy of the espeak-ng library, or an empty folder (then neither the copy nor the library is made)."""
    return request.getfixturevalue("audio_dir") if with_audio else tmp_path / "no-audio"


@pytest.mark.parametrize("headers", [None, SIGNED], ids=["browser", "twilio"])
@pytest.mark.parametrize("with_audio", [False, True], ids=["say", "play"])
def test_every_turn_served_from_the_cache_equals_a_fresh_render(make_app, request, tmp_path, headers, with_audio):
    app = make_app(audio_dir=audio_folder(request, tmp_path, with_audio))
    rt, replies = app.extensions["practice_line"], app.extensions[EXTENSION]
    checked = 0
    with app.test_request_context("/voice/incoming", method="POST", headers=headers or {}):
        for turn in turns(rt.line):
            for call_sid in CALLS:
                expected = fresh(app, turn, call_sid)
                assert replies.respond(turn, call_sid) == expected, (turn, call_sid)
                assert replies.respond(turn, call_sid) == expected, (turn, call_sid)  # now from the cache
                checked += 1
    assert checked >= 3 * 5 * len(rt.line.nodes) * len(CALLS)


def test_a_reply_with_a_reference_number_is_the_calls_own(audio_app):
    replies = audio_app.extensions[EXTENSION]
    with audio_app.test_request_context("/voice/node/end-lost-card", method="POST", headers=SIGNED):
        first = replies.respond(Turn("end-lost-card"), "CA" + "1" * 32)
        second = replies.respond(Turn("end-lost-card"), "CA" + "2" * 32)
        assert replies.respond(Turn("end-lost-card"), "CA" + "1" * 32) == first
    assert first != second  # two calls, two reference numbers


def test_a_rebuilt_library_changes_what_calls_hear(make_app, audio_dir, tmp_path):
    folder = tmp_path / "library"
    app = make_app(audio_dir=folder)
    rt, replies = app.extensions["practice_line"], app.extensions[EXTENSION]
    before = Caller(app.test_client()).start()
    assert before.played == [] and before.said[0] == rt.line.text("welcome")
    # A build from another shell: the files appear, then the build's stamp; the app re-indexes.
    shutil.copytree(audio_dir, folder, dirs_exist_ok=True)
    mark_built(folder)
    rt.audio.refresh()
    assert len(replies.kept) == 0  # emptied with the new build
    after = Caller(app.test_client()).start()
    assert after.said == [] and len(after.played) == len(before.said)
    with app.test_request_context("/voice/incoming", method="POST"):
        assert replies.respond(Turn("welcome"), "CA1") == fresh(app, Turn("welcome"), "CA1")


def server(app, addresses):
    """The parts of gunicorn's arbiter that when_ready reads."""
    return SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app), cfg=SimpleNamespace(address=addresses))


def test_gunicorn_renders_every_node_before_its_workers_fork(make_app, audio_dir, monkeypatch):
    app = make_app(audio_dir=audio_dir, PUBLIC_BASE_URL="https://line.example.org")
    rt, replies = app.extensions["practice_line"], app.extensions[EXTENSION]
    assert replies.rendered == 0  # importing the app renders nothing: start-up stays quick
    frozen = []
    monkeypatch.setattr("gc.freeze", lambda: frozen.append(replies.rendered))
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config["when_ready"](server(app, [("127.0.0.1", 5077)]))  # PUBLIC_BASE_URL wins over the address
    per_view = sum(1 for node_id in rt.line.nodes if not rt.line.run_references(node_id))
    assert frozen == [2 * per_view]  # phone and browser, frozen once after, so workers share them untouched
    served = app.test_client().post("/voice/incoming", headers=SIGNED, data={"CallSid": "CA" + "5" * 32})
    assert b"<Play>https://line.example.org/audio/" in served.data
    assert replies.rendered == 2 * per_view  # found made


def test_without_a_public_url_gunicorn_renders_for_the_addresses_it_listens_on(make_app, audio_dir, monkeypatch):
    app = make_app(audio_dir=audio_dir)
    rt, replies = app.extensions["practice_line"], app.extensions[EXTENSION]
    monkeypatch.setattr("gc.freeze", lambda: None)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # A wildcard address and a socket file name no URL a request would come to.
    config["when_ready"](server(app, [("127.0.0.1", 5077), ("0.0.0.0", 80), "/run/line.sock", ("::1", 5078)]))
    made = replies.rendered
    paths = ["/voice/incoming"] + [f"/voice/node/{n}" for n in rt.line.nodes if not rt.line.run_references(n)
                                   and rt.scenarios.desk_ahead(n) is None]
    for base in ("http://127.0.0.1:5077", "http://[::1]:5078"):
        for path in paths:
            reply = app.test_client().post(path, base_url=base, data={"CallSid": "CA" + "5" * 32})
            assert reply.status_code == 200 and f"<Play>{base}/audio/".encode() in reply.data, path
    assert replies.rendered == made  # a worker would find every first turn made


@pytest.mark.parametrize("with_audio", [False, True], ids=["say", "play"])
def test_a_desks_first_reply_from_the_cache_equals_a_fresh_render(make_app, request, tmp_path, with_audio):
    from ivr.coach.dialogue import REP, enter
    from ivr.voice import desk

    app = make_app(audio_dir=audio_folder(request, tmp_path, with_audio))
    rt, replies = app.extensions["practice_line"], app.extensions[EXTENSION]
    with app.test_request_context("/voice/node/representative", method="POST", headers=SIGNED):
        for scenario in [None, *rt.scenarios.scenarios]:
            for call_sid in CALLS:
                state, reply = enter(rt.scenarios, scenario, REP, ())
                expected = str(desk.draw(rt, replies.speaker, state, reply, desk.sign_state(state), call_sid)).encode()
                assert desk.respond(rt, state, reply, call_sid, shared=True) == expected, scenario
    assert replies.rendered == 1 + len(rt.scenarios.scenarios)  # one per way in, shared by every call


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_twenty_apps_created_and_dropped_leave_no_descriptor_open(tmp_path):
    audio_dir = tmp_path / "audio"
    audio_dir.mkdir()  # a library folder that exists: what a watch of it would hold open

    def serve_once(n: int) -> None:
        app = create_app({"TESTING": True, "SECRET_KEY": "test", "AUDIO_DIR": str(audio_dir),
                          "INSTANCE_PATH": str(tmp_path / f"instance-{n}"),
                          "SETTINGS": {"voice": {"hold_pause_seconds": 0}}})
        assert app.test_client().post("/voice/incoming", data={"CallSid": "CA1"}).status_code == 200
        store.shutdown(app)  # the call log's spool and the database's connections, as the app's end closes them

    serve_once(0)  # whatever a first app loads once per process (modules, their caches)
    gc.collect()
    before = open_descriptors()
    for n in range(1, 21):
        serve_once(n)
    gc.collect()
    assert open_descriptors() == before

"""Compiled TwiML: what a webhook serves from the cache is exactly what twiml.render says afresh."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import Caller

from ivr.audio.cache import mark_built
from ivr.coach.dialogue import REP, Heard, enter, step
from ivr.line.navigator import Call, Turn
from ivr.voice import desk, twiml
from ivr.voice.twiml import stored_key

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
    rt = app.extensions["practice_line"]
    return str(twiml.render(rt.line, rt.speaker, rt.settings.voice, turn, call_sid)).encode()


@pytest.mark.parametrize("headers", [None, SIGNED], ids=["browser", "twilio"])
@pytest.mark.parametrize("with_audio", [False, True], ids=["say", "play"])
def test_every_turn_served_from_the_cache_equals_a_fresh_render(make_app, audio_dir, tmp_path, headers, with_audio):
    app = make_app(audio_dir=audio_dir if with_audio else tmp_path / "no-audio")
    rt = app.extensions["practice_line"]
    checked = 0
    with app.test_request_context("/voice/incoming", method="POST", headers=headers or {}):
        for turn in turns(rt.line):
            for call_sid in CALLS:
                expected = fresh(app, turn, call_sid)
                assert rt.replies.respond(turn, call_sid) == expected, (turn, call_sid)
                assert rt.replies.respond(turn, call_sid) == expected, (turn, call_sid)  # now from the cache
                checked += 1
    assert checked >= 3 * 5 * len(rt.line.nodes) * len(CALLS)


def test_the_cache_holds_replies_with_reference_numbers_and_fills_them_per_call(audio_app):
    rt = audio_app.extensions["practice_line"]
    with audio_app.test_request_context("/voice/node/end-lost-card", method="POST", headers=SIGNED):
        first = rt.replies.respond(Turn("end-lost-card"), "CA" + "1" * 32)
        second = rt.replies.respond(Turn("end-lost-card"), "CA" + "2" * 32)
        (_view, replies), = rt.replies._raw_views.values()
        reply = replies[stored_key(Turn("end-lost-card"))]
    assert reply is not None and reply.references == ("end-lost-card",)  # compiled, not rendered each time
    assert first != second  # two calls, two reference numbers


def test_a_rebuilt_library_changes_what_calls_hear(make_app, audio_dir, tmp_path):
    folder = tmp_path / "library"
    app = make_app(audio_dir=folder)
    rt = app.extensions["practice_line"]
    before = Caller(app.test_client()).start()
    assert before.played == [] and before.said[0] == rt.line.text("welcome")
    # A build from another shell: the files appear, then the build's stamp; the app re-indexes.
    shutil.copytree(audio_dir, folder, dirs_exist_ok=True)
    mark_built(folder)
    rt.audio.refresh()
    after = Caller(app.test_client()).start()
    assert after.said == [] and len(after.played) == len(before.said)
    with app.test_request_context("/voice/incoming", method="POST"):
        assert rt.replies.respond(Turn("welcome"), "CA1") == fresh(app, Turn("welcome"), "CA1")


def test_gunicorn_compiles_every_node_before_its_workers_fork(make_app, audio_dir, monkeypatch):
    app = make_app(audio_dir=audio_dir, PUBLIC_BASE_URL="https://line.example.org")
    rt = app.extensions["practice_line"]
    assert rt.replies._views == {}  # importing the app compiles nothing: start-up stays quick
    frozen = []
    monkeypatch.setattr("gc.freeze", lambda: frozen.append(len(rt.replies._views)))
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config["when_ready"](server(app, [("127.0.0.1", 5077)]))  # PUBLIC_BASE_URL wins over the address
    assert frozen == [2]  # what warming up made is frozen once, after it, so workers share it untouched
    compiled = {view: replies for view, (_speaker, replies) in rt.replies._views.items()}
    assert set(compiled) == {("https://line.example.org", True), ("https://line.example.org", False)}
    for replies in compiled.values():
        assert set(replies) == {stored_key(Turn(node_id)) for node_id in rt.line.nodes}
        assert None not in replies.values()


def server(app, addresses):
    """The parts of gunicorn's arbiter that when_ready reads."""
    return SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app), cfg=SimpleNamespace(address=addresses))


def test_without_a_public_url_gunicorn_compiles_for_the_addresses_it_listens_on(make_app, audio_dir, monkeypatch):
    app = make_app(audio_dir=audio_dir)
    rt = app.extensions["practice_line"]
    monkeypatch.setattr("gc.freeze", lambda: None)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # A wildcard address and a socket file name no URL a request would come to.
    config["when_ready"](server(app, [("127.0.0.1", 5077), ("0.0.0.0", 80), "/run/line.sock", ("::1", 5078)]))
    assert set(rt.replies._views) == {(base, phone) for base in ("http://127.0.0.1:5077", "http://[::1]:5078")
                                      for phone in (True, False)}

    compiled_again, compile_reply = [], rt.replies._compile
    monkeypatch.setattr(rt.replies, "_compile", lambda *args: compiled_again.append(args) or compile_reply(*args))
    for path in ["/voice/incoming"] + [f"/voice/node/{node_id}" for node_id in rt.line.nodes]:
        reply = app.test_client().post(path, base_url="http://127.0.0.1:5077", data={"CallSid": "CA" + "5" * 32})
        assert reply.status_code == 200 and b"<Play>http://127.0.0.1:5077/audio/" in reply.data, path
    assert compiled_again == []  # a worker would find every first turn made


# What a caller might do at a desk, in turn: enough to reach the supervisor, the formal route and the goodbye.
DESK_TURNS = [Heard(), Heard(speech="I'm calling about a charge I don't recognize"), Heard(key="0"),
              Heard(speech="it was 45 dollars at Corner Coffee on March 5"), Heard(speech="I'd like it removed"),
              Heard(speech="can I speak to a supervisor please"), Heard(speech="what's your name"),
              Heard(speech="how do I make a formal complaint"), Heard(speech="what happens next"),
              Heard(speech="can I have a reference number"), Heard(key="*"), Heard(speech="thanks, that's all")]


@pytest.mark.parametrize("with_audio", [False, True], ids=["say", "play"])
def test_every_desk_reply_served_from_the_store_equals_a_fresh_render(make_app, audio_dir, tmp_path, with_audio):
    app = make_app(audio_dir=audio_dir if with_audio else tmp_path / "no-audio")
    rt = app.extensions["practice_line"]
    checked = 0
    with app.test_request_context("/voice/desk/input", method="POST", headers=SIGNED):
        for scenario in rt.scenarios.scenarios:
            state, reply = enter(rt.scenarios, scenario, REP, [])
            for heard in DESK_TURNS:
                for call_sid in CALLS:
                    token = desk.sign_state(state)
                    expected = str(desk._draw(rt, rt.speaker, state, reply, token, call_sid)).encode()
                    assert desk.respond(rt, state, reply, call_sid) == expected, (scenario, heard)
                    assert desk.respond(rt, state, reply, call_sid) == expected, (scenario, heard)  # from the store
                    checked += 1
                state, reply = step(rt.scenarios, state, heard, rt.recognizer.recognize)
        (_view, replies), = rt.replies._raw_views.values()
    stored = [key for key, reply in replies.items() if key[0] == "desk" and reply is not None]
    assert checked == len(rt.scenarios.scenarios) * len(DESK_TURNS) * len(CALLS) >= 8 * 12 * 3
    # Replies hearing the same words at the same desk share one stored copy; the token is filled per call.
    assert len(stored) >= 40
    assert all(b"desk-state-mark" not in b"".join(replies[key].parts) for key in stored)

"""The webhook path on Flask's own parts: fields from request.values within Flask's limits, the URL's
counts from request.args, every hook once a request, desk tokens signed by itsdangerous, and TwiML
served as Werkzeug serves any response."""

import xml.etree.ElementTree as ET

import pytest
from flask import request

from ivr.line.navigator import Call, position_from_query

SID = "CA0123456789abcdef0123456789abcdef"


def spoken_apology(response, line) -> bool:
    return (response.status_code == 200 and response.content_type == "text/xml; charset=utf-8"
            and ET.fromstring(response.data).find("Say").text == line.text("apology"))


def test_the_first_of_a_repeated_key_counts_as_in_request_form(client, line):
    reply = client.post("/voice/node/main/input?failures=0", data=f"CallSid={SID}&Digits=2&Digits=9",
                        content_type="application/x-www-form-urlencoded")
    assert b'action="/voice/node/dispute/input?failures=0&amp;turn=1"' in reply.data  # 2: dispute a charge


@pytest.mark.parametrize("query, failures, call", [
    ("failures=2&turn=7&quiet=1&handoffs=1&met=1", 2, Call(turns=7, quiet=1, handoffs=1, met=True)),
    ("turn=12", 0, Call(turns=12)),
    ("", 0, Call()),
    ("failures=x&turn=-1&met=yes", 0, Call()),  # anything odd counts as none
    ("failures=150&turn=3", 99, Call(turns=3)),
    ("failures=1&turn=5&turn=9", 1, Call(turns=5)),  # the first of a repeat, as request.args.get
])
def test_a_webhooks_position_is_read_from_its_url(app, query, failures, call):
    with app.test_request_context(f"/voice/node/main/input?{query}", method="POST"):
        assert position_from_query(request.args) == (failures, call)


@pytest.mark.parametrize("token", [None, "test-token"], ids=["unsigned", "signature-checked"])
@pytest.mark.parametrize("body", [
    {"CallSid": SID, "SpeechResult": "x" * 600_000},  # one field over MAX_FORM_MEMORY_SIZE
    {"CallSid": SID, **{f"Field{n}": "1" for n in range(1200)}},  # more parts than MAX_FORM_PARTS
], ids=["field-too-large", "too-many-fields"])
def test_a_multipart_form_over_flasks_limits_is_answered_with_spoken_twiml(make_app, line, token, body):
    # Werkzeug applies these two to multipart forms; a urlencoded one (Twilio's) is held to
    # MAX_CONTENT_LENGTH (test_voice_robustness.py).
    app = make_app(TWILIO_AUTH_TOKEN=token)
    assert app.config["MAX_FORM_MEMORY_SIZE"] == 500_000 and app.config["MAX_FORM_PARTS"] == 1000
    reply = app.test_client().post("/voice/node/main/input?failures=0", data=body, content_type="multipart/form-data",
                                   headers={"X-Twilio-Signature": "read-only-after-the-form"})
    assert spoken_apology(reply, line)


def test_every_hook_runs_once_per_request(make_app):
    app = make_app()
    ran = []
    app.before_request(lambda: ran.append("before"))
    app.after_request(lambda response: ran.append("after") or response)
    client = app.test_client()
    for _ in range(3):
        reply = client.post("/voice/node/main/input?failures=0", data={"CallSid": SID, "Digits": "1"})
        assert reply.status_code == 200 and reply.content_type == "text/xml; charset=utf-8"
    assert ran == ["before", "after"] * 3
    assert "X-Content-Type-Options" not in reply.headers  # the page-header hook skips the voice blueprint...
    assert client.get("/checklist").headers["X-Content-Type-Options"] == "nosniff"  # ...and runs for pages


@pytest.mark.parametrize("node, run, references", [
    ("end-lost-card", ("end-lost-card",), ("end-lost-card",)),
    ("rewards-balance", ("rewards-balance", "end-rewards"), ("end-rewards",)),  # a message runs on into it
    ("main", ("main",), ()),
])
def test_a_run_names_the_nodes_that_read_a_reference(line, node, run, references):
    assert line.run_from(node) == run
    assert line.run_references(node) == references


def test_desk_tokens_are_itsdangerous_signed_base64_json(app):
    import base64
    import json

    from itsdangerous import Signer

    from ivr.coach.dialogue import DeskState
    from ivr.voice import desk

    state = DeskState(scenario="unknown-charge", turns=2, facts={"details"}, said={"details": "forty-five, café"})
    signer = Signer(app.config["SECRET_KEY"], salt="practice-desk-state")
    with app.test_request_context("/voice/desk/input", method="POST"):
        token = desk.sign_state(state)
        payload = signer.unsign(token)  # any server with the key reads it with itsdangerous alone
        assert json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4))) == state.to_dict()
        assert desk.read_state(token) == state
        made_elsewhere = signer.sign(base64.urlsafe_b64encode(json.dumps(state.to_dict()).encode())).decode()
        assert desk.read_state(made_elsewhere) == state
        assert desk.read_state(Signer("another key", salt="practice-desk-state").sign(payload).decode()) is None
        assert desk.read_state(signer.sign(b"not-json").decode()) is None


def test_a_long_desk_state_is_compressed_and_a_short_one_is_not(app):
    from itsdangerous import Signer

    from ivr.coach.dialogue import DeskState
    from ivr.voice import desk

    signer = Signer(app.config["SECRET_KEY"], salt="practice-desk-state")
    short = DeskState(scenario="unknown-charge", said={"details": "forty-five dollars at Corner Coffee"})
    long = DeskState(scenario="unknown-charge", said={f"item-{n}": "forty-five dollars at Corner Coffee"
                                                      for n in range(40)})
    with app.test_request_context("/voice/desk/input", method="POST"):
        short_token, long_token = desk.sign_state(short), desk.sign_state(long)
        assert not signer.unsign(short_token).startswith(b".")
        assert signer.unsign(long_token).startswith(b".")  # zlib-compressed
        assert len(long_token) < 1024 < len(str(long.to_dict()))
        assert desk.read_state(short_token) == short and desk.read_state(long_token) == long


def test_twiml_is_served_with_its_length_and_a_head_request_gets_no_body(client):
    post = client.post("/voice/node/main", data={"CallSid": SID})
    assert post.status_code == 200 and post.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert post.headers["Content-Length"] == str(len(post.data))
    assert post.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and b"<Gather" in post.data
    head = client.head("/voice/node/main")
    assert head.status_code == 200 and head.data == b""

"""The webhook path's shortcuts keep Flask's answers: fields read once from the body, the URL's counts
read once per distinct URL, the async check made once per function, the desk state's signing key
derived once (and its tokens as itsdangerous writes them), and the call log's steps per node."""

import pytest
from flask import request

from ivr.line.navigator import Call
from ivr.voice.fields import FIELDS, webhook_fields, webhook_position, webhook_query
from ivr.web.flask_app import PracticeFlask

SID = "CA0123456789abcdef0123456789abcdef"
FORM = f"AccountSid=AC1&CallSid={SID}&From=%2B15550100&To=%2B15550199&Digits=2&SpeechResult=my+card%21&Digits=9"


def test_the_fields_are_read_from_the_body_once_and_the_form_still_reads_it(app):
    with app.test_request_context("/voice/node/main/input?failures=1&Digits=7", method="POST", data=FORM,
                                  content_type="application/x-www-form-urlencoded"):
        fields = webhook_fields(request)
        # The query string wins over the form, as in request.values; the first of a repeated field counts.
        assert fields == {"CallSid": SID, "From": "+15550100", "Digits": "7", "SpeechResult": "my card!"}
        assert webhook_fields(request) is fields  # kept for the request: the body is not read twice
        assert webhook_query(request) == {"failures": "1", "Digits": "7"}
        assert request.form["To"] == "+15550199"  # Werkzeug still parses the body it was given back


@pytest.mark.parametrize("body", [
    "XDigits=5&Digits=2&DigitsX=3&&novalue&SpeechResult=a%2Bb+c%21&CallSid=" + SID,  # look-alike names
    "Digits=&SpeechResult=&From=client%3Apractice-1&CallSid=",  # empty values
    "SpeechResult=caf%C3%A9+%26+more&Digits=%2A&From=%2B1555&From=%2B1666",  # UTF-8, escapes, a repeat
    "Digits=%ZZ&SpeechResult=50%25+off",  # a bad %-escape reads as Werkzeug reads it
])
def test_the_fields_read_from_the_body_are_the_forms(app, body):
    with app.test_request_context("/voice/node/main/input", method="POST", data=body,
                                  content_type="application/x-www-form-urlencoded"):
        fields = webhook_fields(request)
        assert fields == {name: request.form[name] for name in FIELDS if name in request.form}


def test_a_query_field_only_counts_under_its_own_name(app):
    with app.test_request_context("/voice/node/main/input?xDigits=7&failures=0", method="POST",
                                  data=f"CallSid={SID}&Digits=2", content_type="application/x-www-form-urlencoded"):
        assert webhook_fields(request) == {"CallSid": SID, "Digits": "2"}


@pytest.mark.parametrize("query, failures, call", [
    ("failures=2&turn=7&quiet=1&handoffs=1&met=1", 2, Call(turns=7, quiet=1, handoffs=1, met=True)),
    ("turn=12", 0, Call(turns=12)),
    ("", 0, Call()),
    ("failures=x&turn=-1&met=yes", 0, Call()),  # anything odd counts as none
    ("failures=150&turn=3", 99, Call(turns=3)),
    ("failures=1&turn=5&turn=9", 1, Call(turns=5)),  # the first of a repeat, as request.args.get
    ("state=" + "a" * 200 + "&failures=1&turn=4", 1, Call(turns=4)),  # too long to be a node's URL
])
def test_a_webhooks_position_is_read_from_its_url(app, query, failures, call):
    with app.test_request_context(f"/voice/node/main/input?{query}", method="POST"):
        assert webhook_position(request) == (failures, call)


def test_a_node_url_is_read_once_for_every_call_that_passes(app):
    with app.test_request_context("/voice/node/main?failures=1&turn=6", method="POST"):
        first = webhook_position(request)
    with app.test_request_context("/voice/node/main?failures=1&turn=6", method="POST"):
        assert webhook_position(request) is first


def test_a_form_parsed_before_the_fields_is_used_as_it_is(app):
    with app.test_request_context("/voice/incoming", method="POST", data={"CallSid": SID, "Digits": "4"}):
        assert request.form["Digits"] == "4"  # a signature check parses the whole form first
        assert webhook_fields(request) == {"CallSid": SID, "Digits": "4"}


def test_the_app_checks_each_function_for_async_once(app, monkeypatch):
    assert isinstance(app, PracticeFlask)
    asked = []
    monkeypatch.setattr("flask.app.iscoroutinefunction", lambda func: asked.append(func) or False)

    def hook():
        return None

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert asked == [hook]


def test_the_async_check_table_stays_bounded(app):
    functions = [lambda n=n: n for n in range(300)]  # e.g. after_this_request's, one a request
    assert [app.ensure_sync(f)() for f in functions] == list(range(300))
    assert len(app._sync) <= 256


def test_every_hook_still_runs_once_per_request(make_app):
    app = make_app()
    ran = []
    app.before_request(lambda: ran.append("before"))
    app.after_request(lambda response: ran.append("after") or response)
    client = app.test_client()
    for _ in range(3):  # the async check is remembered after the first request; the hooks still run
        reply = client.post("/voice/node/main/input?failures=0", data={"CallSid": SID, "Digits": "1"})
        assert reply.status_code == 200 and reply.content_type == "text/xml; charset=utf-8"
    assert ran == ["before", "after"] * 3
    assert "X-Content-Type-Options" not in reply.headers  # the page-header hook skips TwiML...
    assert client.get("/checklist").headers["X-Content-Type-Options"] == "nosniff"  # ...and runs for pages


def test_the_desk_state_key_is_derived_once_per_secret(app, monkeypatch):
    from itsdangerous import Signer

    from ivr.coach.dialogue import DeskState
    from ivr.voice import desk

    derived = []
    original = Signer.derive_key
    monkeypatch.setattr(Signer, "derive_key", lambda self, key=None: derived.append(key) or original(self, key))
    desk._serializer.cache_clear()  # a serializer of its own, made under the count
    try:
        with app.test_request_context("/voice/desk/input", method="POST"):
            tokens = [desk.sign_state(DeskState(scenario="unknown-charge", turns=n)) for n in range(3)]
            assert [desk.read_state(token).turns for token in tokens] == [0, 1, 2]
    finally:
        desk._serializer.cache_clear()
    assert len(derived) == 2  # once to sign, once (by secret) to verify, for all three tokens


@pytest.mark.parametrize("node, run, references", [
    ("end-lost-card", ("end-lost-card",), ("end-lost-card",)),
    ("rewards-balance", ("rewards-balance", "end-rewards"), ("end-rewards",)),  # a message runs on into it
    ("main", ("main",), ()),
])
def test_a_run_names_the_nodes_that_read_a_reference(line, node, run, references):
    assert line.run_from(node) == run
    assert line.run_references(node) == references


def test_desk_tokens_are_signed_and_written_as_itsdangerous_would(app):
    from itsdangerous import URLSafeSerializer

    from ivr.coach.dialogue import DeskState
    from ivr.voice import desk

    state = DeskState(scenario="unknown-charge", turns=2, facts={"details"}, said={"details": "forty-five, café"})
    with app.test_request_context("/voice/desk/input", method="POST"):
        # The same serializer with itsdangerous's own SHA-1 and JSON: the token is the same, byte for byte,
        # so tokens signed before this change (or by a server not yet updated) still read.
        plain = desk._StateSerializer(app.config["SECRET_KEY"], salt=desk._SALT)
        token = desk.sign_state(state)
        assert token == URLSafeSerializer.dumps(plain, state.to_dict())  # itsdangerous's dumps, not our kept one
        assert desk.read_state(token) == state
    payload = state.to_dict()
    compact = URLSafeSerializer("k").serializer  # the JSON itsdangerous writes for URL-safe tokens
    assert desk._COMPACT_JSON.encode(payload) == compact.dumps(payload)


def test_a_desk_start_signed_before_is_looked_up_and_a_new_state_signed_afresh(app):
    from ivr.coach.dialogue import DeskState
    from ivr.voice import desk

    with app.test_request_context("/voice/desk/input", method="POST"):
        serializer = desk._serializer(app.config["SECRET_KEY"])
        serializer._token.cache_clear()
        start = DeskState(scenario="unknown-charge")
        tokens = [desk.sign_state(DeskState(scenario="unknown-charge")) for _ in range(3)]
        later = desk.sign_state(DeskState(scenario="unknown-charge", turns=1, said={"amount": "forty"}))
        info = serializer._token.cache_info()
        assert (info.misses, info.hits) == (2, 2)
        assert len(set(tokens)) == 1 and tokens[0] != later
        assert desk.read_state(tokens[0]) == start
        assert desk.read_state(later).said == {"amount": "forty"}
        assert desk.read_state(tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B")) is None  # still checked
        long = DeskState(scenario="unknown-charge", turns=9, said={"amount": "word " * 400})  # deflated
        assert desk.sign_state(long).startswith(".") and desk.read_state(desk.sign_state(long)) == long
        assert serializer._token.cache_info().currsize == 2  # a long conversation is not kept


def test_twiml_goes_to_the_server_as_one_bytes_object_and_a_head_request_gets_no_body(app):
    from werkzeug.test import EnvironBuilder

    def served(method):
        started = []
        environ = EnvironBuilder("/voice/node/main", method=method, data={"CallSid": SID} if method == "POST" else None,
                                 headers={"Host": "localhost"}).get_environ()
        body = app(environ, lambda status, headers, exc_info=None: started.append((status, dict(headers))))
        return started[0], body

    (status, headers), body = served("POST")
    assert status == "200 OK" and headers["Content-Type"] == "text/xml; charset=utf-8"
    assert isinstance(body, list) and len(body) == 1 and body[0].startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert headers["Content-Length"] == str(len(body[0]))
    assert b"<Gather" in body[0]
    (status, headers), body = served("HEAD")
    assert status == "200 OK" and b"".join(body) == b""


def test_a_twiml_reply_sends_the_headers_werkzeug_would(app):
    from werkzeug.wrappers import Response

    from ivr.voice.twiml import xml_response

    environ = {"REQUEST_METHOD": "POST", "wsgi.url_scheme": "http", "HTTP_HOST": "localhost", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "SCRIPT_NAME": "", "PATH_INFO": "/voice/incoming"}

    def sent(response):
        return response.get_wsgi_headers(environ).to_wsgi_list()

    def werkzeugs(response):
        return Response.get_wsgi_headers(response, environ).to_wsgi_list()

    plain, refused = xml_response(b"<Response/>"), xml_response(b"<Response><Hangup/></Response>", status=403)
    for reply in (plain, refused):
        assert reply.get_wsgi_headers(environ) is reply.headers  # sent as they are, not copied
        assert sent(reply) == werkzeugs(reply) == [("Content-Type", "text/xml; charset=utf-8"),
                                                    ("Content-Length", str(len(reply.get_data())))]
    changed = xml_response(b"<Response/>")
    changed.headers["Content-Location"] = "/voice/caf\u00e9"  # Werkzeug quotes it: the copy and correction run
    empty = xml_response(b"<Response/>", status=204)  # no body: Werkzeug drops the length
    for reply in (changed, empty):
        assert reply.get_wsgi_headers(environ) is not reply.headers
        assert sent(reply) == werkzeugs(reply)
    assert ("Content-Location", "/voice/caf%C3%A9") in sent(changed)
    assert [name for name, _value in sent(empty)] == ["Content-Type"]

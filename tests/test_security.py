"""Signed requests from Twilio when an auth token is set; open practice when it is not."""

import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from ivr.voice.security import TOKEN_HEADER, issue_practice_token

TOKEN = "12345678901234567890123456789012"
PARAMS = {"CallSid": "CA" + "a" * 32, "AccountSid": "AC" + "b" * 32, "From": "+15550100", "To": "+15550199",
          "CallStatus": "ringing", "Direction": "inbound"}


@pytest.fixture
def signed_app(make_app):
    """A test app that requires Twilio's signature (or a practice token)."""
    def make(**extra):
        return make_app(SECRET_KEY="s3cret", TWILIO_AUTH_TOKEN=TOKEN, **extra)
    return make


def sign(url, params, token=TOKEN):
    return RequestValidator(token).compute_signature(url, params)


def test_a_valid_signature_is_accepted(signed_app):
    client = signed_app().test_client()
    url = "http://localhost/voice/incoming"
    response = client.post("/voice/incoming", data=PARAMS, headers={"X-Twilio-Signature": sign(url, PARAMS)})
    assert response.status_code == 200
    assert ET.fromstring(response.data).find("Gather").get("action") == "/voice/node/main/input?failures=0&turn=1"


def test_a_missing_signature_is_refused_with_spoken_twiml(signed_app):
    response = signed_app().test_client().post("/voice/incoming", data=PARAMS)
    assert response.status_code == 403
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.find("Say").text == "Sorry, this call could not be verified. Goodbye."
    assert root.find("Hangup") is not None


@pytest.mark.parametrize("forgery", ["wrong token", "tampered digits", "other url", "garbage"])
def test_forged_signatures_are_refused(signed_app, forgery):
    client = signed_app().test_client()
    url = "http://localhost/voice/node/main/input?failures=0"
    params = {**PARAMS, "Digits": "1"}
    signature = {
        "wrong token": sign(url, params, token="x" * 32),
        "tampered digits": sign(url, {**params, "Digits": "2"}),
        "other url": sign("http://localhost/voice/node/dispute/input?failures=0", params),
        "garbage": "not-base64-at-all!!",
    }[forgery]
    response = client.post("/voice/node/main/input?failures=0", data=params,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_public_base_url_is_the_url_that_must_be_signed(signed_app):
    client = signed_app(PUBLIC_BASE_URL="https://line.example.org").test_client()
    good = sign("https://line.example.org/voice/node/main/input?failures=1", {**PARAMS, "Digits": "2"})
    response = client.post("/voice/node/main/input?failures=1", data={**PARAMS, "Digits": "2"},
                           headers={"X-Twilio-Signature": good})
    assert response.status_code == 200
    assert b"Many disputes are quickest online" in response.data
    local = sign("http://localhost/voice/node/main/input?failures=1", {**PARAMS, "Digits": "2"})
    response = client.post("/voice/node/main/input?failures=1", data={**PARAMS, "Digits": "2"},
                           headers={"X-Twilio-Signature": local})
    assert response.status_code == 403


def test_proxy_headers_rebuild_the_public_url(signed_app):
    client = signed_app().test_client()
    signature = sign("https://abc.tunnel.example/voice/incoming", PARAMS)
    response = client.post("/voice/incoming", data=PARAMS, headers={
        "X-Twilio-Signature": signature, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "abc.tunnel.example"})
    assert response.status_code == 200


def test_get_requests_are_signed_over_the_query_string(signed_app):
    client = signed_app().test_client()
    url = "http://localhost/voice/incoming?CallSid=CA1&From=%2B15550100"
    response = client.get("/voice/incoming?CallSid=CA1&From=%2B15550100",
                          headers={"X-Twilio-Signature": sign(url, {})})
    assert response.status_code == 200


def test_a_practice_token_from_this_app_is_accepted_and_a_foreign_one_is_not(signed_app):
    client = signed_app().test_client()
    good = issue_practice_token("s3cret")
    assert client.post("/voice/incoming", data=PARAMS, headers={TOKEN_HEADER: good}).status_code == 200
    foreign = issue_practice_token("another-secret")
    assert client.post("/voice/incoming", data=PARAMS, headers={TOKEN_HEADER: foreign}).status_code == 403


def test_an_expired_practice_token_is_refused(signed_app, monkeypatch):
    app = signed_app(PRACTICE_TOKEN_MAX_AGE=60)
    import itsdangerous.timed
    token = issue_practice_token("s3cret")
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: 10**10)
    assert app.test_client().post("/voice/incoming", data=PARAMS, headers={TOKEN_HEADER: token}).status_code == 403


def test_without_a_token_configured_anyone_can_practice(client):
    response = client.post("/voice/incoming", data=PARAMS)
    assert response.status_code == 200

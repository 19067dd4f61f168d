"""A shared line's guards: rate limits per client address (never on /voice/), security headers on pages,
and templates with no inline script for the CSP to block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.web.limits import LIMITS

IVR = Path(__file__).resolve().parent.parent / "ivr"
CLIENT = {"X-Forwarded-For": "203.0.113.5"}
OTHER_CLIENT = {"X-Forwarded-For": "203.0.113.6"}


def test_the_token_route_answers_429_after_its_limit(client):
    assert LIMITS["phone.token"].startswith("30 per minute")
    for _ in range(30):
        assert client.post("/phone/token", headers=CLIENT).status_code == 200
    refused = client.post("/phone/token", headers=CLIENT)
    assert refused.status_code == 429
    assert refused.json["error"].startswith("Too many requests from your address (limit: 30 per 1 minute).")
    assert "try again" in refused.json["error"]
    assert client.post("/phone/token", headers=OTHER_CLIENT).status_code == 200  # per address


def test_call_summaries_answer_429_after_their_limit(client):
    assert LIMITS["phone.save"].startswith("10 per minute")
    for _ in range(10):  # refused summaries count too: the limit is on asking
        assert client.post("/phone/calls", json={"nonsense": True}, headers=CLIENT).status_code == 400
    refused = client.post("/phone/calls", json={"nonsense": True}, headers=CLIENT)
    assert refused.status_code == 429 and "10 per 1 minute" in refused.json["error"]


def test_the_voice_webhooks_are_never_limited(client):
    for _ in range(300):
        response = client.post("/voice/incoming", data={"CallSid": "CA1"}, headers=CLIENT)
        assert response.status_code == 200
    assert not any(name.lower().startswith("x-ratelimit") for name in response.headers.keys())


@pytest.mark.parametrize("url", ["/", "/checklist", "/checklist?reason=dispute", "/phone", "/phone/calls/unknown",
                                 "/no-such-page"])
def test_pages_send_security_headers(client, url):
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"


def test_audio_from_the_public_base_url_is_allowed_by_the_csp(make_app):
    client = make_app(PUBLIC_BASE_URL="https://line.example.org/").test_client()
    csp = client.get("/phone").headers["Content-Security-Policy"]
    assert "media-src 'self' https://line.example.org;" in csp


def test_twiml_replies_carry_no_page_headers(client):
    response = client.post("/voice/incoming")
    assert "Content-Security-Policy" not in response.headers


def test_no_template_has_inline_script_or_event_handlers():
    templates = sorted(IVR.glob("**/templates/**/*.html"))
    assert len(templates) >= 6
    for path in templates:
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            # Only external scripts, or JSON data blocks (never executed, so the CSP allows them).
            assert "src=" in tag or 'type="application/json"' in tag, f"{path.name}: inline script {tag}"
        handlers = re.findall(r"\son[a-z]+\s*=", html)
        assert handlers == [], f"{path.name}: inline event handlers {handlers}"


def test_a_shared_database_without_a_shared_secret_key_is_named_at_start_up(make_app, monkeypatch, caplog,
                                                                            tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/shared.sqlite")
    make_app(SECRET_KEY=None)
    assert "SECRET_KEY is not set, but DATABASE_URL is" in caplog.text
    caplog.clear()
    make_app(SECRET_KEY="shared-by-every-server")
    assert "SECRET_KEY" not in caplog.text


def test_the_coach_report_post_answers_429_after_its_limit(client):
    assert LIMITS["rehearse.moves"].startswith("10 per minute")
    for _ in range(10):
        assert client.post("/rehearse/moves", json={"lines": ["I want a supervisor"]}, headers=CLIENT).status_code == 200
    refused = client.post("/rehearse/moves", json={"lines": ["I want a supervisor"]}, headers=CLIENT)
    assert refused.status_code == 429 and "10 per 1 minute" in refused.json["error"]

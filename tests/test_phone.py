"""The browser phone's server side: the page, practice-call tokens, and stored call summaries."""

from __future__ import annotations

import json
import time
import uuid

import itsdangerous.timed
import pytest
from sqlalchemy import select

from ivr import store
from ivr.line.navigator import reference_number
from ivr.phone.summary import MASK, mask_digits
from ivr.store.models import practice_calls
from ivr.voice.security import TOKEN_HEADER, issue_practice_token


def sid() -> str:
    return "CA" + uuid.uuid4().hex


def report(**changes) -> dict:
    """A lost-card call to the end, as the page posts it (typed digits already zeroed)."""
    body = {
        "call_sid": sid(),
        "duration_seconds": 71,
        "ended_by": "line",
        "requests": [
            {"url": "/voice/incoming"},
            {"url": "/voice/node/main/input?failures=0", "digits": "1"},
            {"url": "/voice/node/lost-card-identity/input?failures=0", "digits": "0000"},
            {"url": "/voice/node/lost-card-security/input?failures=0", "digits": "1"},
            {"url": "/voice/node/lost-card-cancel/input?failures=0", "digits": "2"},
        ],
        "transcript": [
            {"who": "line", "text": "Welcome.", "at": 0},
            {"who": "caller", "text": "You pressed 1.", "at": 4.2},
            {"who": "caller", "text": "You entered 1234", "at": 9},
            {"who": "caller", "text": "You said: “three seven two one four”", "at": 12},
        ],
    }
    body.update(changes)
    return body


def saved_rows(app) -> list[dict]:
    with store.get_engine(app).connect() as connection:
        return [json.loads(summary) for summary in connection.execute(select(practice_calls.c.summary)).scalars()]


# --- the page -------------------------------------------------------------------------------

def test_phone_page_has_the_phone_and_says_it_is_a_simulator(client):
    page = client.get("/phone")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "practice simulator" in html and "not calling American Express" in html
    for control in ('id="call"', 'id="hangup"', 'id="say-text"', 'id="transcript"', 'aria-live="polite"'):
        assert control in html
    assert html.count('class="key"') == 12
    config = json.loads(html.split('<script id="phone-config" type="application/json">')[1].split("</script>")[0])
    assert config["startUrl"] == "/voice/incoming"
    assert config["dialUrl"] == "/voice/node/representative"
    assert config["captionsUrl"] == "/audio/captions.json"


@pytest.mark.parametrize(("start", "start_url", "shown"), [
    ("dispute", "/voice/node/dispute", "This call starts at: <strong>dispute a charge</strong>"),
    ("representative", "/voice/node/representative", "This call starts at: <strong>representative</strong>"),
    ("no-such-node", "/voice/incoming", "There is no menu point called “no-such-node”"),
    ("<script>", "/voice/incoming", "There is no menu point called “&lt;script&gt;”"),
])
def test_start_links_choose_where_the_call_begins(client, start, start_url, shown):
    html = client.get("/phone", query_string={"start": start}).get_data(as_text=True)
    assert f'"startUrl": "{start_url}"' in html
    assert shown in html


def test_the_phone_page_script_and_player_are_served(client):
    for path in ("/phone/static/phone.js", "/phone/static/player.js", "/phone/static/phone.css"):
        assert client.get(path).status_code == 200


# --- tokens: with TWILIO_AUTH_TOKEN set, the page's token opens the voice routes ----------------

@pytest.fixture
def guarded(make_app):
    return make_app(TWILIO_AUTH_TOKEN="twilio-secret")


def test_token_from_the_page_opens_the_voice_routes(guarded):
    client = guarded.test_client()
    token = client.post("/phone/token").get_json()
    assert token["header"] == TOKEN_HEADER and token["expires_in"] == 3600
    reply = client.post("/voice/incoming", data={"CallSid": sid()}, headers={TOKEN_HEADER: token["token"]})
    assert reply.status_code == 200
    assert guarded.extensions["practice_line"].line.text("welcome") in reply.get_data(as_text=True)


@pytest.mark.parametrize("token", ["", "forged", "other-secret"])
def test_missing_or_forged_tokens_are_refused(guarded, token):
    # Made here, not in the parameters: a token's timestamp would give each pytest-xdist worker other test ids.
    token = issue_practice_token("some-other-secret") if token == "other-secret" else token
    reply = guarded.test_client().post("/voice/incoming", data={"CallSid": sid()}, headers={TOKEN_HEADER: token})
    assert reply.status_code == 403
    assert reply.content_type.startswith("text/xml")
    assert "<Hangup" in reply.get_data(as_text=True)


def test_an_expired_token_is_refused(guarded, monkeypatch):
    now = time.time()
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now - 3601)
    old = issue_practice_token("test-secret")
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now)
    reply = guarded.test_client().post("/voice/incoming", data={"CallSid": sid()}, headers={TOKEN_HEADER: old})
    assert reply.status_code == 403


# --- summaries ----------------------------------------------------------------------------------

def test_a_summary_is_stored_with_path_and_reference_and_shown(app, client, line):
    body = report()
    saved = client.post("/phone/calls", json=body)
    assert saved.status_code == 201
    data = saved.get_json()
    summary = data["summary"]
    assert [s["label"] for s in summary["path"]] == [
        "welcome", "main menu", "lost or stolen card", "identity check (lost card)",
        "security code question (lost card)", "security answer (right)", "cancel and replace",
        "lost or stolen card reported"]
    number = reference_number(body["call_sid"], "end-lost-card")
    assert summary["references"] == [{"label": "lost or stolen card reported", "number": number}]
    assert len(data["id"]) >= 24 and data["url"] == f"/phone/calls/{data['id']}"
    page = client.get(data["url"]).get_data(as_text=True)
    assert number in page and "1 min 11 s" in page and "cancel and replace" in page
    text = client.get(data["text_url"])
    assert text.content_type.startswith("text/plain")
    assert text.headers["Content-Disposition"].startswith('attachment; filename="practice-call-')
    assert f"Reference number: {number} (lost or stolen card reported)" in text.get_data(as_text=True)


def test_typed_and_spoken_digits_never_reach_the_database(app, client):
    client.post("/phone/calls", json=report())
    [row] = saved_rows(app)
    caller = [e["text"] for e in row["transcript"] if e["who"] == "caller"]
    assert caller == ["You pressed 1.", f"You entered {MASK}", f"You said: “{MASK}”"]
    assert "1234" not in json.dumps(row["transcript"])


def test_the_lines_own_words_are_kept_and_anything_else_masked(app, client, line):
    spoken = [line.text("corporate-number"), "Call 1-800-555-0100 now"]
    client.post("/phone/calls", json=report(transcript=[{"who": "line", "text": t, "at": 1} for t in spoken]))
    [row] = saved_rows(app)
    assert [e["text"] for e in row["transcript"]] == [spoken[0], f"Call {MASK} now"]


@pytest.mark.parametrize(("text", "caller", "masked"), [
    ("4111 1111 1111 1111", False, MASK),
    ("ref 123", False, "ref 123"),
    ("code 123", True, f"code {MASK}"),  # a security code, from the caller
    ("ref 12", True, "ref 12"),  # too short to be any part of an account number
    ("pressed 7", True, "pressed 7"),
    ("one two three four", True, MASK),
    ("one two", True, "one two"),
    # Dates and amounts are what the call is about, never an account number: kept as said.
    ("the charge on November 12th", True, "the charge on November 12th"),
    ("on November 12th, 2025 for $84.20", True, "on November 12th, 2025 for $84.20"),
    ("March 3, 2025", False, "March 3, 2025"),
    ("the 12th of November", True, "the 12th of November"),
    ("paid $1,250.00 on 11/12/2025", True, "paid $1,250.00 on 11/12/2025"),
    ("on 2025-11-12 for 180 dollars", False, "on 2025-11-12 for 180 dollars"),
    ("3200 points", True, "3200 points"),
    ("84.20", True, "84.20"),
    # ... but a card number stays masked, whatever follows it.
    ("my card is 4111 1111 1111 1111 dollars", True, f"my card is {MASK} dollars"),
    ("card ending in 4417 on March 3", True, f"card ending in {MASK} on March 3"),
    ("ends in three three four eight", True, f"ends in {MASK}"),
    ("case 2024-55-1234 opened", False, f"case {MASK} opened"),
    ("4, 1, 1, 1, 1, 1, 1, 1", True, MASK),
    ("4,1,1,1,1,1,1,1", True, MASK),
    ("4 one 1 one 1 one 1 one", True, MASK),
    ("It was one or two charges", True, "It was one or two charges"),
    ("Gate 7 in terminal B", True, "Gate 7 in terminal B"),
])
def test_mask_digits(text, caller, masked):
    assert mask_digits(text, caller) == masked


@pytest.mark.parametrize(("body", "message"), [
    ("not json", "Send the call summary as JSON"),
    ({**report(), "call_sid": "CA123"}, "call_sid: String should match pattern"),
    ({**report(), "ended_by": "bored"}, "ended_by: Input should be 'caller', 'line' or 'error'"),
    ({**report(), "requests": []}, "requests: List should have at least 1 item"),
    ({**report(), "transcript": [{"who": "line", "text": "x" * 5000, "at": 0}]}, "transcript.0.text"),
    ({**report(), "card_number": "4111"}, "card_number: Extra inputs are not permitted"),
])
def test_bad_summaries_get_400_saying_what_to_fix(client, body, message):
    if isinstance(body, str):
        reply = client.post("/phone/calls", data=body, content_type="text/plain")
    else:
        reply = client.post("/phone/calls", json=body)
    assert reply.status_code == 400
    assert message in reply.get_json()["error"]


def test_unknown_and_expired_calls_are_404(app, client, monkeypatch):
    assert client.get("/phone/calls/nope").status_code == 404
    data = client.post("/phone/calls", json=report()).get_json()
    assert client.get(data["url"]).status_code == 200
    later = time.time() + 31 * 86400  # keep_days defaults to 30
    monkeypatch.setattr("ivr.store.kept.time.time", lambda: later)
    gone = client.get(data["url"])
    assert gone.status_code == 404 and "deleted 30 days after the call" in gone.get_data(as_text=True)
    assert client.get(data["text_url"]).status_code == 404


PURGED_NOTHING = "Removed 0 expired practice calls.\nRemoved 0 expired call-log records.\nRemoved 0 expired rehearsal reports.\n"


def test_purge_command_deletes_expired_calls(app, client, runner, monkeypatch):
    client.post("/phone/calls", json=report())
    client.post("/phone/calls", json=report())
    assert runner.invoke(args=["calls", "purge"]).output == PURGED_NOTHING
    later = time.time() + 31 * 86400
    monkeypatch.setattr("ivr.store.kept.time.time", lambda: later)
    assert runner.invoke(args=["calls", "purge"]).output == (
        "Removed 2 expired practice calls.\nRemoved 0 expired call-log records.\nRemoved 0 expired rehearsal reports.\n")
    assert saved_rows(app) == []


def test_saving_a_call_purges_expired_ones(make_app, monkeypatch):
    app = make_app(settings={"phone": {"keep_days": 1}})
    client = app.test_client()
    client.post("/phone/calls", json=report())
    later = time.time() + 2 * 86400
    monkeypatch.setattr("ivr.store.kept.time.time", lambda: later)
    client.post("/phone/calls", json=report())
    assert len(saved_rows(app)) == 1


def test_an_oversized_summary_is_refused_with_a_reason(client):
    body = report(transcript=[{"who": "note", "text": "x" * 4000, "at": 0}] * 300)  # about 1.2 MB
    reply = client.post("/phone/calls", json=body)
    assert reply.status_code == 400
    assert reply.get_json()["error"] == "The call summary is too large: at most 1000000 bytes."


def test_the_path_retraces_silence_and_failures_like_the_voice_routes(client, caller):
    """The summary's path is the engine's: three silences at the main menu pass the caller to a person."""
    reply = caller.start()
    steps = [{"url": "/voice/incoming"}]
    for _ in range(3):
        steps.append({"url": reply.redirect})
        reply = caller.silence()
    assert "?failures=2&turn=3" in steps[-1]["url"]
    body = client.post("/phone/calls", json=report(requests=steps, ended_by="caller")).get_json()
    assert [s["node"] for s in body["summary"]["path"]] == ["welcome", "main", "representative", "representative-desk"]
    assert reply.action.startswith("/voice/desk/input?state=")


def test_a_saved_report_keeps_the_dates_and_amounts_said_and_masks_a_card_number(app):
    said = "on November 12th, 2025 I was charged $640.00 by Skyway Air, 3200 points short, card 4111 1111 1111 1111"
    with app.app_context():
        report_id, _created = store.save_report({"items": [{"id": "gave-details", "said": said}]}, 30)
        loaded, _when = store.load_report(report_id, 30)
    assert loaded["items"][0]["said"] == (
        f"on November 12th, 2025 I was charged $640.00 by Skyway Air, 3200 points short, card {MASK}")

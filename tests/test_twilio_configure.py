"""flask twilio configure: the exact REST calls made to Twilio (mocked with responses on Twilio's documented JSON)."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

ACCOUNT = "AC" + "a1" * 16
TOKEN = "auth-token-for-tests"
NUMBER_SID = "PN" + "b2" * 16
NUMBER = "+15551234567"
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}"
LIST_URL = f"{API}/IncomingPhoneNumbers.json"
NUMBER_URL = f"{API}/IncomingPhoneNumbers/{NUMBER_SID}.json"


def phone_number(voice_url: str = "https://demo.twilio.com/welcome/voice/", status_callback: str = "") -> dict:
    """An IncomingPhoneNumber as Twilio's API reference shows it."""
    return {
        "account_sid": ACCOUNT, "address_requirements": "none", "address_sid": None, "api_version": "2010-04-01",
        "beta": False, "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
        "date_created": "Thu, 30 Jul 2015 23:19:04 +0000", "date_updated": "Thu, 30 Jul 2015 23:19:04 +0000",
        "emergency_status": "Inactive", "emergency_address_sid": None, "emergency_address_status": "unregistered",
        "friendly_name": "(555) 123-4567", "identity_sid": None, "origin": "twilio", "phone_number": NUMBER,
        "sid": NUMBER_SID, "sms_application_sid": "", "sms_fallback_method": "POST", "sms_fallback_url": "",
        "sms_method": "POST", "sms_url": "", "status_callback": status_callback, "status_callback_method": "POST",
        "trunk_sid": None, "uri": f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{NUMBER_SID}.json",
        "voice_application_sid": None, "voice_caller_id_lookup": False, "voice_fallback_method": "POST",
        "voice_fallback_url": None, "voice_method": "POST", "voice_url": voice_url, "voice_receive_mode": "voice",
        "status": "in-use", "bundle_sid": None, "subresource_uris": {},
    }


def number_list(*numbers: dict) -> dict:
    """A page of the IncomingPhoneNumbers list, as Twilio answers it."""
    uri = f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json?PhoneNumber=%2B15551234567&PageSize=20&Page=0"
    return {"end": max(len(numbers) - 1, 0), "first_page_uri": uri, "incoming_phone_numbers": list(numbers),
            "next_page_uri": None, "page": 0, "page_size": 20, "previous_page_uri": None, "start": 0, "uri": uri}


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)


@pytest.fixture
def twilio_api():
    """Twilio's API, mocked: any request not registered fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def configure(runner, *extra: str):
    return runner.invoke(args=["twilio", "configure", "--number", NUMBER,
                               "--base-url", "https://line.example.org/", *extra])


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_configure_finds_the_number_and_sets_both_webhooks(runner, credentials, twilio_api):
    twilio_api.get(LIST_URL, json=number_list(phone_number()))
    twilio_api.post(NUMBER_URL, json=phone_number("https://line.example.org/voice/incoming",
                                                  "https://line.example.org/voice/status"))
    result = configure(runner)
    assert result.exit_code == 0, result.output
    listing, update = twilio_api.calls
    assert listing.request.method == "GET"
    assert urlsplit(listing.request.url)._replace(query="").geturl() == LIST_URL
    assert parse_qs(urlsplit(listing.request.url).query) == {"PhoneNumber": [NUMBER], "PageSize": ["20"]}
    assert listing.request.headers["Authorization"] == basic(ACCOUNT, TOKEN)
    assert (update.request.method, update.request.url) == ("POST", NUMBER_URL)
    assert parse_qs(update.request.body) == {
        "VoiceUrl": ["https://line.example.org/voice/incoming"], "VoiceMethod": ["POST"],
        "StatusCallback": ["https://line.example.org/voice/status"], "StatusCallbackMethod": ["POST"],
    }
    assert result.output.splitlines() == [
        f"{NUMBER} ({NUMBER_SID}):",
        "  voice_url: https://demo.twilio.com/welcome/voice/ -> https://line.example.org/voice/incoming",
        "  status_callback: (none) -> https://line.example.org/voice/status",
        f"Done: calls to {NUMBER} now reach https://line.example.org/voice/incoming.",
    ]


def test_dry_run_changes_nothing(runner, credentials, twilio_api):
    twilio_api.get(LIST_URL, json=number_list(phone_number()))
    result = configure(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert [call.request.method for call in twilio_api.calls] == ["GET"]
    assert "voice_url: https://demo.twilio.com/welcome/voice/ -> https://line.example.org/voice/incoming" in result.output
    assert result.output.endswith("Dry run: nothing was changed.\n")


def test_a_number_already_pointing_here_is_left_alone(runner, credentials, twilio_api):
    twilio_api.get(LIST_URL, json=number_list(phone_number("https://line.example.org/voice/incoming",
                                                           "https://line.example.org/voice/status")))
    result = configure(runner)
    assert result.exit_code == 0 and "nothing to change" in result.output
    assert len(twilio_api.calls) == 1


def test_an_api_key_authenticates_as_the_key_on_the_account(runner, monkeypatch, twilio_api):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "c3" * 16)
    monkeypatch.setenv("TWILIO_API_SECRET", "key-secret")
    twilio_api.get(LIST_URL, json=number_list(phone_number()))
    result = configure(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert twilio_api.calls[0].request.headers["Authorization"] == basic("SK" + "c3" * 16, "key-secret")


def test_a_number_not_on_the_account_is_named_and_fails(runner, credentials, twilio_api):
    twilio_api.get(LIST_URL, json=number_list())
    result = configure(runner)
    assert result.exit_code == 1
    assert f"Error: {NUMBER} is not a phone number of account {ACCOUNT}." in result.output


def test_bad_credentials_say_so_and_fail(runner, credentials, twilio_api):
    twilio_api.get(LIST_URL, status=401, json={"code": 20003, "message": "Authenticate",
                                               "more_info": "https://www.twilio.com/docs/errors/20003",
                                               "status": 401})
    result = configure(runner)
    assert result.exit_code == 1
    assert "Twilio refused the credentials (401)" in result.output


@pytest.mark.parametrize("environment, message", [
    ({}, "Set TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": ACCOUNT}, "Set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET"),
    ({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_API_KEY": "SK1"}, "needs both TWILIO_API_KEY"),
])
def test_missing_credentials_are_named_before_any_request(runner, monkeypatch, environment, message):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with responses.RequestsMock() as mock:  # any request at all would fail the test
        result = configure(runner)
        assert len(mock.calls) == 0
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize("args, message", [
    (["--number", "5551234567", "--base-url", "https://line.example.org"], "is not in E.164 form"),
    (["--number", NUMBER, "--base-url", "line.example.org"], "is not a base URL"),
])
def test_bad_arguments_are_explained(runner, credentials, args, message):
    result = runner.invoke(args=["twilio", "configure", *args])
    assert result.exit_code == 2 and message in result.output


class FakeTwilio(BaseHTTPRequestHandler):
    """A local stand-in for Twilio's API (what TWILIO_API_BASE is for): records requests, answers the JSON."""

    seen: list[tuple[str, str, str]] = []

    def do_GET(self):  # noqa: N802 (http.server's names)
        self.seen.append(("GET", self.path, ""))
        self._json(number_list(phone_number()))

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.seen.append(("POST", self.path, body))
        self._json(phone_number("https://line.example.org/voice/incoming", "https://line.example.org/voice/status"))

    def _json(self, data):
        import json

        payload = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_twilio_api_base_sends_every_request_to_the_emulator(runner, credentials, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeTwilio.seen = []
    try:
        monkeypatch.setenv("TWILIO_API_BASE", f"http://127.0.0.1:{server.server_port}/")
        result = configure(runner)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert result.exit_code == 0, result.output
    (get_method, get_path, _), (post_method, post_path, body) = FakeTwilio.seen
    assert get_method == "GET" and urlsplit(get_path).path == f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json"
    assert (post_method, post_path) == ("POST", f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{NUMBER_SID}.json")
    assert parse_qs(body)["VoiceUrl"] == ["https://line.example.org/voice/incoming"]

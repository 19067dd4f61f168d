"""Shared fixtures: the app, a client, a CLI runner, and a caller that talks like Twilio."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from ivr import create_app

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def make_app(tmp_path):
    """Build an app like `app`, with more settings (a nested dict) and config values on top."""

    def make(settings: dict | None = None, **config):
        overrides = {"voice": {"hold_pause_seconds": 0}}
        for section, values in (settings or {}).items():
            overrides[section] = {**overrides.get(section, {}), **values}
        app = create_app({
            "TESTING": True,
            "TWILIO_AUTH_TOKEN": None,
            "PUBLIC_BASE_URL": None,
            "SECRET_KEY": "test-secret",
            **config,
            "SETTINGS": overrides,
        })
        app.instance_path = str(tmp_path)
        return app

    return make


@pytest.fixture
def app(make_app):
    """An app with its instance folder in tmp, holds of no length, and no Twilio token."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class Reply:
    """One TwiML reply, parsed."""

    status: int
    content_type: str
    root: ET.Element

    @property
    def verbs(self) -> list[str]:
        return [v.tag for v in self.root]

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def said(self) -> list[str]:
        """Every <Say> text in document order, including inside <Gather>."""
        return [(el.text or "").strip() for el in self.root.iter("Say")]

    @property
    def text(self) -> str:
        return " ".join(self.said)

    @property
    def action(self) -> str | None:
        return self.gather.get("action") if self.gather is not None else None

    @property
    def redirect(self) -> str | None:
        el = self.root.find("Redirect")
        return el.text.strip() if el is not None else None

    @property
    def hung_up(self) -> bool:
        return self.root.find("Hangup") is not None


class Caller:
    """Posts to the voice webhooks the way Twilio does, and follows the call."""

    def __init__(self, client):
        self.client = client
        self.call_sid = "CA" + uuid.uuid4().hex
        self.history: list[Reply] = []

    def post(self, url: str, **params: str) -> Reply:
        data = {"CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": "+15550100",
                "To": "+15550199", "CallStatus": "in-progress", "Direction": "inbound", **params}
        response = self.client.post(url, data=data)
        reply = Reply(response.status_code, response.content_type, ET.fromstring(response.data))
        self.history.append(reply)
        return reply

    def start(self, url: str = "/voice/incoming") -> Reply:
        return self.post(url)

    def press(self, digits: str) -> Reply:
        return self.post(self._action(), Digits=digits)

    def say(self, words: str) -> Reply:
        return self.post(self._action(), SpeechResult=words, Confidence="0.87")

    def silence(self) -> Reply:
        """Say nothing: Twilio skips the action and follows the <Redirect> after <Gather>."""
        last = self.history[-1]
        assert last.redirect, "a <Gather> must be followed by a <Redirect> for silence"
        return self.post(last.redirect)

    def walk(self, answers: list[str]) -> Reply:
        """From the welcome, give each answer in turn ('-' is silence; words are speech)."""
        reply = self.start()
        for answer in answers:
            assert not reply.hung_up, f"call ended before answer {answer!r}"
            if answer == "-":
                reply = self.silence()
            elif all(ch in "0123456789*#" for ch in answer):
                reply = self.press(answer)
            else:
                reply = self.say(answer)
        return reply

    def _action(self) -> str:
        last = self.history[-1]
        assert last.action, f"no <Gather> to answer in {last.verbs}"
        return last.action


@pytest.fixture
def caller(client):
    """A fresh caller for one practice call."""
    return Caller(client)


@pytest.fixture
def line(app):
    """The compiled practice line the app serves."""
    return app.extensions["practice_line"].line


# --- Browser tests: a real server on a free loopback port, and Debian's Chromium ---

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def live_server(app):
    """Serve `app` on 127.0.0.1 on a free port in a thread; stopped when the test ends."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser build)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./scripts/test.sh, which installs it")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page; closed after the test."""
    context = browser.new_context()
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def artifacts():
    """The folder for screenshots and other test artifacts (not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

"""Shared fixtures: the app, a client, a CLI runner, and a caller that talks like Twilio."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import responses
import yaml
from filelock import FileLock

from ivr import create_app, store

ROOT = Path(__file__).resolve().parent.parent


# Variables that would point a test at a real token, URL, secret or folder.
APP_ENVIRONMENT = ["TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "SECRET_KEY", "PRACTICE_LINE_CONFIG_DIR",
                   "TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_API_BASE",
                   "PRACTICE_LINE_PROMPTS_DIR", "PRACTICE_LINE_AUDIO_DIR", "DATABASE_URL"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Tests see none of the developer's app settings (an exported TWILIO_AUTH_TOKEN, say)."""
    for name in APP_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """No test reaches the internet through requests (gTTS included); loopback servers still work."""
    real_send = requests.adapters.HTTPAdapter.send

    def send(adapter, request, *args, **kwargs):
        host = urllib.parse.urlsplit(request.url).hostname
        if host not in {"127.0.0.1", "localhost", "::1"}:
            raise requests.exceptions.ConnectionError(f"tests may not reach {host}")
        return real_send(adapter, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)


def copy_config(tmp_path: Path, name: str):
    """A copy of config/ to break: (folder, path of `name` in it, edit) where edit(fn) rewrites that file's YAML."""
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    path = folder / name

    def edit(change):
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    return folder, path, edit


TEARDOWN_FLUSH_SECONDS = 2.0  # a reachable database takes a test's events in milliseconds


def build_app(folder: Path, settings: dict | None = None, audio_dir: Path | None = None, **config):
    """A test app with its instance folder in `folder`; `settings` are merged per section (voice, audio),
    other keywords are app config. Audio is read from folder/audio unless `audio_dir` says otherwise, so by
    default the library is empty and every prompt is <Say> (a build by ./scripts/run.sh never leaks in)."""
    sections: dict[str, dict] = {"voice": {"hold_pause_seconds": 0}}
    for name, values in (settings or {}).items():
        sections[name] = {**sections.get(name, {}), **values}
    return create_app({
        "TESTING": True,
        "TWILIO_AUTH_TOKEN": None,
        "PUBLIC_BASE_URL": None,
        "SECRET_KEY": "test-secret",
        "AUDIO_DIR": str(audio_dir or folder / "audio"),
        "SETTINGS": sections,
        "INSTANCE_PATH": str(folder),
        **config,
    })


@pytest.fixture
def make_app(tmp_path):
    """Build a test app of its own (see build_app), in tmp_path; flush_seconds=0 for an app whose database
    is unreachable on purpose (its teardown would only wait: nothing it spooled can be shipped)."""
    made = []

    def make(settings: dict | None = None, audio_dir: Path | None = None,
             flush_seconds: float = TEARDOWN_FLUSH_SECONDS, **config):
        made.append((build_app(tmp_path, settings, audio_dir, **config), flush_seconds))
        return made[-1][0]

    yield make
    # Write what the call log still holds and close database connections. What an app could not ship in
    # time stays in its spool.
    for app, flush_seconds in made:
        store.shutdown(app, timeout=flush_seconds)


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory):
    """One app, as `app` builds it, for every test of the modules marked shared_app: tests that only call
    it (no settings changed, no hooks or patches added, nothing rate-limited, nothing stored read back).
    Building an app costs a test more than most tests themselves."""
    app = build_app(tmp_path_factory.mktemp("shared-app"))
    yield app
    store.shutdown(app, timeout=TEARDOWN_FLUSH_SECONDS)


@pytest.fixture
def app(request, make_app):
    """An app with its instance folder in tmp, holds of no length, no Twilio token, and no prompt audio
    (in a module marked shared_app, the one app those modules share)."""
    if request.node.get_closest_marker("shared_app"):
        return request.getfixturevalue("shared_app")
    return make_app()


@pytest.fixture
def book(app):
    """The app's rehearsal scenarios (config/scenarios.yaml with its personas)."""
    return app.extensions["practice_line"].scenarios


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
    def played(self) -> list[str]:
        """Every <Play> URL in document order, including inside <Gather>."""
        return [(el.text or "").strip() for el in self.root.iter("Play")]

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

    def __init__(self, client, call_sid: str | None = None):
        self.client = client
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
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

    def walk(self, answers: list[str], start: str = "/voice/incoming") -> Reply:
        """From the welcome (or `start`), give each answer in turn ('-' is silence; words are speech)."""
        reply = self.start(start)
        for answer in answers:
            assert not reply.hung_up, f"call ended before answer {answer!r}"
            reply = self.give(answer)
        return reply

    def give(self, answer: str) -> Reply:
        """One answer: '-' is silence, keys are pressed, anything else is said."""
        if answer == "-":
            return self.silence()
        if all(ch in "0123456789*#" for ch in answer):
            return self.press(answer)
        return self.say(answer)

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
# How often a live server's loop looks for shutdown(): each browser test's teardown waits up to this
# (socketserver's default is 0.5 s).
LIVE_POLL_SECONDS = 0.05


@pytest.fixture
def live_server(app):
    """Serve `app` on 127.0.0.1 on a free port in a thread; stopped when the test ends."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": LIVE_POLL_SECONDS}, daemon=True)
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


# --- Prompt audio: a fake Google speech endpoint, and a real espeak-ng library built once ---

GOOGLE_TTS = re.compile(r"https://translate\.google\.[a-z.]+/_/TranslateWebserverUi/data/batchexecute")
# gTTS settings for tests: no pauses between requests or before retries.
QUICK_GTTS = {"throttle_seconds": 0, "backoff_seconds": 0, "retries": 2}


def silent_mp3(frames: int = 20, signature: int = 0) -> bytes:
    """MPEG-2 Layer III, 24 kHz mono, 32 kbit/s silent frames (what gTTS returns, minus the words).

    `signature` sets each frame's copyright/original bits (2 bits a frame), so two fakes
    differ byte for byte while decoding to the same silence.
    """
    out = bytearray()
    for i in range(frames):
        bits = (signature >> (2 * (i % 16))) & 3
        out += bytes([0xFF, 0xF3, 0x44, 0xC0 | (bits << 2)]) + bytes(92)
    return bytes(out)


@dataclass
class GoogleRequest:
    """One request gTTS sent, decoded."""

    host: str
    text: str
    lang: str
    slow: bool | None


class FakeGoogle:
    """Answers gTTS's POSTs like Google Translate, or fails as scripted; records what was asked."""

    def __init__(self, mock: responses.RequestsMock):
        self.requests: list[GoogleRequest] = []
        self.answered: dict[str, bytes] = {}  # text part -> the MP3 bytes answered for it
        self.script: list = []  # outcomes for the next requests, then normal answers
        self.always = None  # an outcome for every request
        mock.add_callback(responses.POST, GOOGLE_TTS, callback=self._answer)

    def fail(self, *outcomes) -> None:
        """The next requests get these: an HTTP status, an exception to raise, "html", "null", or None (audio)."""
        self.script.extend(outcomes)

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.requests]

    def _answer(self, request):
        body = urllib.parse.unquote(request.body.decode() if isinstance(request.body, bytes) else request.body)
        rpc = json.loads(body.removeprefix("f.req=").rstrip("&"))
        text, lang, slow, _ = json.loads(rpc[0][0][1])
        self.requests.append(GoogleRequest(urllib.parse.urlsplit(request.url).hostname, text, lang, slow))
        outcome = self.script.pop(0) if self.script else self.always
        if callable(outcome):  # e.g. a slow server: runs, then answers normally
            outcome = outcome()
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome == "html":  # a captive portal: 200, and no audio anywhere
            return 200, {"Content-Type": "text/html"}, "<html><body>Sign in to the Wi-Fi</body></html>"
        if outcome == "null":  # Google's own "no audio for that"
            return 200, {}, ')]}\'\n\n40\n[["wrb.fr","jQ1olc",null,null,null,null,"generic"]]\n'
        if isinstance(outcome, int):
            return outcome, {}, ""
        mp3 = silent_mp3(8 + len(text) % 17, signature=zlib.crc32(text.encode()))
        self.answered[text] = mp3
        encoded = base64.b64encode(mp3).decode()
        line = '[["wrb.fr","jQ1olc","[\\"' + encoded + '\\"]",null,null,null,"generic"]]'
        return 200, {}, f")]}}'\n\n{len(line)}\n{line}\n"


@pytest.fixture
def google():
    """A fake Google speech endpoint; any other HTTP request fails the test (no network, ever)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGoogle(mock)


# Where the espeak-ng library is kept between test runs. `audio build` names each file by its words and
# settings and renders only what is missing, so a warm run renders nothing and a changed prompt only itself.
ESPEAK_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "practice-line-tests" / "espeak-library"


def render_espeak_library(folder: Path, instance: Path) -> None:
    """Render every prompt of the line into `folder` with the real espeak-ng (MP3 and phone copy); what
    the folder already holds for the current words and settings is kept, as `audio build` keeps it."""
    from ivr.audio.build import Builder
    from ivr.cli.audio_commands import build_items

    app = create_app({"TESTING": True, "AUDIO_DIR": str(folder), "SECRET_KEY": "test-secret",
                      "INSTANCE_PATH": str(instance)})
    rt = app.extensions["practice_line"]
    report = Builder(rt.settings.audio, folder, engine="espeak").run(build_items(rt), progress=False)
    assert not report.failed, report.notes


def cached_espeak_library(target: Path, instance: Path) -> None:
    """Bring the kept espeak-ng library up to date (under a lock: several runs may share it), then copy it
    to `target`, so no test can change the kept one."""
    ESPEAK_CACHE.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(ESPEAK_CACHE.parent / "espeak-library.lock")):
        render_espeak_library(ESPEAK_CACHE, instance)
        shutil.copytree(ESPEAK_CACHE, target)


@pytest.fixture(scope="session")
def espeak_library(tmp_path_factory, worker_id):
    """Every prompt rendered by the real espeak-ng, for all xdist workers together (about 10 s when the
    kept library is cold, a copy when it is warm); shared, so never change it: copy it first (audio_dir does)."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: run ./scripts/test.sh, which installs it")
    if worker_id == "master":  # not under xdist: this process is the whole session
        folder = tmp_path_factory.getbasetemp() / "espeak-library"
        cached_espeak_library(folder, tmp_path_factory.mktemp("instance"))
        return folder
    # pytest-xdist's documented pattern for a session fixture: the first worker makes it under a file lock
    # in the directory all workers' temp folders share; the others wait for it, then use what it made.
    shared = tmp_path_factory.getbasetemp().parent
    folder = shared / "espeak-library"
    with FileLock(str(shared / "espeak-library.lock")):
        if not folder.is_dir():
            # Copied aside and renamed in whole, so a failed build never leaves a half library to share.
            staging = tmp_path_factory.getbasetemp() / "espeak-library-staging"
            cached_espeak_library(staging, tmp_path_factory.mktemp("instance"))
            staging.rename(folder)
    return folder


@pytest.fixture
def audio_dir(espeak_library, tmp_path):
    """A private copy of the espeak-ng library, safe to change."""
    target = tmp_path / "audio"
    shutil.copytree(espeak_library, target)
    return target


@pytest.fixture
def audio_app(make_app, audio_dir):
    """An app whose every prompt has espeak-ng audio (MP3 and phone copy)."""
    return make_app(audio_dir=audio_dir)


# --- Scripts run in a copy of the project, so no test touches the real .venv or instance/ ---

@pytest.fixture
def project_copy(tmp_path):
    """A copy of the app and its scripts in tmp, whose .venv/bin/python is this test interpreter.

    setup.sh is a no-op there (no Debian packages or pip from inside a test), and `audio build`
    does nothing (no network); everything else runs for real, with instance/ inside the copy.
    """
    import os
    import sys

    root = tmp_path / "project"
    root.mkdir()
    for name in ("app.py", "gunicorn.conf.py", "ivr", "config", "prompts", "scripts"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    (root / "scripts" / "setup.sh").write_text("#!/usr/bin/env bash\nexit 0\n")
    python = root / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\ncase "$*" in *"audio build"*) exit 0;; esac\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT and k not in ("HOST", "PORT")}
    return root, env


# --- The store on both databases: SQLite (the default) and a throwaway PostgreSQL server ---

@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL cluster for the session (Debian's server as the postgres user); stopped at the end.

    If it cannot start, the tests that need it fail under CI=true, and are skipped elsewhere.
    """
    from pgcluster import PostgresCluster, server_bin

    bin_dir = server_bin()
    problem = None if bin_dir else "PostgreSQL's server is not installed: run ./scripts/test.sh, which installs it"
    cluster = PostgresCluster(bin_dir) if bin_dir else None
    if cluster is not None:
        try:
            cluster.start()
        except (RuntimeError, OSError) as error:
            problem = f"the test PostgreSQL server did not start: {error}"
    try:
        if problem:
            (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(problem)
        yield cluster
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    """None (the default SQLite file in the instance folder) or an emptied PostgreSQL database's URL."""
    if request.param == "sqlite":
        return None
    server = request.getfixturevalue("postgres_server")
    empty(server.url)
    return server.url


def empty(url: str) -> None:
    """Drop every table of a PostgreSQL database."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture
def store_app(make_app, database_url):
    """An app on each database, its schema built by `flask db upgrade` as a user would."""
    app = make_app(DATABASE_URL=database_url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return app

"""Practice Line: a practice phone line and call-prep service (a simulator, not the issuer)."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, render_template, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .audio.cache import AudioLibrary
from .audio.renderers import library_specs
from .audio.voices import check_persona_voices
from .coach.who_speaks import voiced_texts
from .checklist.reasons import load_reasons
from .coach.scenarios import load_scenarios
from .coach.moves import load_recognizer
from .coach import details as coach_details
from .ear.menu_ear import MenuEar
from .ear.moves_ear import MovesEar
from .line import ConfigError, load_line
from .line.settings import load_settings
from .runtime import EXTENSION, Runtime
from .voice import reply_cache
from .voice.speech import Speaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEB_ERRORS = {
    404: ("Page not found", "There is nothing at this address. Check the link."),
    405: ("Not allowed", "This page can't be used that way. Open it from a link instead."),
    500: ("Something went wrong", "Sorry, that didn't work on our side. Please try again."),
}


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; raises ConfigError (naming file and node) if the config is wrong."""
    # Tests pass INSTANCE_PATH so nothing they do touches the real instance folder.
    app = Flask(__name__, instance_relative_config=True, instance_path=(test_config or {}).get("INSTANCE_PATH"))
    app.config.from_mapping(
        TWILIO_AUTH_TOKEN=os.environ.get("TWILIO_AUTH_TOKEN") or None,
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL") or None,
        # None: SQLite at instance/practice-line.sqlite. postgresql://... uses PostgreSQL (psycopg 3).
        DATABASE_URL=os.environ.get("DATABASE_URL") or None,
        CONFIG_DIR=Path(os.environ.get("PRACTICE_LINE_CONFIG_DIR") or PROJECT_ROOT / "config"),
        PROMPTS_DIR=Path(os.environ.get("PRACTICE_LINE_PROMPTS_DIR") or PROJECT_ROOT / "prompts"),
        # None: settings.yaml's audio.cache_dir, relative to the instance folder.
        AUDIO_DIR=os.environ.get("PRACTICE_LINE_AUDIO_DIR") or None,
        PRACTICE_TOKEN_MAX_AGE=3600,
        # Flask's own limits on what a request may bring (a body over them is answered 413, which the
        # voice routes speak as an apology): the whole body, and a multipart form's text fields and
        # parts. Twilio's webhooks are a urlencoded few kB; a call summary is at most 1 MB of JSON.
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=500_000,
        MAX_FORM_PARTS=1000,
        SETTINGS={},
    )
    if test_config:
        app.config.update(test_config)
    config_dir = Path(app.config["CONFIG_DIR"])
    line = load_line(config_dir, Path(app.config["PROMPTS_DIR"]))
    # The trained ear routes callers' own words at every menu (its model loads on first use or in warm_up).
    line = dataclasses.replace(line, ear=MenuEar(line))
    settings = load_settings(config_dir / "settings.yaml", app.config["SETTINGS"])
    reasons = load_reasons(config_dir / "reasons.yaml", line)  # every config check before any disk scan
    scenarios = load_scenarios(config_dir / "scenarios.yaml", line, reasons.nodes())
    check_persona_voices(config_dir / "personas.yaml", scenarios.personas.personas)
    # The coach's rules joined with the trained moves model (its file loads on first use or in warm_up).
    recognizer = MovesEar(load_recognizer(config_dir / "moves.yaml"))
    # Only a config that can be served gets an instance folder and a secret written to disk.
    os.makedirs(app.instance_path, exist_ok=True)
    secret = app.config.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret and (app.config.get("DATABASE_URL") or os.environ.get("DATABASE_URL")):
        # A shared database means several servers; each would make its own key, and a practice-call
        # token from one would be refused by the next.
        app.logger.warning("SECRET_KEY is not set, but DATABASE_URL is: set the same SECRET_KEY on every "
                           "server, or practice-call tokens from one server fail on the others.")
    app.config["SECRET_KEY"] = secret or _instance_secret(app)
    audio_dir = Path(app.instance_path, app.config["AUDIO_DIR"] or settings.audio.cache_dir).resolve()
    # Indexed once here (and again after `audio build`), so a webhook only looks up a dict.
    voiced = voiced_texts(scenarios)  # what each persona's representative says, in its own voice
    audio = (AudioLibrary(audio_dir, line.spoken(), lambda voice=None: library_specs(settings.audio, voice), voiced)
             if settings.audio.enabled else None)
    app.extensions[EXTENSION] = Runtime(line, settings, audio=audio, audio_dir=audio_dir, reasons=reasons,
                                        scenarios=scenarios, recognizer=recognizer)
    # Replies are rendered on first use (or by warm_up()) and kept.
    speaker = Speaker(settings.voice, audio, app.config["PUBLIC_BASE_URL"])
    app.extensions[reply_cache.EXTENSION] = reply_cache.ReplyCache(line, speaker, settings.voice)

    # Behind ngrok or a load balancer, rebuild the public URL Twilio signed.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
    _register(app)
    return app


def warm_up(app: Flask, served_at: Iterable[str] = ()) -> None:
    """Do now what the first requests would: load the rate limits' library, the ear's two models and the
    libraries that read a caller's details, work out the menu map, index the audio library, load the
    database layer, and compile every node's reply for the URL requests will use: PUBLIC_BASE_URL, else
    each base URL in `served_at` (the addresses the server listens on).

    gunicorn calls this in its master before the workers fork, so they share all of it and no webhook pays.
    """
    from .web import limits

    limits.install(app)
    rt, replies = app.extensions[EXTENSION], app.extensions[reply_cache.EXTENSION]
    rt.recognizer.warm()
    rt.line.ear.warm()
    rt.menu_map  # noqa: B018 - the menu map (it probes every menu by speech) and the checklist's links
    coach_details.warm()
    if rt.audio is not None:
        rt.audio.index()
    # SQLAlchemy, the database driver and the call log's writer, loaded once here rather than by each
    # worker on its first webhook (gunicorn starts a fresh worker every max_requests).
    from . import store
    from .store import call_log  # noqa: F401

    try:
        store.get_engine(app)
    except Exception as error:  # noqa: BLE001 - a database that is down must not stop the line
        app.logger.warning("database not reached while warming up (%s); each worker connects when it needs to",
                           store.recorder.describe_error(error))
    # Replies name their audio by the base URL. Without PUBLIC_BASE_URL that is the address each request
    # came to; a browser on this machine uses the one the server listens on. Rendered here, a worker
    # (and each fresh one gunicorn starts every max_requests) finds them made.
    for base in [replies.speaker.base_url] if replies.speaker.base_url else served_at:
        replies.warm(app, base)


def _register(app: Flask) -> None:
    from . import cli, store, web
    from .web import limits
    from .audio import audio_serving as audio_routes
    from .checklist import checklist_pages as checklist_routes
    from .map import map_pages as map_routes
    from .phone import phone_pages as phone_routes
    from .rehearse import rehearse_pages as rehearse_routes
    from .voice import webhooks as voice_routes

    pages = (audio_routes.bp, phone_routes.bp, checklist_routes.bp, map_routes.bp, rehearse_routes.bp)
    for blueprint in pages:
        limits.guard(blueprint)  # the rate limits' hook, on the pages' blueprints only
    for blueprint in (voice_routes.bp, *pages):
        app.register_blueprint(blueprint)
    store.init_app(app)
    cli.init_app(app)
    web.init_app(app, voice=voice_routes.bp)

    @app.context_processor
    def issuer_name() -> dict:
        # Every page says which issuer it is *not*; the name comes from contacts.yaml.
        return {"issuer": app.extensions[EXTENSION].line.contacts.issuer}

    def on_error(error):
        # Under the voice blueprint's prefix the caller must hear a way forward, even when no route
        # matched (a method no route takes): Flask then knows no blueprint, so the path tells.
        if voice_routes.under_prefix(request.path):
            return voice_routes.voice_error(error)
        title, message = WEB_ERRORS.get(error.code, WEB_ERRORS[500])
        return render_template("error.html", title=title, message=message), error.code

    # Blueprint handlers cover voice routes that matched; these cover everything else.
    for code in WEB_ERRORS:
        app.register_error_handler(code, on_error)


def _instance_secret(app: Flask) -> str:
    # Several processes serving one line must agree on the key, so keep it on disk.
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


__all__ = ["create_app", "warm_up", "ConfigError"]

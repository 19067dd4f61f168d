"""Rate limits, per client address, on the routes that store or sign things; never on the voice webhooks."""

from __future__ import annotations

import os
import threading

from flask import Blueprint, Flask, jsonify, request

# Endpoint -> limit. A person practicing asks for a token and posts a summary once a call, and a
# rehearsal's report page asks the coach about its transcript once.
LIMITS = {
    "phone.token": "30 per minute; 300 per hour",
    "phone.save": "10 per minute; 100 per hour",
    "rehearse.moves": "10 per minute; 100 per hour",  # once a rehearsal, after hang-up
}
EXTENSION = "practice_line.limits"  # app.extensions key of the middleware that builds the limiter


def init_app(app: Flask, voice: Blueprint) -> None:
    """Answer 429 clearly, and apply LIMITS (RATE_LIMITS from the config win) just before the first request;
    the `voice` blueprint's webhooks are exempt."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI") or "memory://")
    # Importing Flask-Limiter (and its storage backends) takes a tenth of start-up, and a process that
    # only runs a command never serves a request: the limiter is built when the first request arrives,
    # or by warm_up() in gunicorn's master before the workers fork.
    app.wsgi_app = app.extensions[EXTENSION] = LimitsOnFirstRequest(app, app.wsgi_app, voice)

    @app.errorhandler(429)
    def too_many_requests(error):
        message = (f"Too many requests from your address (limit: {error.description}). "
                   "Wait a minute, then try again.")
        if request.accept_mimetypes.best == "application/json" or request.is_json or request.method == "POST":
            return jsonify(error=message), 429
        return message, 429, {"Content-Type": "text/plain; charset=utf-8"}


def install(app: Flask) -> None:
    """Build the limiter on `app` now if it is not yet (its hooks must be added before the first request)."""
    if EXTENSION in app.extensions:
        app.extensions[EXTENSION].install()


def build_limiter(app: Flask, voice: Blueprint):
    """Flask-Limiter on `app`: the voice blueprint exempt, and each limited endpoint's blueprint limited to LIMITS."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    # One limiter per app. ProxyFix has already put the client's address (X-Forwarded-For, one hop)
    # in remote_addr.
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[], headers_enabled=True)
    limiter.exempt(voice)
    for endpoint, limit in {**LIMITS, **app.config.get("RATE_LIMITS", {})}.items():
        blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
        if blueprint is not None and endpoint in app.view_functions:
            # A limit on the endpoint's blueprint (counted per endpoint), which the blueprint's other
            # routes are exempt from.
            limiter.limit(limit, exempt_when=lambda endpoint=endpoint: request.endpoint != endpoint)(blueprint)
    return limiter


class LimitsOnFirstRequest:
    """WSGI middleware: builds the limiter before the app's first request, then steps out of the way."""

    def __init__(self, app: Flask, wsgi_app, voice: Blueprint):
        self.app, self.wsgi_app, self.voice = app, wsgi_app, voice
        self.lock = threading.Lock()
        self.installed = False

    def __call__(self, environ, start_response):
        self.install()
        return self.wsgi_app(environ, start_response)

    def install(self) -> None:
        """Build the limiter once; threads arriving meanwhile wait, so none is served unlimited."""
        if self.installed:
            return
        with self.lock:
            if self.installed:
                return
            build_limiter(self.app, self.voice)
            self.installed = True
            if self.app.wsgi_app is self:  # later requests go straight to the app
                self.app.wsgi_app = self.wsgi_app

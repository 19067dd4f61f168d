"""Rate limits, per client address, on the routes that store or sign things; never on the voice webhooks."""

from __future__ import annotations

import functools
import os
import threading

from flask import Flask, jsonify, request

# Endpoint -> limit. A person practicing asks for a token and posts a summary once a call, and a
# rehearsal's report page asks the coach about its transcript once.
LIMITS = {
    "phone.token": "30 per minute; 300 per hour",
    "phone.save": "10 per minute; 100 per hour",
    "rehearse.moves": "10 per minute; 100 per hour",  # once a rehearsal, after hang-up
}
VOICE = "/voice/"
EXTENSION = "practice_line.limits"  # app.extensions key of the middleware that builds the limiter


def _hook_lists(app: Flask) -> dict[str, dict]:
    return {"before": app.before_request_funcs, "after": app.after_request_funcs,
            "teardown": app.teardown_request_funcs}


def _not_for_voice(hook, kind: str):
    """`hook`, except under /voice/ (an after-request hook then passes the response through)."""
    @functools.wraps(hook, assigned=("__doc__",))
    def guarded(*args):
        if request.environ.get("PATH_INFO", "").startswith(VOICE):
            return args[0] if kind == "after" else None
        return hook(*args)

    return guarded


def init_app(app: Flask) -> None:
    """Answer 429 clearly, and apply LIMITS (RATE_LIMITS from the config win) just before the first request."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI") or "memory://")
    # Importing Flask-Limiter (and its storage backends) takes a tenth of start-up, and a process that
    # only runs a command never serves a request: the limiter is built when the first request arrives,
    # or by warm_up() in gunicorn's master before the workers fork.
    app.wsgi_app = app.extensions[EXTENSION] = _LimitsOnFirstRequest(app, app.wsgi_app)

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


def _limit(app: Flask) -> None:
    """Add Flask-Limiter's hooks for the limited routes' blueprints, and LIMITS to their endpoints, where they exist."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    hooks = {kind: list(funcs.get(None, [])) for kind, funcs in _hook_lists(app).items()}
    # One limiter per app. ProxyFix has already put the client's address (X-Forwarded-For, one hop)
    # in remote_addr.
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[], headers_enabled=True)
    limits = {endpoint: limit for endpoint, limit in {**LIMITS, **app.config.get("RATE_LIMITS", {})}.items()
              if endpoint in app.view_functions}
    # The limiter's hooks cost a webhook as much as the rest of it. When every limited route is in a
    # blueprint, they run for those blueprints' requests alone; otherwise for all but the voice webhooks.
    blueprints = {endpoint.rpartition(".")[0] for endpoint in limits}
    for kind, funcs in _hook_lists(app).items():
        added = [f for f in funcs.get(None, []) if f not in hooks[kind]]
        funcs[None] = hooks[kind]
        if "" in blueprints:  # a limited route outside any blueprint
            funcs[None] = funcs[None] + [_not_for_voice(f, kind) for f in added]
        for blueprint in blueprints - {""}:
            funcs.setdefault(blueprint, []).extend(added)
    for endpoint, limit in limits.items():
        app.view_functions[endpoint] = limiter.limit(limit)(app.view_functions[endpoint])


class _LimitsOnFirstRequest:
    """WSGI middleware: builds the limiter before the app's first request, then steps out of the way."""

    def __init__(self, app: Flask, wsgi_app):
        self._app = app
        self._wsgi_app = wsgi_app
        self._lock = threading.Lock()
        self._installed = False

    def __call__(self, environ, start_response):
        self.install()
        return self._wsgi_app(environ, start_response)

    def install(self) -> None:
        """Build the limiter once; threads arriving meanwhile wait, so none is served unlimited."""
        if self._installed:
            return
        with self._lock:
            if self._installed:
                return
            _limit(self._app)
            self._installed = True
            if self._app.wsgi_app is self:  # later requests go straight to the app
                self._app.wsgi_app = self._wsgi_app

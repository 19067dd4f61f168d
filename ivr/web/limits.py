"""Rate limits, per client address, on the routes that store or sign things; never on the voice webhooks."""

from __future__ import annotations

import functools
import os

from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Endpoint -> limit. A person practicing asks for a token and posts a summary once a call, and a
# rehearsal's report page asks the coach about its transcript once.
LIMITS = {
    "phone.token": "30 per minute; 300 per hour",
    "phone.save": "10 per minute; 100 per hour",
    "rehearse.moves": "10 per minute; 100 per hour",  # once a rehearsal, after hang-up
}
VOICE = "/voice/"


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
    """Apply LIMITS (and RATE_LIMITS from the config, which win) to their endpoints, where they exist."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI") or "memory://")
    hooks = {kind: list(funcs.get(None, [])) for kind, funcs in _hook_lists(app).items()}
    # One limiter per app. ProxyFix has already put the client's address (X-Forwarded-For, one hop)
    # in remote_addr.
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[], headers_enabled=True)
    # The limiter's hooks cost a webhook as much as the rest of it: voice requests skip them entirely.
    for kind, funcs in _hook_lists(app).items():
        funcs[None] = [f if f in hooks[kind] else _not_for_voice(f, kind) for f in funcs.get(None, [])]
    for endpoint, limit in {**LIMITS, **app.config.get("RATE_LIMITS", {})}.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(limit)(view)

    @app.errorhandler(429)
    def too_many_requests(error):
        message = (f"Too many requests from your address (limit: {error.description}). "
                   "Wait a minute, then try again.")
        if request.accept_mimetypes.best == "application/json" or request.is_json or request.method == "POST":
            return jsonify(error=message), 429
        return message, 429, {"Content-Type": "text/plain; charset=utf-8"}

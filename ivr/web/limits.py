"""Rate limits, per client address, on the routes that store or sign things; never on the voice webhooks.

Counted with the `limits` library (what Flask-Limiter counts with) in a before-request hook of each page
blueprint, so a voice webhook runs no limiter code at all.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.exceptions import TooManyRequests

# Endpoint -> limit. A person practicing asks for a token and posts a summary once a call, and a
# rehearsal's report page asks the coach about its transcript once.
LIMITS = {
    "phone.token": "30 per minute; 300 per hour",
    "phone.save": "10 per minute; 100 per hour",
    "rehearse.moves": "10 per minute; 100 per hour",  # once a rehearsal, after hang-up
}
EXTENSION = "practice_line.limits"  # app.extensions key of the app's RateLimits
_GUARDED: set[str] = set()  # blueprints given the hook (once each, however many apps are made)


def guard(blueprint: Blueprint) -> None:
    """Check LIMITS before each request of `blueprint` (call before the blueprint is first registered)."""
    if blueprint.name not in _GUARDED:
        blueprint.before_request(check_limits)
        _GUARDED.add(blueprint.name)


def check_limits() -> None:
    """Count this request against its endpoint's limits; past one, answer 429 (its handler says which)."""
    found = current_app.extensions[EXTENSION]
    if request.endpoint in found.limits:
        found.hit(request.endpoint, request.remote_addr or "")


def init_app(app: Flask) -> None:
    """Answer 429 clearly, and count LIMITS (RATE_LIMITS from the config win) in RATELIMIT_STORAGE_URI."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI") or "memory://")
    app.extensions[EXTENSION] = RateLimits({**LIMITS, **app.config.get("RATE_LIMITS", {})},
                                           app.config["RATELIMIT_STORAGE_URI"])

    @app.errorhandler(429)
    def too_many_requests(error):
        message = (f"Too many requests from your address (limit: {error.description}). "
                   "Wait a minute, then try again.")
        if request.accept_mimetypes.best == "application/json" or request.is_json or request.method == "POST":
            return jsonify(error=message), 429
        return message, 429, {"Content-Type": "text/plain; charset=utf-8"}


def install(app: Flask) -> None:
    """Load the limits library and open the storage now (gunicorn's master does, before the workers fork)."""
    app.extensions[EXTENSION].counter()


class RateLimits:
    """One app's limits and their counts; the library and the storage are loaded on the first limited request."""

    def __init__(self, limits: dict[str, str], storage_uri: str):
        self.limits = limits
        self.storage_uri = storage_uri
        self.lock = threading.Lock()
        self.made = None  # (the fixed-window counter, endpoint -> its parsed limits)

    def counter(self):
        """(counter, endpoint -> limits), made once; threads arriving meanwhile wait, so none goes uncounted."""
        if self.made is None:
            with self.lock:
                if self.made is None:
                    # Loaded here, not at import: a process that only runs a command never needs them.
                    from limits import parse_many
                    from limits.storage import storage_from_string
                    from limits.strategies import FixedWindowRateLimiter

                    self.made = (FixedWindowRateLimiter(storage_from_string(self.storage_uri)),
                                 {endpoint: parse_many(limit) for endpoint, limit in self.limits.items()})
        return self.made

    def allows(self, name: str, limit: str, address: str) -> bool:
        """Count one request from `address` against `limit` ("600 per minute"), counted under `name`;
        False once it is used up (for a route that must answer anyway, such as a voice webhook)."""
        counter, _endpoints = self.counter()
        return counter.hit(_parsed(limit), name, address)

    def hit(self, endpoint: str, address: str) -> None:
        """Count one request from `address` at `endpoint`; TooManyRequests (429) once a limit is used up."""
        counter, parsed = self.counter()
        for item in parsed[endpoint]:
            if not counter.hit(item, endpoint, address):
                raise TooManyRequests(description=str(item))


@lru_cache(maxsize=64)
def _parsed(limit: str):
    """A limit string ("600 per minute") as the limits library's item, parsed once."""
    from limits import parse

    return parse(limit)

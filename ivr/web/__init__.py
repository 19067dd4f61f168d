"""What every page and webhook of a shared, public line needs: sessions, security headers and rate limits."""

from __future__ import annotations

from flask import Blueprint, Flask

from . import headers, limits
from .sessions import PageSessions


def init_app(app: Flask, voice: Blueprint) -> None:
    """Install the web layer on `app`; the `voice` blueprint's webhooks get no page headers (and, as
    their blueprint is never guarded, no limits)."""
    app.session_interface = PageSessions()
    headers.init_app(app, voice)
    limits.init_app(app)

"""What every page and webhook of a shared, public line needs: sessions for pages only, security
headers, rate limits, and start-up warnings."""

from __future__ import annotations

from flask import Flask

from . import headers, limits
from .sessions import PageSessions


def init_app(app: Flask) -> None:
    """Install the web layer on `app` (after the blueprints: limits are set per endpoint)."""
    app.session_interface = PageSessions()
    headers.init_app(app)
    limits.init_app(app)

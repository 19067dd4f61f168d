"""What every page and webhook of a shared, public line needs: sessions for pages only, security
headers, rate limits, and start-up warnings."""

from __future__ import annotations

from flask import Flask

from .sessions import PageSessions


def init_app(app: Flask) -> None:
    """Install the web layer on `app`."""
    app.session_interface = PageSessions()

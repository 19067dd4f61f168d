"""What every page and webhook of a shared, public line needs: security headers and rate limits."""

from __future__ import annotations

from flask import Blueprint, Flask

from . import headers, limits


def init_app(app: Flask, voice: Blueprint) -> None:
    """Install the web layer on `app` (after the blueprints: limits are set per blueprint); the `voice`
    blueprint's webhooks get no page headers and no limits."""
    headers.init_app(app, voice)
    limits.init_app(app, voice)

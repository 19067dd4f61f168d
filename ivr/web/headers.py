"""Security headers on every page: a Content-Security-Policy with no inline script, no framing, no sniffing."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, request


def content_security_policy(public_base_url: str | None) -> str:
    """The CSP: scripts, styles and everything else from this origin only; prompt audio also from the
    public base URL when it is another origin (Play URLs are built on it)."""
    audio = "'self'"
    if public_base_url:
        parts = urlsplit(public_base_url)
        audio += f" {parts.scheme}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",  # no inline script: the phone page's config is a JSON data block
        "style-src 'self'",
        "img-src 'self' data:",  # data: for the empty favicon
        f"media-src {audio}",
        f"connect-src {audio}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def init_app(app: Flask, voice: Blueprint) -> None:
    """Add the headers to every response except the TwiML of the `voice` blueprint's webhooks."""
    headers = {
        "Content-Security-Policy": content_security_policy(app.config.get("PUBLIC_BASE_URL")),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
        # Summary pages are reached by unguessable URLs: never pass one on to another site.
        "Referrer-Policy": "same-origin",
    }

    @app.after_request
    def security_headers(response):
        # TwiML is read by Twilio, not a browser: the voice blueprint's replies go as they are.
        if request.blueprint != voice.name:
            for name, value in headers.items():
                response.headers.setdefault(name, value)
        return response

"""Flask's cookie sessions for pages only: a voice webhook opens none."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class PageSessions(SecureCookieSessionInterface):
    """Cookie sessions, except under /voice/: Twilio keeps no cookies, and reading one costs every webhook."""

    def open_session(self, app, request):
        """None (Flask's null session) for the voice webhooks, the signed cookie session elsewhere."""
        if request.environ.get("PATH_INFO", "").startswith("/voice/"):
            return None
        return super().open_session(app, request)

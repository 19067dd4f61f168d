"""Flask's cookie sessions for pages only: a voice webhook opens none."""

from __future__ import annotations

from flask.sessions import NullSession, SecureCookieSessionInterface

# One for every webhook: a NullSession refuses every change, so sharing it is safe, and a webhook
# then makes no session object at all.
_NO_SESSION = NullSession()


class PageSessions(SecureCookieSessionInterface):
    """Cookie sessions, except under /voice/: Twilio keeps no cookies, and reading one costs every webhook."""

    def open_session(self, app, request):
        """None (Flask's null session) for the voice webhooks, the signed cookie session elsewhere."""
        if request.environ.get("PATH_INFO", "").startswith("/voice/"):
            return None
        return super().open_session(app, request)

    def make_null_session(self, app):
        """The shared, unchangeable empty session (voice webhooks, or no secret key)."""
        return _NO_SESSION

"""Flask's signed-cookie sessions, opened without a signer when the request brings no session cookie."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class PageSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions. A request without the cookie (every webhook: Twilio keeps no cookies)
    starts an empty session at once; Flask would first make a signer, a tenth of a webhook's time."""

    def open_session(self, app, request):
        """An empty session when there is no cookie to read; otherwise the signed cookie's, as Flask opens it."""
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

"""Who may call the voice routes: Twilio (signed requests) or a practice-call token."""

from __future__ import annotations

from flask import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from twilio.request_validator import RequestValidator

TOKEN_HEADER = "X-Practice-Token"
_TOKEN_SALT = "practice-call"


def public_url(request: Request, public_base_url: str | None) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path, else the (proxy-aware) request URL."""
    if public_base_url:
        query = request.query_string.decode("latin-1")
        return public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")
    return request.url


def twilio_signature_valid(request: Request, auth_token: str, public_base_url: str | None) -> bool:
    """True when X-Twilio-Signature matches this request under `auth_token`."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = request.form if request.method == "POST" else {}
    return RequestValidator(auth_token).validate(public_url(request, public_base_url), params, signature)


def issue_practice_token(secret_key: str) -> str:
    """A signed token that lets the browser phone call the voice routes."""
    return URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT).dumps("practice")


def practice_token_valid(token: str, secret_key: str, max_age_seconds: int) -> bool:
    """True for a token from issue_practice_token that is younger than `max_age_seconds`."""
    if not token:
        return False
    try:
        URLSafeTimedSerializer(secret_key, salt=_TOKEN_SALT).loads(token, max_age=max_age_seconds)
    except BadSignature:  # also covers SignatureExpired
        return False
    return True


def voice_request_allowed(request: Request, config: dict) -> bool:
    """With no auth token configured anyone may practice; with one, a signature or token is needed."""
    auth_token = config.get("TWILIO_AUTH_TOKEN")
    if not auth_token:
        return True
    if twilio_signature_valid(request, auth_token, config.get("PUBLIC_BASE_URL")):
        return True
    return practice_token_valid(request.headers.get(TOKEN_HEADER, ""), config["SECRET_KEY"],
                                config.get("PRACTICE_TOKEN_MAX_AGE", 3600))

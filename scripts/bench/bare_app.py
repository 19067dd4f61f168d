"""The yardstick for the benchmarks: a bare Flask app that checks Twilio's signature with the twilio
library's RequestValidator, as the line does, and answers one constant TwiML menu to any webhook URL."""

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse


def _menu() -> bytes:
    response = VoiceResponse()
    gather = response.gather(input="dtmf speech", action="/voice/node/main/input?failures=0", method="POST",
                             num_digits=1, timeout=5)
    gather.say("Welcome. For a lost or stolen card, press 1. To dispute a charge, press 2.")
    response.redirect("/voice/node/main/input?failures=0", method="POST")
    return str(response).encode()


MENU = _menu()


def create_bare_app(auth_token: str) -> Flask:
    """The bare app, checking signatures under `auth_token`."""
    app = Flask(__name__)
    validator = RequestValidator(auth_token)

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path: str) -> Response:
        """The same TwiML for every signed request; 403 for any other."""
        if not validator.validate(request.url, request.form, request.headers.get("X-Twilio-Signature", "")):
            return Response(b"<Response><Hangup/></Response>", status=403, mimetype="text/xml")
        return Response(MENU, mimetype="text/xml")

    return app


app = create_bare_app(os.environ.get("TWILIO_AUTH_TOKEN", ""))  # gunicorn scripts.bench.bare_app:app

"""The yardstick for bench_load.sh: a bare Flask app answering one constant TwiML menu to any webhook URL."""

from flask import Flask, Response
from twilio.twiml.voice_response import VoiceResponse

app = Flask(__name__)


def _menu() -> bytes:
    response = VoiceResponse()
    gather = response.gather(input="dtmf speech", action="/voice/node/main/input?failures=0", method="POST",
                             num_digits=1, timeout=5)
    gather.say("Welcome. For a lost or stolen card, press 1. To dispute a charge, press 2.")
    response.redirect("/voice/node/main/input?failures=0", method="POST")
    return str(response).encode()


MENU = _menu()


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def answer(path: str) -> Response:
    """The same TwiML for every request."""
    return Response(MENU, mimetype="text/xml")

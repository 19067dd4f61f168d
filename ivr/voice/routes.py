"""Blueprint /voice: the webhooks Twilio (or the browser phone) calls during a practice call."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException

from ..line.engine import Call, Turn, answer, parse_failures
from ..runtime import runtime
from . import twiml
from .fields import webhook_fields
from .security import voice_request_allowed

bp = Blueprint("voice", __name__, url_prefix="/voice")
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.before_request
def check_caller():
    """Refuse unsigned requests when a Twilio auth token is configured."""
    if not voice_request_allowed(request, current_app.config):
        rt = runtime()
        return twiml.xml_response(twiml.rejection(rt.line, rt.speaker), status=403)
    return None


@bp.route("/incoming", methods=["GET", "POST"])
def incoming():
    """A new call: the welcome, then the main menu."""
    return _reply(Turn(runtime().line.flow.start))


@bp.route("/node/<node_id>", methods=["GET", "POST"])
def node(node_id: str):
    """Speak a node afresh (used by redirects and by ?start= links)."""
    line = runtime().line
    if node_id not in line.nodes:
        return _reply(Turn(line.flow.defaults.home, notice=line.flow.defaults.apology_prompt, call=_call()))
    return _reply(Turn(node_id, _failures(), call=_call()))


@bp.route("/node/<node_id>/input", methods=["GET", "POST"])
def node_input(node_id: str):
    """What the caller pressed or said at a node; nothing at all means silence."""
    fields = webhook_fields(request)
    turn = answer(runtime().line, node_id, fields.get("Digits"), fields.get("SpeechResult"), _failures(), _call())
    return _reply(turn, fields)


@bp.route("/rehearse/<scenario_id>", methods=["GET", "POST"])
def rehearse(scenario_id: str):
    """A rehearsal: the scenario's situation and goal, then the representative's desk."""
    rt = runtime()
    if scenario_id not in rt.scenarios:
        return _reply(Turn(rt.line.flow.defaults.home, notice=rt.line.flow.defaults.apology_prompt))
    response = twiml.VoiceResponse()
    for field in ("situation", "goal"):
        prompt_id = getattr(rt.scenarios.get(scenario_id), field)
        rt.speaker.speak(response, rt.line.segment(prompt_id))
    response.redirect(twiml.node_url(rt.line.flow.defaults.representative), method="POST")
    return twiml.xml_response(response)


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Twilio's call-status callback: acknowledged with an empty reply."""
    return twiml.xml_response(twiml.VoiceResponse())


@bp.route("/", methods=ANY_METHOD, strict_slashes=False)
@bp.route("/<path:anything>", methods=ANY_METHOD)
def unknown(anything: str = ""):
    """Any other voice URL still gets spoken help, never an error page."""
    rt = runtime()
    return twiml.xml_response(twiml.apology(rt.line, rt.speaker))


@bp.errorhandler(Exception)
def voice_error(error):
    """Errors under /voice/ answer spoken TwiML, so Twilio never says 'application error'."""
    if isinstance(error, HTTPException):
        # The caller's request was at fault (a body over the size limit, say): one line, no traceback.
        current_app.logger.warning("voice request refused: %s %s on %s", error.code, error.name, request.path)
    else:
        current_app.logger.exception("voice route failed: %s", error)
    rt = runtime()
    return twiml.xml_response(twiml.apology(rt.line, rt.speaker))


def _failures() -> int:
    return parse_failures(request.args.get("failures"))


def _call() -> Call:
    return Call.from_query(request.args)


def _reply(turn: Turn, fields: dict[str, str] | None = None):
    call_sid = (fields if fields is not None else webhook_fields(request)).get("CallSid", "")[:64]
    return twiml.xml_response(runtime().replies.respond(turn, call_sid))

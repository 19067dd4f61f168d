"""Blueprint /voice: the webhooks Twilio (or the browser phone) calls during a practice call."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException

from ..line.navigator import Turn, answer
from ..runtime import Runtime, runtime
from . import call_events, desk, twiml
from .call_events import note_status, note_turn
from .fields import webhook_fields, webhook_position, webhook_query
from .security import voice_request_allowed

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.record_once(lambda setup: call_events.init_app(setup.app))
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.before_request
def check_caller():
    """Refuse unsigned requests when a Twilio auth token is configured."""
    # The objects behind Flask's proxies (see runtime()): every webhook passes here.
    if not voice_request_allowed(request._get_current_object(), current_app._get_current_object().config):
        rt = runtime()
        return twiml.xml_response(twiml.rejection(rt.line, rt.speaker), status=403)
    return None


@bp.route("/incoming", methods=["GET", "POST"])
def incoming():
    """A new call: the welcome, then the main menu."""
    rt = runtime()
    return _reply(rt, Turn(rt.line.flow.start))


@bp.route("/node/<node_id>", methods=["GET", "POST"])
def node(node_id: str):
    """Speak a node afresh (used by redirects and by ?start= links)."""
    rt = runtime()
    failures, call = webhook_position(request)
    if node_id not in rt.line.nodes:
        d = rt.line.flow.defaults
        return _reply(rt, Turn(d.home, notice=d.apology_prompt, call=call))
    # A desk reached this way asks what the call is about.
    return _reply(rt, Turn(node_id, failures, call=call))


@bp.route("/node/<node_id>/input", methods=["GET", "POST"])
def node_input(node_id: str):
    """What the caller pressed or said at a node; nothing at all means silence."""
    rt, fields, (failures, call) = runtime(), webhook_fields(request), webhook_position(request)
    turn = answer(rt.line, node_id, fields.get("Digits"), fields.get("SpeechResult"), failures, call)
    return _reply(rt, turn, came_from=node_id)


@bp.route("/rehearse/<scenario_id>", methods=["GET", "POST"])
def rehearse(scenario_id: str):
    """A rehearsal: the scenario's situation and goal, then the representative's desk."""
    rt = runtime()
    if scenario_id not in rt.scenarios:
        return _reply(rt, Turn(rt.line.flow.defaults.home, notice=rt.line.flow.defaults.apology_prompt))
    return twiml.xml_response(desk.start_rehearsal(rt, scenario_id, webhook_fields(request).get("CallSid", "")[:64]))


@bp.route("/desk/input", methods=["GET", "POST"])
def desk_input():
    """A turn at the representative's or supervisor's desk: words, a key, or (nothing) silence."""
    rt = runtime()
    fields = webhook_fields(request)
    token, call_sid = webhook_query(request).get(desk.STATE_ARG), fields.get("CallSid", "")[:64]
    response = desk.take_turn(rt, token, fields.get("Digits"), fields.get("SpeechResult"), call_sid)
    if response is None:  # a state we did not sign: start again from the main menu
        return _reply(rt, Turn(rt.line.flow.defaults.home, notice=rt.line.flow.defaults.apology_prompt))
    return twiml.xml_response(response)


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Twilio's call-status callback: spooled for the call log, which keeps the latest status and turns a
    finished call's open rehearsal into a stored report. Answered without the database."""
    note_status(webhook_fields(request), request._get_current_object())
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


def _reply(rt: Runtime, turn: Turn, came_from: str | None = None):
    webhook = request._get_current_object()  # (see runtime())
    fields = webhook_fields(webhook)  # read once a request (then kept)
    call_sid = fields.get("CallSid", "")[:64]
    note_turn(rt.line, turn, fields)
    at_desk = rt.scenarios.desk_ahead(turn.node)
    if at_desk is not None:  # the representative's desk is a conversation, not a menu
        return twiml.xml_response(desk.start_at_desk(rt, *at_desk, came_from=came_from, notice=turn.notice,
                                                     call_sid=call_sid, before=turn.call.turns + 1))
    return twiml.xml_response(rt.replies.respond(turn, call_sid, webhook.environ))

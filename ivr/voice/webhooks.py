"""Blueprint /voice: the webhooks Twilio (or the browser phone) calls during a practice call."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, current_app, g, request
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import HTTPException

from ..line.navigator import Call, Turn, answer, position_from_query
from ..runtime import Runtime, runtime
from . import call_events, desk, twiml
from .call_events import note_status, note_turn
from .reply_cache import replies
from .security import voice_request_allowed

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.record_once(lambda setup: call_events.init_app(setup.app))
FORM_TYPE = "application/x-www-form-urlencoded"
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]
EMPTY_TWIML = str(twiml.VoiceResponse()).encode()  # the status callback's answer, the same every time


def under_prefix(path: str) -> bool:
    """Whether `path` is under this blueprint's URL prefix (/voice), matched by a route or not."""
    return path == bp.url_prefix or path.startswith(bp.url_prefix + "/")


@bp.before_request
def read_lenient_form():
    """Read a form that is not UTF-8 with its bad bytes replaced, and say so in one line.

    Werkzeug reads such a form as empty, so the webhook would lose its CallSid and the call log the call;
    read this way the caller still hears the line and a garbled field just matches nothing.
    """
    if request.mimetype != FORM_TYPE:
        return
    raw = request.get_data(cache=True)  # kept: request.form still parses it afterwards
    try:
        raw.decode()
    except UnicodeDecodeError as error:
        current_app.logger.warning("voice webhook %s: the form is not UTF-8 (byte %d); read with the bad bytes "
                                   "replaced", request.path, error.start)
        form = MultiDict(parse_qsl(raw.decode(errors="replace"), keep_blank_values=True))
        g.webhook_values = CombinedMultiDict([request.args, form])


def webhook_values():
    """The webhook's fields, the URL's first, as request.values gives them (or the leniently read form)."""
    return g.get("webhook_values") or request.values


@bp.before_request
def check_caller():
    """Refuse unsigned requests when a Twilio auth token is configured."""
    if not voice_request_allowed(request, current_app.config):
        rt = runtime()
        return twiml.xml_response(twiml.rejection(rt.line, replies().speaker), status=403)
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
    failures, call = position_from_query(request.args)
    if node_id not in rt.line.nodes:
        return _reply(rt, _start_over(rt, call))
    # A desk reached this way asks what the call is about.
    return _reply(rt, Turn(node_id, failures, call=call))


@bp.route("/node/<node_id>/input", methods=["GET", "POST"])
def node_input(node_id: str):
    """What the caller pressed or said at a node; nothing at all means silence."""
    rt, fields, (failures, call) = runtime(), webhook_values(), position_from_query(request.args)
    turn = answer(rt.line, node_id, fields.get("Digits"), fields.get("SpeechResult"), failures, call,
                  confidence=_confidence(fields.get("Confidence")))
    return _reply(rt, turn, came_from=node_id)


@bp.route("/rehearse/<scenario_id>", methods=["GET", "POST"])
def rehearse(scenario_id: str):
    """A rehearsal: the scenario's situation and goal, then the representative's desk."""
    rt = runtime()
    if scenario_id not in rt.scenarios:
        return _reply(rt, _start_over(rt))
    return twiml.xml_response(desk.start_rehearsal(rt, scenario_id, _call_sid(), request.args.get("persona"),
                                                   request.args.get("resume")))


@bp.route("/desk/input", methods=["GET", "POST"])
def desk_input():
    """A turn at the representative's or supervisor's desk: words, a key, or (nothing) silence."""
    rt = runtime()
    fields = webhook_values()
    response = desk.take_turn(rt, request.args.get(desk.STATE_ARG), fields.get("Digits"), fields.get("SpeechResult"),
                              _call_sid())
    if response is None:  # a state we did not sign: start again from the main menu
        return _reply(rt, _start_over(rt))
    return twiml.xml_response(response)


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Twilio's call-status callback: spooled for the call log, which keeps the latest status and turns a
    finished call's open rehearsal into a stored report. Answered without the database."""
    note_status(webhook_values(), request)
    return twiml.xml_response(EMPTY_TWIML)


@bp.route("/", methods=ANY_METHOD, strict_slashes=False)
@bp.route("/<path:anything>", methods=ANY_METHOD)
def unknown(anything: str = ""):
    """Any other voice URL still gets spoken help, never an error page."""
    rt = runtime()
    return twiml.xml_response(twiml.apology(rt.line, replies().speaker))


@bp.errorhandler(Exception)
def voice_error(error):
    """Errors under /voice/ answer spoken TwiML, so Twilio never says 'application error'."""
    if isinstance(error, HTTPException):
        # The caller's request was at fault (a body over the size limit, say): one line, no traceback.
        current_app.logger.warning("voice request refused: %s %s on %s", error.code, error.name, request.path)
    else:
        current_app.logger.exception("voice route failed: %s", error)
    rt = runtime()
    return twiml.xml_response(twiml.apology(rt.line, replies().speaker))


def _confidence(raw: str | None) -> float | None:
    """Twilio's Confidence (0.0 to 1.0) for the SpeechResult; None when absent or not a number."""
    try:
        value = float(raw[:20]) if raw else None
    except ValueError:
        return None
    return value if value is not None and 0.0 <= value <= 1.0 else None


def _start_over(rt: Runtime, call: Call | None = None) -> Turn:
    """The main menu after an apology: for a node, scenario or desk state this line does not know."""
    d = rt.line.flow.defaults
    return Turn(d.home, notice=d.apology_prompt, call=call or Call())


def _call_sid() -> str:
    return webhook_values().get("CallSid", "")[:64]


def _reply(rt: Runtime, turn: Turn, came_from: str | None = None):
    call_sid = _call_sid()
    note_turn(rt.line, turn, webhook_values())
    at_desk = rt.scenarios.desk_ahead(turn.node)
    if at_desk is not None:  # the representative's desk is a conversation, not a menu
        return twiml.xml_response(desk.start_at_desk(rt, *at_desk, came_from=came_from, notice=turn.notice,
                                                     call_sid=call_sid, before=turn.call.turns + 1))
    return twiml.xml_response(replies().respond(turn, call_sid))

"""The representative's and supervisor's desks on the voice line: the conversation's webhooks, in TwiML.

The conversation itself is ivr.coach.dialogue (no Flask). Here its state is signed into the next
webhook's URL (`?state=`), so any app server can take the next turn and nobody can forge a score.
For a Twilio caller the latest state is also spooled for the store under a hash of the CallSid (Twilio
sends no webhook when a caller hangs up mid-gather), and when the /voice/status callback says the call
ended, the call-log shipper turns it into a report. The browser phone needs no such help: POST /phone/calls replays its last desk webhook.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from functools import lru_cache
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from flask import current_app, url_for
from itsdangerous import BadSignature, Signer
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from .. import store
from ..coach.dialogue import (
    HOLD,
    REFERENCE,
    REP,
    SUP,
    DeskState,
    Heard,
    Reply,
    desk_node,
    enter,
    resume,
    step,
)
from ..coach.coach_report import build_report
from ..coach.who_speaks import speakers, voice_of
from ..line.practice_line import Segment
from ..line.navigator import Call, reference_number
from ..runtime import Runtime
from .reply_cache import replies
from .speech import Speaker, signed_by_twilio
from .twiml import capped_timeout, node_url, speak_digits

STATE_ARG = "state"
_SALT = "practice-desk-state"
MAX_TOKEN_CHARS = 8000  # a longer ?state= is not one we signed
# A state's JSON longer than this is zlib-compressed in its token (marked by a leading "."): a long
# conversation's quotes still fit in a URL, while a usual turn's state, a few hundred bytes, skips
# zlib's set-up, which cost more than the rest of signing (30 of a token's 45 µs, measured).
COMPRESS_OVER = 1024
COMPRESSED = b"."  # never a base64url character, so a token's payload says which it is


def scenario_start_url(scenario_id: str, persona: str | None = None, resume: str | None = None) -> str:
    """The /voice URL where a rehearsal of `scenario_id` starts: its situation is read, then the representative answers.

    The browser phone's /phone?scenario=<id> and `practice --scenario <id>` both start here. Written out
    rather than built by url_for: a command and a test ask for it outside any request. `persona` picks the
    representative; `resume` (a signed state from sign_state) starts again from the pushback.
    """
    query = urlencode({name: value for name, value in (("persona", persona), ("resume", resume)) if value})
    return f"/voice/rehearse/{quote(scenario_id)}" + (f"?{query}" if query else "")


def input_url(token: str) -> str:
    """Where a desk's <Gather> sends what it heard (and, after silence, nothing)."""
    return url_for("voice.desk_input", **{STATE_ARG: token})


def _signer() -> Signer:
    # itsdangerous's HMAC signer under the app's key; the payload is the state's own compact JSON.
    return _signer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8)
def _signer_for(secret_key: str) -> Signer:
    return Signer(secret_key, salt=_SALT)  # made once per key: it keeps nothing per token


def sign_state(state: DeskState) -> str:
    """The state as a signed, URL-safe token: base64url of its compact JSON (compressed when long), signed."""
    data = json.dumps(state.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) > COMPRESS_OVER:
        payload = COMPRESSED + base64.urlsafe_b64encode(zlib.compress(data)).rstrip(b"=")
    else:
        payload = base64.urlsafe_b64encode(data).rstrip(b"=")
    return _signer().sign(payload).decode("ascii")


def read_state(token: str | None) -> DeskState | None:
    """The state in a token from sign_state, or None if it is missing, altered or malformed."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        payload = _signer().unsign(token.encode("ascii"))
        compressed = payload.startswith(COMPRESSED)
        encoded = payload.removeprefix(COMPRESSED)
        data = base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4))  # the padding sign_state left off
        data = json.loads(zlib.decompress(data) if compressed else data)
    except (BadSignature, UnicodeError, ValueError, zlib.error):  # altered, or a payload that is not ours
        return None
    return DeskState.from_dict(data) if isinstance(data, dict) else None


def start_at_desk(rt: Runtime, desk: str, via: tuple[str, ...], came_from: str | None, notice: str | None,
                  call_sid: str, before: int = 0) -> bytes:
    """A caller reached a desk from the menu: the branch they were in picks the scenario (none: they'll say)."""
    scenario = rt.scenarios.for_node(came_from) if came_from else None
    state, reply = enter(rt.scenarios, scenario, desk, via)
    state.before = before
    if notice:  # said at the desk's node, where "{person}" is filled in
        reply.say.insert(0, rt.line.segment(notice, desk_node(rt.scenarios, desk)))
    return respond(rt, state, reply, call_sid, shared=True)


def start_rehearsal(rt: Runtime, scenario_id: str, call_sid: str, persona: str | None = None,
                    resume_token: str | None = None) -> bytes:
    """A rehearsal from its start URL: the situation and goal, the hold, then the representative (the
    persona's, when one of the book's is named); with a signed state of ours, from its pushback instead."""
    resumed = read_state(resume_token) if resume_token else None
    if resumed is not None and resumed.scenario == scenario_id:
        return respond(rt, *resume(rt.scenarios, resumed), call_sid)
    _desk, via = rt.scenarios.desk_ahead(rt.line.flow.defaults.representative) or (REP, [])
    persona = persona if persona in rt.scenarios.personas.personas else None
    state, reply = enter(rt.scenarios, scenario_id, REP, via, situation=True, persona=persona)
    return respond(rt, state, reply, call_sid, shared=True)


def take_turn(rt: Runtime, token: str | None, digits: str | None, speech: str | None,
              call_sid: str) -> bytes | None:
    """One turn at a desk; None when the state token is not ours (the caller hears an apology)."""
    state = read_state(token)
    if state is None:
        return None
    desk_before = state.desk
    state, reply = step(rt.scenarios, state, _heard(digits, speech), rt.recognizer.recognize)
    return respond(rt, state, reply, call_sid, desk_before=desk_before)


def respond(rt: Runtime, state: DeskState, reply: Reply, call_sid: str, shared: bool = False,
            desk_before: str | None = None) -> bytes:
    """The TwiML document for a desk's reply; the new state goes into the next URL (and, for Twilio, the store).

    `shared`: a desk's first reply, the same for every call that reaches the desk the same way (its state
    signs to the same token), so it is kept in the reply cache unless it reads the call's reference.
    """
    token = sign_state(state)
    if signed_by_twilio() and call_sid:
        # Best effort: lets /voice/status finish the report if the caller hangs up mid-gather.
        store.keep_open_rehearsal(call_key(call_sid), token, rt.settings.phone.keep_days)
    cache = replies()

    def render() -> bytes:
        return str(draw(rt, cache.speaker, state, reply, token, call_sid, desk_before)).encode()

    if not shared or REFERENCE in reply.say:
        return render()
    # The token stands for the whole state; with the words said, it is all draw() reads but the call.
    return cache.reply(("desk", token, tuple(reply.say), reply.listen, reply.end, reply.leave, desk_before),
                       render)


def draw(rt: Runtime, speaker: Speaker, state: DeskState, reply: Reply, token: str, call_sid: str,
         desk_before: str | None = None) -> VoiceResponse:
    """A desk's reply as TwiML, spoken by `speaker`; its next webhook carries `token`. `desk_before`: the
    desk the caller was at before this reply (None: they are only now reaching one)."""
    speaker = speaker.in_view(speaker.view())
    response = VoiceResponse()
    said = list(reply.say)
    # One voice per person: the line's, the persona's representative's, the supervisor's.
    voices = [voice_of(rt.scenarios, state.persona, who)
              for who in speakers(rt.scenarios, said, state.desk, desk_before)]
    # Up to the last hold, the caller waits; after it, they may speak over the desk (barge-in).
    cut = len(said) - said[::-1].index(HOLD) if HOLD in said else 0
    _speak(rt, speaker, response, said[:cut], voices[:cut], call_sid)
    if reply.listen:
        action = input_url(token)
        gather = response.gather(**_listening(rt, state, action))
        _speak(rt, speaker, gather, said[cut:], voices[cut:], call_sid)
        response.redirect(action, method="POST")  # Twilio goes on here after silence
        return response
    _speak(rt, speaker, response, said[cut:], voices[cut:], call_sid)
    if reply.leave:
        # Back to the menu, still counting the call's webhooks, so every call ends whatever the caller does.
        response.redirect(node_url(reply.leave, call=Call(turns=state.before + state.turns, met=True)), method="POST")
    else:
        response.hangup()
    return response


def _listening(rt: Runtime, state: DeskState, action: str) -> dict:
    compiled = rt.line.nodes[desk_node(rt.scenarios, state.desk)]
    d, voice = rt.line.flow.defaults, rt.settings.voice
    # One key decides at a desk (0, *, 9 and the desk's options); words go to the recognizer.
    return {"input": "dtmf speech", "action": action, "method": "POST", "num_digits": 1,
            "finish_on_key": "", "timeout": capped_timeout(voice, compiled.node.timeout or d.gather_timeout),
            **voice.speech(), "hints": compiled.hints}


def _speak(rt: Runtime, speaker: Speaker, parent, said: list, voices: list, call_sid: str) -> None:
    for prompt_id, voice in zip(said, voices):
        if prompt_id == HOLD:
            if rt.settings.voice.hold_pause_seconds:
                parent.pause(length=rt.settings.voice.hold_pause_seconds)
        elif prompt_id == REFERENCE:
            speak_digits(rt.line, speaker, parent, desk_reference(rt, call_sid), voice)
        else:
            speaker.speak(parent, prompt_id if isinstance(prompt_id, Segment) else rt.line.segment(prompt_id), voice)


def desk_reference(rt: Runtime, call_sid: str) -> str:
    """The 8-digit reference a desk reads when asked: the line's own reference for the representative's desk."""
    return reference_number(call_sid, rt.scenarios.desks.representative)


def _heard(digits: str | None, speech: str | None) -> Heard:
    return Heard(speech=(speech or "")[:2000], key=(digits or "")[:64])


@lru_cache(maxsize=4096)  # every turn at a desk keeps its state under the call's key
def call_key(call_sid: str) -> str:
    """What the store keys an open rehearsal by: a hash, so no CallSid is kept."""
    return hashlib.sha256(f"desk:{call_sid}".encode()).hexdigest()


def final_state(rt: Runtime, steps) -> DeskState | None:
    """The rehearsal's last state, replayed from the webhooks a call fetched (url, digits, speech), if any.

    The last desk webhook's URL carries the state before that turn (signed by us); running the turn
    again gives the state after it, so a caller who hung up mid-gather still gets a report.
    """
    # The app's own URL map tells which webhook each URL was (documented MapAdapter.match).
    urls = current_app.url_map.bind("localhost")
    for item in reversed(steps):
        endpoint, arguments, query = _webhook(urls, item.url)
        if endpoint == "voice.desk_input":
            state = read_state(query.get(STATE_ARG, [None])[0])
            if state is None:
                return None
            return step(rt.scenarios, state, _heard(item.digits, item.speech), rt.recognizer.recognize)[0]
        if endpoint == "voice.rehearse":  # hung up before saying anything
            scenario = arguments["scenario_id"]
            return DeskState(scenario=scenario) if scenario in rt.scenarios else None
    return None


def _webhook(urls, url: str) -> tuple[str | None, dict, dict]:
    """Which of the app's webhooks `url` is: (endpoint, its arguments, its query), or (None, {}, {})."""
    parts = urlsplit(url)
    try:
        endpoint, arguments = urls.match(parts.path, method="POST")
    except HTTPException:  # not one of the app's URLs
        return None, {}, {}
    return endpoint, arguments, parse_qs(parts.query)


def finish_report(rt: Runtime, state: DeskState) -> tuple[dict, str]:
    """Score a rehearsal and store its report; returns (report, report id)."""
    report = build_report(rt.scenarios, state)
    report_id, _created = store.save_report(report, rt.settings.phone.keep_days)
    return report, report_id


def report_from_state(rt: Runtime, token: str) -> dict | None:
    """The report of a rehearsal whose call ended in the state `token` (kept by respond()), or None for a
    token not ours. The call-log shipper stores it when the status callback says the call ended."""
    state = read_state(token)
    return None if state is None else build_report(rt.scenarios, state)


def add_desks_to_summary(rt: Runtime, summary: dict, state: DeskState, call_sid: str, steps=()) -> None:
    """A call summary with the desks the caller spoke at on its path, and the reference if they asked for it."""
    desks = [desk_node(rt.scenarios, REP)] + ([desk_node(rt.scenarios, SUP)] if "at-sup" in state.facts else [])
    on_path = {step["node"] for step in summary["path"]}
    summary["path"] += [{"node": node, "label": rt.line.nodes[node].label} for node in desks if node not in on_path]
    if "reference" in state.facts:
        summary["references"].append({"label": GIVEN_BY[reference_giver(steps)],
                                      "number": desk_reference(rt, call_sid)})


GIVEN_BY = {REP: "given by the representative", SUP: "given by the supervisor"}


def reference_giver(steps) -> str:
    """Who read the reference (REP or SUP): the desk of the last turn whose signed state did not have it yet."""
    urls = current_app.url_map.bind("localhost")
    giver = REP
    for item in steps:
        endpoint, _arguments, query = _webhook(urls, item.url)
        if endpoint != "voice.desk_input":
            continue
        state = read_state(query.get(STATE_ARG, [None])[0])
        if state is None or "reference" in state.facts:
            break
        giver = state.desk
    return giver


def rehearsal_of_call(rt: Runtime, summary: dict, call_sid: str, steps) -> tuple[dict, str] | None:
    """For a call that reached a desk: its summary gains the desks, and its report is scored and stored.

    Returns (report, report id), or None for a call with no rehearsal in it. The score comes only from
    state we signed, replayed here: nothing the client sends about the score is read.
    """
    state = final_state(rt, steps)
    if state is None:
        return None
    add_desks_to_summary(rt, summary, state, call_sid, steps)
    return finish_report(rt, state)

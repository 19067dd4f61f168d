"""The representative's and supervisor's desks on the voice line: the conversation's webhooks, in TwiML.

The conversation itself is ivr.coach.dialogue (no Flask). Here its state is signed into the next
webhook's URL (`?state=`), so any app server can take the next turn and nobody can forge a score.
For a Twilio caller the latest state is also kept in the store under a hash of the CallSid (Twilio
sends no webhook when a caller hangs up mid-gather), and the /voice/status callback turns it into a
report. The browser phone needs no such help: POST /phone/calls replays its last desk webhook.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from functools import lru_cache
from urllib.parse import parse_qs, quote, urlsplit

from flask import current_app, request
from itsdangerous import BadData, BadPayload, Serializer, Signer, URLSafeSerializer
from itsdangerous.encoding import base64_decode, base64_encode
from twilio.twiml.voice_response import VoiceResponse

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
    step,
)
from ..coach.coach_report import build_report
from ..line.practice_line import Segment
from ..line.navigator import Call, reference_number
from ..runtime import Runtime
from .speech import TWILIO_SIGNATURE, Speaker
from .twiml import node_url

STATE_ARG = "state"
INPUT_PATH = "/voice/desk/input"
REHEARSE_PATH = "/voice/rehearse/"
_SALT = "practice-desk-state"
_PLAIN_STATE_BYTES = 1024  # a state's JSON up to this size is not compressed


def scenario_start_url(scenario_id: str) -> str:
    """The /voice URL where a rehearsal of `scenario_id` starts: its situation is read, then the representative answers.

    The browser phone's /phone?scenario=<id> and `practice --scenario <id>` both start here.
    """
    return f"{REHEARSE_PATH}{quote(scenario_id)}"


def input_url(token: str) -> str:
    """Where a desk's <Gather> sends what it heard (and, after silence, nothing)."""
    return f"{INPUT_PATH}?{STATE_ARG}={token}"


class _StateSigner(Signer):
    """itsdangerous's signer, deriving its key from each secret once rather than for every token."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._derived: dict[str | bytes | None, bytes] = {}  # secret (None: the newest) -> its key

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The key for `secret_key` (default: the newest secret), as Signer derives it."""
        found = self._derived.get(secret_key)
        if found is None:
            found = self._derived[secret_key] = super().derive_key(secret_key)
        return found


class _StateSerializer(URLSafeSerializer):
    """itsdangerous's URL-safe signed JSON; a long state is deflated with a small window and marked ".".

    Most states are a few hundred bytes and go as they are: zlib lets go of the interpreter while it
    works, and a loaded worker's other threads then hold up the webhook (a third of a desk's time).
    zlib's default window is 256 kB per call; a state is under a few kB, so a 512-byte one serves.
    The signature is checked before anything is inflated, so only our own tokens are.
    """

    # Tokens kept per payload: every call that reaches a desk at the same turn starts from the same
    # state, and signing it (JSON aside) was most of a desk's start. Later states hold the caller's
    # words and are rarely seen twice; the table is bounded.
    TOKENS_KEPT = 512

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._token = lru_cache(maxsize=self.TOKENS_KEPT)(self._sign)

    def dumps(self, obj, salt=None) -> str:
        """The signed token for `obj`, byte for byte as itsdangerous makes it; a payload signed before is looked up."""
        if salt is not None and salt != self.salt:
            return super().dumps(obj, salt)
        payload = self.dump_payload(obj)
        # A deflated payload is a long conversation, never seen twice: kept, it would only push out starts.
        return self._sign(payload) if payload.startswith(b".") else self._token(payload)

    def _sign(self, payload: bytes) -> str:
        return self.make_signer().sign(payload).decode("utf-8")

    def dump_payload(self, obj) -> bytes:
        raw = _COMPACT_JSON.encode(obj).encode()
        if len(raw) <= _PLAIN_STATE_BYTES:
            return base64_encode(raw)
        deflate = zlib.compressobj(6, zlib.DEFLATED, -9, 1)
        return b"." + base64_encode(deflate.compress(raw) + deflate.flush())

    _signer: Signer | None = None  # made on first use

    def make_signer(self, salt=None) -> Signer:
        """One signer for every state (itsdangerous would make one per token)."""
        if salt is not None and salt != self.salt:  # loads() asks with the salt spelled out
            return super().make_signer(salt)
        if self._signer is None:
            self._signer = super().make_signer()
        return self._signer

    def load_payload(self, payload: bytes, *args, **kwargs):
        try:
            raw = base64_decode(payload.removeprefix(b"."))
            if payload.startswith(b"."):
                raw = zlib.decompressobj(-15).decompress(raw, 65536)
        except (ValueError, zlib.error) as error:
            raise BadPayload("the desk state could not be read", original_error=error) from error
        return Serializer.load_payload(self, raw)


# The JSON itsdangerous writes (compact, UTF-8), from one encoder: json.dumps() with options makes one per call.
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=4)
def _serializer(secret_key: str) -> URLSafeSerializer:
    # Made once per key, not per webhook. SHA-1 as itsdangerous's default, but hashlib's own function:
    # hmac then computes in OpenSSL, where itsdangerous's wrapper of it has hmac do it in Python.
    return _StateSerializer(secret_key, salt=_SALT, signer=_StateSigner, signer_kwargs={"digest_method": hashlib.sha1})


def sign_state(state: DeskState) -> str:
    """The state as a signed, compressed, URL-safe token."""
    return _serializer(current_app._get_current_object().config["SECRET_KEY"]).dumps(state.to_dict())


def read_state(token: str | None) -> DeskState | None:
    """The state in a token from sign_state, or None if it is missing, altered or malformed."""
    if not token or len(token) > 8000:
        return None
    try:
        data = _serializer(current_app.config["SECRET_KEY"]).loads(token)
    except BadData:  # a bad signature, or a payload that is not ours
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
    return respond(rt, state, reply, call_sid)


def start_rehearsal(rt: Runtime, scenario_id: str, call_sid: str) -> bytes:
    """A rehearsal from its start URL: the situation and goal, the hold, then the representative."""
    _desk, via = rt.scenarios.desk_ahead(rt.line.flow.defaults.representative) or (REP, [])
    state, reply = enter(rt.scenarios, scenario_id, REP, via, situation=True)
    return respond(rt, state, reply, call_sid)


def take_turn(rt: Runtime, token: str | None, digits: str | None, speech: str | None,
              call_sid: str) -> bytes | None:
    """One turn at a desk; None when the state token is not ours (the caller hears an apology)."""
    state = read_state(token)
    if state is None:
        return None
    state, reply = step(rt.scenarios, state, _heard(digits, speech), rt.recognizer.recognize)
    return respond(rt, state, reply, call_sid)


def respond(rt: Runtime, state: DeskState, reply: Reply, call_sid: str) -> bytes:
    """The TwiML document for a desk's reply; the new state goes into the next URL (and, for Twilio, the store)."""
    token = sign_state(state)
    environ = request._get_current_object().environ
    if TWILIO_SIGNATURE in environ and call_sid:
        # Best effort: lets /voice/status finish the report if the caller hangs up mid-gather.
        store.keep_open_rehearsal(call_key(call_sid), token, rt.settings.phone.keep_days)

    def draw(speaker: Speaker, state_token: str) -> VoiceResponse:
        return _draw(rt, speaker, state, reply, state_token, call_sid)

    if REFERENCE in reply.say or reply.leave:  # per call beyond the token: the reference, the call's counts
        return str(draw(rt.speaker, token)).encode()
    # Otherwise one reply serves every call at this desk that hears the same words; only the token differs.
    key = ("desk", state.desk, tuple(reply.say), reply.listen)
    return rt.replies.with_state(key, draw, token, environ)


def _draw(rt: Runtime, speaker: Speaker, state: DeskState, reply: Reply, token: str, call_sid: str) -> VoiceResponse:
    """A desk's reply as TwiML, spoken by `speaker`."""
    response = VoiceResponse()
    said = list(reply.say)
    # Up to the last hold, the caller waits; after it, they may speak over the desk (barge-in).
    cut = len(said) - said[::-1].index(HOLD) if HOLD in said else 0
    _speak(rt, speaker, response, said[:cut], call_sid)
    if reply.listen:
        gather = response.gather(**_listening(rt, state, token))
        _speak(rt, speaker, gather, said[cut:], call_sid)
        response.redirect(input_url(token), method="POST")  # Twilio goes on here after silence
        return response
    _speak(rt, speaker, response, said[cut:], call_sid)
    if reply.leave:
        # Back to the menu, still counting the call's webhooks, so every call ends whatever the caller does.
        response.redirect(node_url(reply.leave, call=Call(turns=state.before + state.turns, met=True)), method="POST")
    else:
        response.hangup()
    return response


def _listening(rt: Runtime, state: DeskState, token: str) -> dict:
    compiled = rt.line.nodes[desk_node(rt.scenarios, state.desk)]
    d, voice = rt.line.flow.defaults, rt.settings.voice
    timeout = compiled.node.timeout or d.gather_timeout
    if voice.gather_timeout_cap:
        timeout = min(timeout, voice.gather_timeout_cap)
    # One key decides at a desk (0, *, 9 and the desk's options); words go to the recognizer.
    return {"input": "dtmf speech", "action": input_url(token), "method": "POST", "num_digits": 1,
            "finish_on_key": "", "timeout": timeout, "speech_timeout": voice.speech_timeout,
            "language": voice.speech_language, "hints": compiled.hints}


def _speak(rt: Runtime, speaker: Speaker, parent, said: list, call_sid: str) -> None:
    for prompt_id in said:
        if prompt_id == HOLD:
            if rt.settings.voice.hold_pause_seconds:
                parent.pause(length=rt.settings.voice.hold_pause_seconds)
        elif prompt_id == REFERENCE:
            for digit in desk_reference(rt, call_sid):
                speaker.speak(parent, rt.line.segment(f"digit-{digit}"))
        else:
            speaker.speak(parent, prompt_id if isinstance(prompt_id, Segment) else rt.line.segment(prompt_id))


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
    for item in reversed(steps):
        parts = urlsplit(item.url)
        if parts.path == INPUT_PATH:
            state = read_state(parse_qs(parts.query).get(STATE_ARG, [None])[0])
            if state is None:
                return None
            return step(rt.scenarios, state, _heard(item.digits, item.speech), rt.recognizer.recognize)[0]
        if parts.path.startswith(REHEARSE_PATH):  # hung up before saying anything
            scenario = parts.path[len(REHEARSE_PATH):]
            return DeskState(scenario=scenario) if scenario in rt.scenarios else None
    return None


def finish_report(rt: Runtime, state: DeskState) -> tuple[dict, str]:
    """Score a rehearsal and store its report; returns (report, report id)."""
    report = build_report(rt.scenarios, state)
    report_id, _created = store.save_report(report, rt.settings.phone.keep_days)
    return report, report_id


def finish_from_status(rt: Runtime, call_sid: str) -> str | None:
    """Twilio says the call ended: store the report of its open rehearsal, if it had one; returns its id."""
    token = store.take_open_rehearsal(call_key(call_sid))
    state = read_state(token)
    if state is None:
        return None
    return finish_report(rt, state)[1]


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
    giver = REP
    for item in steps:
        parts = urlsplit(item.url)
        if parts.path != INPUT_PATH:
            continue
        state = read_state(parse_qs(parts.query).get(STATE_ARG, [None])[0])
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

"""Turn -> TwiML (twilio's VoiceResponse), and the one helper that serves it as text/xml."""

from __future__ import annotations

from flask import Response, url_for
from twilio.twiml.voice_response import VoiceResponse

from ..line.flows import REFERENCE
from ..line.navigator import Call, Turn, next_call, reference_number, spoken_nodes
from ..line.practice_line import PracticeLine, Segment
from ..line.settings import Voice, VoiceSettings
from .speech import Speaker

TWIML_TYPE = "text/xml; charset=utf-8"
DID_YOU_MEAN = "did-you-mean"  # the segment of the ear's question (its words differ per place)


def node_url(node_id: str, failures: int = 0, call: Call | None = None) -> str:
    """Where Twilio fetches a node's TwiML."""
    query = ({"failures": str(failures)} if failures else {}) | (call.query() if call else {})
    return url_for("voice.node", node_id=node_id, **query)


def input_url(node_id: str, failures: int = 0, call: Call | None = None) -> str:
    """Where a node's <Gather> sends what it heard (or, after silence, nothing)."""
    return url_for("voice.node_input", node_id=node_id, failures=str(failures), **(call.query() if call else {}))


def capped_timeout(voice: VoiceSettings, seconds: int) -> int:
    """A gather's timeout, held to the settings' gather_timeout_cap (0: no cap)."""
    return min(seconds, voice.gather_timeout_cap) if voice.gather_timeout_cap else seconds


def speak_digits(line: PracticeLine, speaker: Speaker, parent, number: str, voice: Voice | None = None) -> None:
    """A reference number, digit by digit (the prompts digit-0 to digit-9), in `voice` (None: the line's)."""
    for digit in number:
        speaker.speak(parent, line.segment(f"digit-{digit}"), voice)


def render(line: PracticeLine, speaker: Speaker, voice: VoiceSettings, turn: Turn, call_sid: str) -> VoiceResponse:
    """The TwiML for a turn: its notice, then the node, running on through messages and holds."""
    response = VoiceResponse()
    call = next_call(line, turn)
    if turn.reference_again:
        _reference_again(line, speaker, response, turn.node, call, call_sid)
        return response
    notice = [line.segment(turn.notice, turn.node)] if turn.notice else []
    # Messages that lead straight into a menu are said inside its <Gather>: a caller who knows
    # the menu may press a key during the welcome to skip to it.
    waiting: list[Segment] = []
    for node_id in spoken_nodes(line, turn.node):
        compiled = line.nodes[node_id]
        if compiled.kind == "message":
            waiting += notice + list(compiled.segments)
            notice = []
            continue
        if compiled.kind in ("menu", "collect"):
            if compiled.kind == "collect":
                # A key pressed during a message must not stand in for the digits a collect asks
                # for, so the caller always hears its "any digits will do".
                _speak_all(speaker, response, waiting)
                waiting = []
            failures = turn.failures if node_id == turn.node else 0  # failures belong to the node they were at
            _gather(line, speaker, voice, response, node_id, failures, call, waiting + notice,
                    _instead(line, turn) if node_id == turn.node else None)
            return response
        _speak_all(speaker, response, waiting + notice)
        waiting, notice = [], []
        if compiled.kind == "end":
            _ending(line, speaker, voice, response, node_id, call, call_sid)
            return response
        _speak_all(speaker, response, compiled.segments)
        if compiled.kind == "hold" and voice.hold_pause_seconds:
            response.pause(length=voice.hold_pause_seconds)
    # Only a loop of messages (which the flow check forbids) gets here: let Twilio fetch the rest.
    _speak_all(speaker, response, waiting)
    response.redirect(node_url(compiled.node.next, call=call), method="POST")
    return response


def _speak_all(speaker: Speaker, parent, segments) -> None:
    for segment in segments:
        speaker.speak(parent, segment)


def _ending(line: PracticeLine, speaker: Speaker, voice: VoiceSettings, response: VoiceResponse, node_id: str,
            call: Call, call_sid: str) -> None:
    """An end node: its words (the reference digit by digit), an offer to hear it again, goodbye, hang up."""
    d = line.flow.defaults
    segments = [_after_person(line, s, call) for s in line.nodes[node_id].segments]
    has_reference = any(s.prompt_id == REFERENCE for s in segments)
    # The offer to hear the reference again comes just before the goodbye.
    cut = next((i for i, s in enumerate(segments) if s.prompt_id == d.goodbye_prompt), len(segments))
    _speak_ending(line, speaker, response, segments[:cut], node_id, call_sid)
    if has_reference:
        gather = response.gather(input="dtmf speech", action=input_url(node_id, 0, call), method="POST",
                                 num_digits=1, finish_on_key="", timeout=capped_timeout(voice, d.gather_timeout),
                                 hints=", ".join(d.repeat_phrases), **voice.speech())
        speaker.speak(gather, line.segment(d.reference_again_prompt))
    _speak_ending(line, speaker, response, segments[cut:], node_id, call_sid)
    response.hangup()


def _reference_again(line: PracticeLine, speaker: Speaker, response: VoiceResponse, node_id: str, call: Call,
                     call_sid: str) -> None:
    """The caller asked to hear the reference number again: read it, then goodbye and hang up."""
    d = line.flow.defaults
    segments = list(line.nodes[node_id].segments)
    at = next((i for i, s in enumerate(segments) if s.prompt_id == REFERENCE), None)
    again = segments[max(at - 1, 0):at + 1] if at is not None else []
    _speak_ending(line, speaker, response, again + [line.segment(d.goodbye_prompt)], node_id, call_sid)
    response.hangup()


def _speak_ending(line: PracticeLine, speaker: Speaker, response: VoiceResponse, segments, node_id: str,
                  call_sid: str) -> None:
    for segment in segments:
        if segment.prompt_id == REFERENCE:
            speak_reference(line, speaker, response, call_sid, node_id)
        else:
            speaker.speak(response, segment)


def speak_reference(line: PracticeLine, speaker: Speaker, parent, call_sid: str, node_id: str) -> None:
    """The call's reference number for `node_id`, digit by digit: the one part of a reply that is per call."""
    speak_digits(line, speaker, parent, reference_number(call_sid, node_id))


def _after_person(line: PracticeLine, segment: Segment, call: Call) -> Segment:
    # "the name of the person you spoke with" only after a call that had a person in it.
    instead = line.flow.defaults.after_person.get(segment.prompt_id) if call.met else None
    return line.segment(instead) if instead else segment


def _instead(line: PracticeLine, turn: Turn) -> list[Segment] | None:
    """What a menu says instead of its prompts and options: the ear's "It sounds like you're calling about
    ... Is that right?" (?confirm= in the URL), or nothing after the short out-of-scope re-prompt."""
    if turn.call.confirm and line.ear is not None:
        return [Segment(DID_YOU_MEAN, line.ear.question(turn.call.confirm))]
    if turn.notice is not None and turn.notice == line.flow.defaults.out_of_scope_prompt:
        return []  # it names what can be said, and that 9 replays every option
    return None


def _gather(line: PracticeLine, speaker: Speaker, voice: VoiceSettings, response: VoiceResponse,
            node_id: str, failures: int, call: Call, first: list[Segment],
            instead: list[Segment] | None = None) -> None:
    """A node's <Gather>: what comes first, then its prompts and options (or what the ear says `instead`)."""
    compiled = line.nodes[node_id]
    hints = compiled.hints if line.ear is None else line.ear.hints(node_id, compiled.hints)
    node, d = compiled.node, line.flow.defaults
    if compiled.kind == "menu":
        # One key decides; '#' may be an option, so no key ends the gather early.
        keys = {"num_digits": 1, "finish_on_key": "", "timeout": node.timeout or d.gather_timeout}
    else:
        keys = {"finish_on_key": node.finish_on_key, "timeout": node.timeout or d.collect_timeout}
        if node.digits:
            keys["num_digits"] = node.digits
    keys["timeout"] = capped_timeout(voice, keys["timeout"])
    gather = response.gather(
        input="dtmf speech", action=input_url(node_id, failures, call), method="POST",
        hints=hints, **voice.speech(), **keys,
    )
    _speak_all(speaker, gather, first)
    _speak_all(speaker, gather, compiled.segments if instead is None else instead)
    # Twilio goes on to the next verb when it hears nothing: come back as "silence".
    response.redirect(input_url(node_id, failures, call), method="POST")


def apology(line: PracticeLine, speaker: Speaker) -> VoiceResponse:
    """Something went wrong: say sorry and go back to the main menu."""
    d = line.flow.defaults
    response = VoiceResponse()
    speaker.speak(response, line.segment(d.apology_prompt))
    response.redirect(node_url(d.home), method="POST")
    return response


def rejection(line: PracticeLine, speaker: Speaker) -> VoiceResponse:
    """A request we could not verify: say so and hang up."""
    response = VoiceResponse()
    speaker.speak(response, line.segment(line.flow.defaults.rejected_prompt))
    response.hangup()
    return response


def xml_response(twiml: VoiceResponse | bytes, status: int = 200) -> Response:
    """Serve TwiML (or a TwiML document already encoded) as text/xml (Twilio rejects anything else)."""
    return Response(twiml if isinstance(twiml, bytes) else str(twiml), status=status, content_type=TWIML_TYPE)

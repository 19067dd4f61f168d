"""Turn -> TwiML (twilio's VoiceResponse), and the one helper that serves it as text/xml."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from twilio.twiml.voice_response import VoiceResponse

from ..line.compiled import PracticeLine
from ..line.engine import Turn, reference_number, spoken_nodes
from ..line.flows import REFERENCE
from ..line.settings import VoiceSettings
from .speech import Speaker


def node_url(node_id: str, failures: int = 0) -> str:
    """Where Twilio fetches a node's TwiML."""
    return f"/voice/node/{quote(node_id)}" + (f"?failures={failures}" if failures else "")


def input_url(node_id: str, failures: int = 0) -> str:
    """Where a node's <Gather> sends what it heard (or, after silence, nothing)."""
    return f"/voice/node/{quote(node_id)}/input?failures={failures}"


def render(line: PracticeLine, speaker: Speaker, voice: VoiceSettings, turn: Turn, call_sid: str) -> VoiceResponse:
    """The TwiML for a turn: its notice, then the node, running on through messages and holds."""
    response = VoiceResponse()
    failures, notice = turn.failures, turn.notice
    for node_id in spoken_nodes(line, turn.node):
        compiled = line.nodes[node_id]
        if compiled.kind in ("menu", "collect"):
            _gather(line, speaker, voice, response, node_id, failures, notice)
            return response
        if notice:
            speaker.speak(response, line.segment(notice))
        for segment in compiled.segments:
            if segment.prompt_id == REFERENCE:
                speak_reference(line, speaker, response, call_sid, node_id)
            else:
                speaker.speak(response, segment)
        if compiled.kind == "end":
            response.hangup()
            return response
        if compiled.kind == "hold" and voice.hold_pause_seconds:
            response.pause(length=voice.hold_pause_seconds)
        failures, notice = 0, None
    # Only a loop of messages (which the flow check forbids) gets here: let Twilio fetch the rest.
    response.redirect(node_url(compiled.node.next), method="POST")
    return response


def speak_reference(line: PracticeLine, speaker: Speaker, parent, call_sid: str, node_id: str) -> None:
    """The call's reference number for `node_id`, digit by digit: the one part of a reply that is per call."""
    for digit in reference_number(call_sid, node_id):
        speaker.speak(parent, line.segment(f"digit-{digit}"))


def _gather(line: PracticeLine, speaker: Speaker, voice: VoiceSettings, response: VoiceResponse,
            node_id: str, failures: int, notice: str | None) -> None:
    compiled = line.nodes[node_id]
    node, d = compiled.node, line.flow.defaults
    if compiled.kind == "menu":
        # One key decides; '#' may be an option, so no key ends the gather early.
        keys = {"num_digits": 1, "finish_on_key": "", "timeout": node.timeout or d.gather_timeout}
    else:
        keys = {"finish_on_key": node.finish_on_key, "timeout": node.timeout or d.collect_timeout}
        if node.digits:
            keys["num_digits"] = node.digits
    if voice.gather_timeout_cap:
        keys["timeout"] = min(keys["timeout"], voice.gather_timeout_cap)
    gather = response.gather(
        input="dtmf speech", action=input_url(node_id, failures), method="POST",
        hints=compiled.hints, speech_timeout=voice.speech_timeout, language=voice.speech_language, **keys,
    )
    if notice:
        speaker.speak(gather, line.segment(notice))
    for segment in compiled.segments:
        speaker.speak(gather, segment)
    # Twilio goes on to the next verb when it hears nothing: come back as "silence".
    response.redirect(input_url(node_id, failures), method="POST")


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
    """Serve TwiML (or a TwiML document already encoded) with an XML content type (Twilio rejects anything else)."""
    return Response(twiml if isinstance(twiml, bytes) else str(twiml), status=status, mimetype="text/xml")

"""A practice call in the terminal: follows the app's own TwiML, as Twilio would."""

from __future__ import annotations

import shlex
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..line.matching import spoken_key

MAX_REQUESTS = 300  # a call that never ends is a bug; stop rather than spin
SILENCE = {"-", "_", "silence"}


@dataclass
class CallRecord:
    """What happened on a practice call."""

    said: list[str] = field(default_factory=list)  # every prompt, in order
    urls: list[str] = field(default_factory=list)  # every webhook fetched
    hung_up: bool = False  # True when the line hung up, False when the caller did
    transcript: list[dict] = field(default_factory=list)  # {"who": "line" | "caller", "text": ...}, in order
    requests: list[dict] = field(default_factory=list)  # {"url", "digits", "speech"}: what each webhook was sent


def scripted_answers(keys: str) -> Iterator[str | None]:
    """'1 1234 "lost card" -' -> '1', '1234', 'lost card', None (silence); read whole first, so unbalanced
    quotes raise ValueError before the call starts, not halfway through it."""
    tokens = shlex.split(keys)
    return iter([None if token in SILENCE else token for token in tokens])


class TerminalCall:
    """Drives the voice webhooks with a Flask test client and prints the call."""

    def __init__(self, client, answer: Callable[[], str | None], show: Callable[[str], None],
                 caption: Callable[[str], str] | None = None):
        self.client = client
        self.answer = answer
        self._print = show
        self._digits: list[str] = []  # a reference number read digit by digit, shown on one line
        self.caption = caption or (lambda url: f"(audio {url})")
        self.call_sid = "CA" + uuid.uuid4().hex
        self.record = CallRecord()

    def show(self, line: str) -> None:
        """Print a line of the call, after any digits still waiting to be shown."""
        self._flush_digits()
        self._print(line)

    def _flush_digits(self) -> None:
        if self._digits:
            self._print("  " + " ".join(self._digits))
            self._digits.clear()

    def run(self, url: str = "/voice/incoming") -> CallRecord:
        """Place the call and follow it until it hangs up or input runs out."""
        params: dict[str, str] = {}
        for _ in range(MAX_REQUESTS):
            next_request = self._fetch(url, params)
            if next_request is None:
                break
            url, params = next_request
        else:
            self.show("(the call went on too long and was ended)")
        self._flush_digits()
        return self.record

    def _fetch(self, url: str, extra: dict[str, str]) -> tuple[str, dict[str, str]] | None:
        self.record.urls.append(url)
        self.record.requests.append({"url": url, "digits": extra.get("Digits"), "speech": extra.get("SpeechResult")})
        form = {"CallSid": self.call_sid, "From": "client:practice-terminal", "To": "+15550199",
                "CallStatus": "in-progress", "Direction": "inbound", **extra}
        reply = self.client.post(url, data=form)
        root = ET.fromstring(reply.data)
        for verb in root:
            outcome = self._run_verb(verb, url)
            if outcome == "caller hung up":
                if root.find("Hangup") is None:
                    return None
                # An ending's offer ("press 1 to hear it again"): silence runs on to its goodbye.
                self.show("(silence)")
                continue
            if outcome == "hangup":
                self.record.hung_up = True
                self.show("(the line hangs up)")
                return None
            if outcome is not None:
                return outcome
        return None  # a document that ends without a verb to follow ends the call, as on Twilio

    def _run_verb(self, verb: ET.Element, url: str):
        if verb.tag in ("Say", "Play"):
            self._speak(verb)
        elif verb.tag == "Pause":
            self.show(f"(on hold for {verb.get('length', '1')} s)")
        elif verb.tag == "Redirect":
            return (verb.text or url).strip(), {}
        elif verb.tag in ("Hangup", "Reject"):
            return "hangup"
        elif verb.tag == "Gather":
            for inner in verb:
                self._speak(inner)
            return self._listen(verb, url)
        return None

    def _speak(self, verb: ET.Element) -> None:
        text = (verb.text or "").strip()
        if verb.tag == "Play":
            text = self.caption(text)
        if text:
            self.record.said.append(text)
            self.record.transcript.append({"who": "line", "text": text})
            digit = spoken_key(text)
            if digit is not None and digit.isdigit() and not text[0].isdigit():
                self._digits.append(digit)  # "Seven." -> 7, so the number reads as one
            else:
                self.show(f"  {text}")

    def _listen(self, gather: ET.Element, url: str):
        try:
            given = self.answer()
        except (EOFError, StopIteration):
            return "caller hung up"
        if given is None or not given.strip():
            self.show("(silence)")
            return None  # Twilio moves on to the verb after <Gather>
        given = given.strip()
        action = gather.get("action") or url
        self.record.transcript.append({"who": "caller", "text": given})
        if all(ch in "0123456789*#" for ch in given):
            self.show(f"> pressed {given}")
            finish = gather.get("finishOnKey", "#")
            digits = given[:-1] if finish and given.endswith(finish) else given
            return action, {"Digits": digits}
        self.show(f"> said \"{given}\"")
        return action, {"SpeechResult": given, "Confidence": "0.9"}

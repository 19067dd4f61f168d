"""The Twilio-shaped webhook mix for the benchmarks: calls as Twilio makes them, each request signed.

A call is the incoming webhook, menu keys, menu speech, turns at the representative's desk (about half
of a rehearsal's webhooks, and of the mix) and the status callback. Each request carries the form
Twilio posts and X-Twilio-Signature, computed as Twilio computes it (twilio's RequestValidator).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

KINDS = ("incoming", "menu key", "menu speech", "desk turn", "status")
CALLERS = 50  # CallSids the mix cycles through (one per wrk connection)
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"  # TWILIO_AUTH_TOKEN for both apps
# What a caller says at the desk, in turn: a rehearsal's worth, reaching the supervisor and the goodbye.
DESK_WORDS = ["hi i'm calling about a charge on my statement that i don't recognize",
              "it's from bright lake electronics on march third for eighty four dollars",
              "i'd like the charge removed while it's investigated", "can i have your name please",
              "could i have a reference number for this call", "what happens next and by when",
              "you people are useless", "could i speak to a supervisor please", "", "so just to confirm",
              "thanks that's all"]


@dataclass(frozen=True)
class Webhook:
    """One request of the mix: its kind, path (with query) and the form fields besides Twilio's own."""

    kind: str
    path: str
    fields: tuple[tuple[str, str], ...]

    def form(self, caller: int) -> dict[str, str]:
        """The whole form Twilio posts for caller number `caller`."""
        return {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": f"CA{caller % CALLERS:032x}",
                "CallStatus": "in-progress", "Direction": "inbound", "From": "+15550100", "To": "+15550199",
                "Called": "+15550199", "Caller": "+15550100", "CallerCity": "DENVER", "CallerState": "CO",
                "CallerZip": "80202", "CallerCountry": "US", **dict(self.fields)}


def signature(base_url: str, path: str, form: dict[str, str], auth_token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature for a POST of `form` to base_url + path, as Twilio signs it."""
    return RequestValidator(auth_token).compute_signature(base_url + path, form)


def headers(base_url: str, path: str, form: dict[str, str]) -> dict[str, str]:
    """The headers Twilio sends with a webhook."""
    return {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": signature(base_url, path, form)}


def menu_webhooks(line) -> list[Webhook]:
    """Every menu's keys and a phrase for each (the webhooks a caller's menu turns make)."""
    found = [Webhook("incoming", "/voice/incoming", ())]
    for node_id, compiled in line.nodes.items():
        if compiled.kind != "menu":
            continue
        action = f"/voice/node/{node_id}/input?failures=0&turn=1"
        found += [Webhook("menu key", action, (("Digits", key),)) for key in compiled.choices]
        found.append(Webhook("menu speech", action, (("SpeechResult", f"um, {compiled.label}"), ("Confidence", "0.81"))))
    found.append(Webhook("status", "/voice/status", (("CallStatus", "completed"), ("CallDuration", "93"))))
    return found


def desk_webhooks(app, base_url: str = "http://localhost") -> list[Webhook]:
    """A rehearsal of every scenario, walked once on `app` (signed): each desk turn's URL and words.

    The desk's state is signed into its URL with the app's SECRET_KEY: a server given the same key
    takes the same turns."""
    client = app.test_client()
    found = []
    for scenario_id in app.extensions["practice_line"].scenarios.scenarios:
        path = f"/voice/rehearse/{scenario_id}"
        form = Webhook("desk turn", path, ()).form(0)
        reply = client.post(path, data=form, headers=headers(base_url, path, form))
        for words in DESK_WORDS:
            gather = ET.fromstring(reply.data).find("Gather")
            if gather is None:
                break
            path = gather.get("action")
            fields = (("SpeechResult", words), ("Confidence", "0.9")) if words else ()
            found.append(Webhook("desk turn", path, fields))
            form = found[-1].form(0)
            reply = client.post(path, data=form, headers=headers(base_url, path, form))
            assert reply.status_code == 200, reply.data
    return found


def call_shaped(menus: list[Webhook], desks: list[Webhook]) -> list[Webhook]:
    """The mix in the proportions of real calls: per incoming call and status callback, a few menu keys,
    one phrase, and as many desk turns as all of those together (half the mix)."""
    by_kind = {kind: [w for w in menus + desks if w.kind == kind] for kind in KINDS}
    mix = []
    for n in range(len(by_kind["desk turn"]) // 4):
        others = [by_kind["incoming"][0], *(by_kind["menu key"][(3 * n + i) % len(by_kind["menu key"])] for i in range(2)),
                  by_kind["menu speech"][n % len(by_kind["menu speech"])]]
        mix += others + [by_kind["desk turn"][(4 * n + i) % len(by_kind["desk turn"])] for i in range(4)]
        if n % 2:
            mix.append(by_kind["status"][0])
    return mix


def lua(mix: list[Webhook], base_url: str) -> str:
    """A wrk script that posts the mix round robin, each request signed for `base_url`."""
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = []
    for i, webhook in enumerate(mix):
        form = webhook.form(i)
        rows.append(f"  {{{quote(webhook.path)}, {quote(urlencode(form))}, {quote(signature(base_url, webhook.path, form))}}}")
    return (f"-- {len(mix)} Twilio-shaped webhook requests, signed for {base_url}, posted round robin.\n"
            "local requests = {\n" + ",\n".join(rows) + "\n}\n"
            "local i = 0\n"
            "request = function()\n"
            "  i = i % #requests + 1\n"
            "  local r = requests[i]\n"
            "  return wrk.format(\"POST\", r[1], {[\"Content-Type\"] = \"application/x-www-form-urlencoded\", "
            "[\"User-Agent\"] = \"TwilioProxy/1.1\", [\"X-Twilio-Signature\"] = r[3]}, r[2])\n"
            "end\n")

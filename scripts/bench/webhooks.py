"""The Twilio-shaped request mix for bench_load.sh: every webhook URL of the line, as wrk's Lua script.

Run: .venv/bin/python -m scripts.bench.webhooks > requests.lua
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ivr.line import load_line  # noqa: E402
from ivr.line.practice_line import PracticeLine  # noqa: E402

CALLERS = 50  # CallSids the mix cycles through, one per wrk connection
HEADERS = {  # what Twilio sends besides the form (the signature is not checked without an auth token)
    "Content-Type": "application/x-www-form-urlencoded",
    "User-Agent": "TwilioProxy/1.1",
    "X-Twilio-Signature": "bench-not-checked",
}


def webhook_mix(line: PracticeLine) -> list[tuple[str, dict[str, str]]]:
    """(path, extra form fields) for every webhook: the welcome, every node, every way to answer it, status."""
    mix: list[tuple[str, dict[str, str]]] = [("/voice/incoming", {})]
    for node_id, compiled in line.nodes.items():
        mix.append((f"/voice/node/{node_id}", {}))
        action = f"/voice/node/{node_id}/input?failures=0"
        if compiled.kind == "menu":
            mix += [(action, {"Digits": key}) for key in compiled.choices]
            mix.append((action, {"SpeechResult": f"um, {compiled.label}", "Confidence": "0.81"}))
            mix.append((action, {"Digits": "x"}))  # an invalid key
            mix.append((f"/voice/node/{node_id}/input?failures=1", {}))  # silence, once more
        elif compiled.kind == "collect":
            mix.append((action, {"Digits": "1234"}))
            mix.append((action, {"SpeechResult": "one two three four", "Confidence": "0.7"}))
            mix.append((action, {}))
    mix.append(("/voice/status", {"CallStatus": "completed", "CallDuration": "93"}))
    return mix


def form(index: int, extra: dict[str, str]) -> str:
    """The urlencoded body Twilio posts for caller `index` (mod CALLERS)."""
    caller = index % CALLERS
    fields = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": f"CA{caller:032x}",
              "CallStatus": "in-progress", "Direction": "inbound", "From": "+15550100", "To": "+15550199",
              "Called": "+15550199", "Caller": "+15550100", **extra}
    return urlencode(fields)


def lua(mix: list[tuple[str, dict[str, str]]]) -> str:
    """A wrk script that posts the mix round robin."""
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = ",\n".join(f"  {{{quote(path)}, {quote(form(i, extra))}}}" for i, (path, extra) in enumerate(mix))
    headers = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in HEADERS.items())
    return (f"-- {len(mix)} Twilio-shaped webhook requests, posted round robin.\n"
            f"local requests = {{\n{rows}\n}}\n"
            f"local headers = {{{headers}}}\n"
            "local i = 0\n"
            "request = function()\n"
            "  i = i % #requests + 1\n"
            "  return wrk.format(\"POST\", requests[i][1], headers, requests[i][2])\n"
            "end\n")


def main() -> None:
    """Print the Lua script for the line in config/ and prompts/."""
    line = load_line(ROOT / "config", ROOT / "prompts")
    print(lua(webhook_mix(line)))


if __name__ == "__main__":
    main()

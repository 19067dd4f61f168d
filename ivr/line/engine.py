"""node + caller input -> next node. Plain Python: no Flask, no I/O."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .compiled import BACK, HOME, REPEAT, REPRESENTATIVE, PracticeLine
from .matching import spoken_digits, spoken_key

MAX_INPUT = 2000  # longer speech is cut before matching; Twilio never sends more than this
_DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Turn:
    """What to speak next: a node, how often the caller has failed there, and a notice first."""

    node: str
    failures: int = 0
    notice: str | None = None


def answer(line: PracticeLine, node_id: str, digits: str | None, speech: str | None, failures: int = 0) -> Turn:
    """Where the caller goes after giving `digits` or `speech` at `node_id`."""
    d = line.flow.defaults
    compiled = line.nodes.get(node_id)
    if compiled is None:
        return Turn(d.home, notice=d.apology_prompt)
    failures = max(0, min(failures, d.max_failures))
    digits = (digits or "").strip()[:MAX_INPUT]
    speech = (speech or "").strip()[:MAX_INPUT]
    if not digits and not speech:
        return _failed(line, node_id, failures, d.no_input_prompt)
    if compiled.kind == "menu":
        return _menu(line, node_id, digits, speech, failures)
    if compiled.kind == "collect":
        return _collect(line, node_id, digits, speech, failures)
    # Input at a node that does not listen (a replayed URL): just carry on from there.
    return Turn(node_id)


def _menu(line: PracticeLine, node_id: str, digits: str, speech: str, failures: int) -> Turn:
    compiled = line.nodes[node_id]
    if digits:
        choice = compiled.choices.get(digits[0]) if len(digits) == 1 else None
    else:
        key = spoken_key(speech)
        choice = compiled.choices.get(key) if key else compiled.phrases.match(speech)
    if choice is None:
        return _failed(line, node_id, failures, compiled.node.invalid_prompt or line.flow.defaults.invalid_prompt)
    return _follow(line, node_id, choice, failures)


def _collect(line: PracticeLine, node_id: str, digits: str, speech: str, failures: int) -> Turn:
    compiled = line.nodes[node_id]
    node = compiled.node
    # A free answer ("Back Yard Burgers") is a command only when it is nothing but one.
    match = compiled.phrases.match_whole if node.input == "speech" else compiled.phrases.match
    said = match(speech) if speech else None
    if digits == line.flow.defaults.representative_key and node.digits != 1:
        # A lone 0 (sent when the gather times out after one key) asks for a person.
        said = REPRESENTATIVE
    if said in (REPRESENTATIVE, BACK, HOME, REPEAT):
        return _follow(line, node_id, said, failures)
    if node.input == "speech":
        return Turn(node.next) if speech else _failed(line, node_id, failures, line.flow.defaults.invalid_prompt)
    # Digits may arrive typed, or spoken ("one two three four"), and are never kept.
    given = digits or spoken_digits(speech)
    wanted = node.digits
    if _DIGITS.match(given) and (wanted is None or len(given) == wanted):
        return Turn(node.next)
    return _failed(line, node_id, failures, line.flow.defaults.invalid_prompt)


def _follow(line: PracticeLine, node_id: str, choice: str, failures: int) -> Turn:
    d = line.flow.defaults
    if choice == REPRESENTATIVE:
        return Turn(d.representative)
    if choice == REPEAT:
        return Turn(node_id, failures)
    if choice == HOME:
        return Turn(d.home)
    if choice == BACK:
        return Turn(getattr(line.flow.nodes[node_id], "back", None) or d.home)
    return Turn(choice)


def _failed(line: PracticeLine, node_id: str, failures: int, notice: str) -> Turn:
    d = line.flow.defaults
    failures += 1
    if failures >= d.max_failures:
        # Never hang up on someone who is struggling: pass them to a person.
        target = getattr(line.flow.nodes[node_id], "on_failure", None) or d.on_failure
        return Turn(target, notice=d.failure_prompt)
    return Turn(node_id, failures, notice)


def parse_failures(raw: str | None) -> int:
    """The ?failures= count from a webhook URL; anything odd counts as none."""
    raw = raw or "0"
    return int(raw) if raw.isdigit() and len(raw) < 3 else 0


def silence(line: PracticeLine, node_id: str, failures: int = 0) -> Turn:
    """Where the caller goes when a gather at `node_id` heard nothing."""
    return answer(line, node_id, None, None, failures)


def reference_number(call_sid: str, node_id: str) -> str:
    """An 8-digit reference, the same every time for one call and ending."""
    digest = hashlib.sha256(f"{call_sid}:{node_id}".encode()).hexdigest()
    return str(int(digest[:15], 16) % 10**8).zfill(8)


def spoken_nodes(line: PracticeLine, node_id: str) -> list[str]:
    """The nodes one reply speaks from `node_id`: messages and holds run on into their next node."""
    nodes = [node_id]
    # The flow check forbids message loops; the bound only guards a reply growing without end.
    while line.nodes[nodes[-1]].kind in ("message", "hold") and len(nodes) <= len(line.nodes):
        nodes.append(line.flow.nodes[nodes[-1]].next)
    return nodes

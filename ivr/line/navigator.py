"""node + caller input -> next node. Plain Python: no Flask, no I/O."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from .practice_line import BACK, HOME, REPEAT, REPRESENTATIVE, PracticeLine
from .flows import CollectNode
from .matching import Heard, asks_for_help, spoken_digits, spoken_key

MAX_INPUT = 2000  # longer speech is cut before matching; Twilio never sends more than this
_DIGITS = re.compile(r"^[0-9]+$")
_NODE_ID = re.compile(r"^(?:@?[a-z0-9]+(?:-[a-z0-9]+)*)?$")  # a node id or an @ choice, short: see from_query


# Call and Turn are named tuples, not frozen dataclasses: every webhook makes a few of each and looks
# them up in caches, and a tuple is made, hashed and compared in C (a third of the time).
class Call(NamedTuple):
    """What a stateless webhook knows of the whole call, carried in its URL.

    turns: webhooks so far; quiet: silent turns in a row at a person's desk; handoffs: passes to
    a person after too many failed tries; met: a person has spoken on this call; confirm: the node
    the caller was asked "did you mean ...?" about, awaiting their yes or no ("" when none).
    """

    turns: int = 0
    quiet: int = 0
    handoffs: int = 0
    met: bool = False
    confirm: str = ""

    @classmethod
    def from_query(cls, args) -> Call:
        """Read a Call from URL query arguments; anything odd counts as zero."""
        confirm = args.get("confirm") or ""
        return cls(turns=parse_count(args.get("turn")), quiet=parse_count(args.get("quiet")),
                   handoffs=parse_count(args.get("handoffs")), met=args.get("met") == "1",
                   confirm=confirm if _NODE_ID.match(confirm) else "")

    def query(self) -> dict[str, str]:
        """The URL query arguments that carry this Call to the next webhook (zeros left out)."""
        out = {"turn": str(self.turns)} if self.turns else {}
        if self.quiet:
            out["quiet"] = str(self.quiet)
        if self.handoffs:
            out["handoffs"] = str(self.handoffs)
        if self.met:
            out["met"] = "1"
        if self.confirm:
            out["confirm"] = self.confirm
        return out


class Turn(NamedTuple):
    """What to speak next: a node, how often the caller has failed there, a notice first, the call so far."""

    node: str
    failures: int = 0
    notice: str | None = None
    call: Call = Call()  # (immutable, so one default serves every Turn)
    reference_again: bool = False  # at an ending: read the reference number again, then goodbye


def answer(line: PracticeLine, node_id: str, digits: str | None, speech: str | None, failures: int = 0,
           call: Call | None = None, today: date | None = None, confidence: float | None = None) -> Turn:
    """Where the caller goes after giving `digits` or `speech` at `node_id` (`confidence`: Twilio's, if sent)."""
    turn = _answer(line, node_id, digits, speech, failures, call, today, confidence)
    if turn.call.confirm and turn.node != node_id:
        # A "did you mean" belongs to the menu that asked it: a handoff or an ending leaves it behind.
        return turn._replace(call=turn.call._replace(confirm=""))
    return turn


def _answer(line: PracticeLine, node_id: str, digits: str | None, speech: str | None, failures: int,
            call: Call | None, today: date | None, confidence: float | None) -> Turn:
    d = line.flow.defaults
    call = call or Call()
    compiled = line.nodes.get(node_id)
    if compiled is None:
        return Turn(d.home, notice=d.apology_prompt, call=call)
    if call.turns >= d.max_turns:
        # Whatever the caller does, the call ends: a long call is told goodbye, never cut off mid-word.
        return Turn(d.time_limit, call=call)
    failures = max(0, min(failures, d.max_failures))
    digits = (digits or "").strip()[:MAX_INPUT]
    speech = (speech or "").strip()[:MAX_INPUT]
    if not digits and not speech:
        if compiled.kind == "end":
            return Turn(node_id, call=call)
        if compiled.person:
            call = call._replace(quiet=call.quiet + 1)
            if call.quiet >= d.person_silence_limit:
                # A person has asked, and the caller still says nothing: end politely.
                return Turn(d.give_up, call=call)
        return _failed(line, node_id, failures, d.no_input_prompt, call)
    if call.quiet:  # words or a key: the silent streak is over
        call = call._replace(quiet=0)
    if compiled.kind == "menu":
        if call.confirm:
            return _confirming(line, node_id, digits, speech, failures, call)
        return _menu(line, node_id, digits, speech, failures, call, confidence)
    if compiled.kind == "collect":
        return _collect(line, node_id, digits, speech, failures, call, today or date.today())
    if compiled.kind == "end":
        again = digits == d.reference_again_key or compiled.phrases.match(speech) == REPEAT
        return Turn(node_id, call=call, reference_again=again)
    # Input at a node that does not listen (a replayed URL): just carry on from there.
    return Turn(node_id, call=call)


def _menu(line: PracticeLine, node_id: str, digits: str, speech: str, failures: int, call: Call,
          confidence: float | None = None, may_ask: bool = True) -> Turn:
    compiled = line.nodes[node_id]
    d = line.flow.defaults
    invalid = compiled.node.invalid_prompt or d.invalid_prompt
    if digits:
        choice = compiled.choices.get(digits[0]) if len(digits) == 1 else None
    elif asks_for_help(speech):  # "help?": the menu's options again, with no failure counted
        return Turn(node_id, failures, call=call)
    else:
        key = spoken_key(speech)
        choice = compiled.choices.get(key) if key else _heard(line, node_id, speech, confidence)
        if isinstance(choice, Heard):
            heard = choice
            if heard.handoff:
                # A card topic the line has no branch for: a person helps, never a wrong branch.
                return Turn(d.representative, notice=d.no_branch_prompt, call=call)
            if heard.choice is not None and not heard.sure:
                if may_ask:  # asked once: the question is spoken from the URL's ?confirm=
                    return Turn(node_id, failures, call=call._replace(confirm=heard.choice))
                return _failed(line, node_id, failures, invalid, call)
            choice = heard.choice
            if choice is None and node_id == d.home:
                # Nothing the line does: a short re-prompt that names what can be said.
                return _failed(line, node_id, failures, d.out_of_scope_prompt, call)
    if choice is None:
        return _failed(line, node_id, failures, invalid, call)
    return _follow(line, node_id, choice, failures, call)


def _heard(line: PracticeLine, node_id: str, speech: str, confidence: float | None) -> str | Heard | None:
    """A menu's choice for `speech`: one of its phrases said whole, else what the ear hears, else a phrase in it."""
    phrases = line.nodes[node_id].phrases
    exact = phrases.match_whole(speech)
    if exact is not None or line.ear is None:
        return exact if exact is not None else phrases.match(speech)
    return line.ear.hear(node_id, speech, confidence)


def _confirming(line: PracticeLine, node_id: str, digits: str, speech: str, failures: int, call: Call) -> Turn:
    """The caller's answer to "did you mean ...?": yes (or 1) goes there, no (or 2) hears the options again."""
    proposed, call = call.confirm, call._replace(confirm="")
    key = digits if digits else spoken_key(speech)
    agreed = {"1": True, "2": False}.get(key) if key else (line.ear.agrees(speech) if line.ear else None)
    if agreed is True:
        return _follow(line, node_id, proposed, failures, call)
    if agreed is False:
        return Turn(node_id, failures, call=call)
    # Another key, or other words: the menu hears them afresh, and does not ask again.
    return _menu(line, node_id, digits, speech, failures, call, may_ask=False)


def _collect(line: PracticeLine, node_id: str, digits: str, speech: str, failures: int, call: Call,
             today: date) -> Turn:
    compiled = line.nodes[node_id]
    node = compiled.node
    # A free answer ("Back Yard Burgers") is a command only when it is nothing but one.
    match = compiled.phrases.match_whole if node.input == "speech" else compiled.phrases.match
    said = match(speech) if speech else None
    if digits == line.flow.defaults.representative_key and node.digits != 1:
        # A lone 0 (sent when the gather times out after one key) asks for a person.
        said = REPRESENTATIVE
    if said in (REPRESENTATIVE, BACK, HOME, REPEAT):
        return _follow(line, node_id, said, failures, call)
    invalid = node.invalid_prompt or line.flow.defaults.invalid_prompt
    if node.input == "speech":
        return Turn(node.next, call=call) if speech else _failed(line, node_id, failures, invalid, call)
    # Digits may arrive typed, or spoken ("one two three four"), and are never kept.
    given = digits or spoken_digits(speech)
    if valid_digits(node, given, today):
        return Turn(node.next, call=call)
    return _failed(line, node_id, failures, invalid, call)


def valid_digits(node: CollectNode, given: str, today: date) -> bool:
    """Whether digits answer a collect node: the right length, and a real past date where one is asked."""
    if not _DIGITS.match(given):
        return False
    if node.digits is not None and len(given) != node.digits:
        return False
    if node.max_digits is not None and len(given) > node.max_digits:
        return False
    if node.check == "past-date":
        return _past_date(given, today)
    return True


def _past_date(mmddyy: str, today: date) -> bool:
    # Six digits, month-day-year: a date that exists and has already come (today included).
    if len(mmddyy) != 6:
        return False
    try:
        when = date(2000 + int(mmddyy[4:]), int(mmddyy[:2]), int(mmddyy[2:4]))
    except ValueError:
        return False
    return when <= today


def _follow(line: PracticeLine, node_id: str, choice: str, failures: int, call: Call) -> Turn:
    d = line.flow.defaults
    if choice == REPRESENTATIVE:
        if line.is_person(node_id):
            # Already talking to a person: say so; asking again and again is no progress.
            return _failed(line, node_id, failures, d.already_speaking_prompt, call)
        return Turn(d.representative, call=call)
    if choice == REPEAT:
        return Turn(node_id, failures, call=call)
    if choice == HOME:
        return Turn(d.home, call=call)
    if choice == BACK:
        return Turn(getattr(line.flow.nodes[node_id], "back", None) or d.home, call=call)
    return Turn(choice, call=call)


def _failed(line: PracticeLine, node_id: str, failures: int, notice: str, call: Call) -> Turn:
    d = line.flow.defaults
    failures += 1
    if failures >= d.max_failures:
        call = call._replace(handoffs=call.handoffs + 1)
        if call.handoffs > d.max_handoffs:
            # A person has been offered again and again and the caller still gives nothing: end politely.
            return Turn(d.give_up, call=call)
        # Never hang up on someone who is struggling: pass them to a person.
        target = getattr(line.flow.nodes[node_id], "on_failure", None) or d.on_failure
        return Turn(target, notice=d.failure_prompt, call=call)
    return Turn(node_id, failures, notice, call=call)


def parse_count(raw: str | None) -> int:
    """A count from a webhook URL (?failures=, ?turn=); anything odd counts as none."""
    raw = raw or "0"
    return int(raw) if raw.isdigit() and len(raw) < 4 else 0


def parse_failures(raw: str | None) -> int:
    """The ?failures= count from a webhook URL; anything odd counts as none."""
    return min(parse_count(raw), 99)


def position_from_query(args) -> tuple[int, Call]:
    """The ?failures= count and the Call a node webhook's URL query arguments carry; anything odd counts as none."""
    return parse_failures(args.get("failures")), Call.from_query(args)


def silence(line: PracticeLine, node_id: str, failures: int = 0, call: Call | None = None) -> Turn:
    """Where the caller goes when a gather at `node_id` heard nothing."""
    return answer(line, node_id, None, None, failures, call)


@lru_cache(maxsize=4096)
def reference_number(call_sid: str, node_id: str) -> str:
    """An 8-digit reference, the same every time for one call and ending."""
    # Kept: a reply that reads the number works it out for the call log and again for the TwiML,
    # and the caller may hear it again before hanging up.
    digest = hashlib.sha256(f"{call_sid}:{node_id}".encode()).hexdigest()
    return str(int(digest[:15], 16) % 10**8).zfill(8)


def next_call(line: PracticeLine, turn: Turn) -> Call:
    """The Call the next webhook gets: one more turn, and whether a person has now spoken."""
    call = turn.call
    return Call(call.turns + 1, call.quiet, call.handoffs, call.met or line.run_has_person(turn.node), call.confirm)


def spoken_nodes(line: PracticeLine, node_id: str) -> tuple[str, ...]:
    """The nodes one reply speaks from `node_id`: messages and holds run on into their next node."""
    return line.run_from(node_id)

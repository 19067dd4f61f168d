"""The conversation at the representative's and the supervisor's desks: (state, what the caller said) -> reply.

Plain Python: no Flask, no I/O. The state is small and travels with the call (the voice routes sign it
into the next webhook's URL), so any app server can take the next turn. What the caller said is turned
into moves by the recognizer the caller of `step` passes in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from ..line.practice_line import BACK, HOME, REPEAT, REPRESENTATIVE, Segment
from ..line.navigator import spoken_nodes
from ..line.masking import mask_digits
from .coach_report import spoken_summary
from .scenarios import REP, SUP, ScenarioBook

REFERENCE = "$reference"  # in a reply: the call's reference number, digit by digit, after reference-intro
HOLD = "$hold"  # in a reply: the hold's silence, before the supervisor (or representative) answers
MAX_TURNS = 30  # a conversation this long is wrapped up politely: every call ends
MAX_IDLE = 3  # turns in a row that give nothing usable (nonsense, a lone 0) before a polite goodbye
MAX_SILENT = 2  # silent turns in a row at a person's desk before a polite goodbye
MAX_ASKS = 2  # times the representative asks for one missing piece before moving on without it
QUOTE_CHARS = 80  # the caller's words kept for the coach, per item (they travel in the URL)
INFO = ("purpose", "details", "outcome")
# Moves that make "thank you" or "that's all" more than a goodbye.
NOT_A_GOODBYE = frozenset({"purpose", "details", "outcome", "ask-name", "ask-reference", "ask-next-steps",
                           "ask-supervisor", "formal-complaint", "hostile"})

Recognize = Callable[[str], Iterable[str]]


@dataclass
class DeskState:
    """Everything the conversation needs to carry from one turn to the next (it goes in the URL).

    `facts` holds what has happened: purpose, details, outcome (the caller gave them); answered (the
    representative answered and pushed back); sup-early / sup-after (asked for a supervisor before /
    after the pushback); offered (the supervisor's offer was made); formal, formal-after (asked about the
    formal route; after the supervisor's offer); name, reference, next-steps, confirmed; hostile.
    `said` keeps the caller's own words (digit runs masked) that earned each fact.
    """

    scenario: str | None = None
    desk: str = REP
    facts: set[str] = field(default_factory=set)
    said: dict[str, str] = field(default_factory=dict)
    asks: dict[str, int] = field(default_factory=dict)  # missing piece -> times asked for
    idle: int = 0
    silent: int = 0
    turns: int = 0
    ended: bool = False
    before: int = 0  # the call's webhooks before this desk: leaving it, the line's own count goes on from here

    def to_dict(self) -> dict:
        """A compact plain-data form, to sign into a URL."""
        return {"v": 1, "s": self.scenario, "d": self.desk, "f": sorted(self.facts), "q": self.said,
                "a": self.asks, "i": self.idle, "z": self.silent, "t": self.turns, "e": self.ended, "b": self.before}

    @classmethod
    def from_dict(cls, data: object) -> DeskState | None:
        """The state from to_dict(), or None for anything else."""
        try:
            state = cls(scenario=data["s"], desk=data["d"], facts=set(data["f"]), said=dict(data["q"]),
                        asks=dict(data["a"]), idle=int(data["i"]), silent=int(data["z"]), turns=int(data["t"]),
                        ended=bool(data["e"]), before=int(data.get("b", 0)))
        except (KeyError, TypeError, ValueError):
            return None
        if data.get("v") != 1 or state.desk not in (REP, SUP):
            return None
        return state

    def copy(self) -> DeskState:
        """A copy to change without touching this one."""
        return replace(self, facts=set(self.facts), said=dict(self.said), asks=dict(self.asks))


@dataclass(frozen=True)
class Heard:
    """One turn from the caller: words (speech or typed), a key, or nothing at all (silence)."""

    speech: str = ""
    key: str = ""


@dataclass
class Reply:
    """What to say (prompt ids, REFERENCE, HOLD, or a flow option's filled-in words), then listen, hang up,
    or go back to a menu node."""

    say: list[str | Segment] = field(default_factory=list)
    listen: bool = True
    end: bool = False
    leave: str | None = None  # a flow node to go to: the caller left the desk with the back key


def enter(book: ScenarioBook, scenario: str | None, desk: str = REP, via: Iterable[str] = (),
          situation: bool = False) -> tuple[DeskState, Reply]:
    """The caller reaches a desk: the situation (for a rehearsal), the nodes on the way (a hold), the greeting."""
    state = DeskState(scenario=scenario, desk=desk)
    reply = Reply()
    if situation and scenario is not None:
        reply.say += [book.get(scenario).situation, book.get(scenario).goal]
    line = book.line
    for node_id in via:
        reply.say += list(line.flow.nodes[node_id].prompts)
        if line.nodes[node_id].kind == "hold":
            reply.say.append(HOLD)
    reply.say += _greeting(book, desk)
    return state, reply


def step(book: ScenarioBook, state: DeskState, heard: Heard, recognize: Recognize) -> tuple[DeskState, Reply]:
    """One turn: what the caller said or pressed (or silence) -> the new state and the desk's reply."""
    s = state.copy()
    if s.ended:  # a replayed URL after the goodbye: say goodbye again
        return s, _close(book, s, "desk-goodbye")
    s.turns += 1
    speech, key = heard.speech.strip(), heard.key.strip()
    if not speech and not key:
        s.silent += 1
        s.idle += 1
        if s.silent >= MAX_SILENT or s.idle >= MAX_IDLE:
            return s, _close(book, s, "desk-goodbye-silent" if s.silent >= MAX_SILENT else "desk-goodbye-unclear")
        return s, Reply(["desk-still-there"])
    s.silent = 0
    if s.turns > MAX_TURNS:
        return s, _close(book, s, "desk-wrap-up")
    if key:
        action = key_action(book, s.desk, key)
        if action == "back":
            if s.desk == SUP:
                s.desk = REP
                return s, Reply(_greeting(book, REP, options=False))
            return s, Reply(listen=False, leave=_back_node(book, REP))
        if action == "repeat":
            return s, Reply([_question(book, s)])
        moves = {action} if action in NOT_A_GOODBYE else set()
        quote = f"(pressed {key})"
        finish = action == "finish"
        if action == "already":
            s.idle += 1
            if s.idle >= MAX_IDLE:
                return s, _close(book, s, "desk-goodbye-unclear")
            return s, Reply([f"desk-already-{s.desk}"])
    else:
        moves = set(recognize(speech))
        quote = _quote(speech)
        finish = not (moves & NOT_A_GOODBYE) and _says_goodbye(book, s.desk, speech)
        if s.scenario is None:
            _pick_scenario(book, s, speech, moves, quote)
    if not moves and not finish:
        s.idle += 1
        if s.idle >= MAX_IDLE:
            return s, _close(book, s, "desk-goodbye-unclear")
        return s, Reply(["desk-not-sure", _question(book, s)])
    s.idle = 0
    return _respond(book, s, moves, quote, finish)


def _respond(book: ScenarioBook, s: DeskState, moves: set[str], quote: str, finish: bool) -> tuple[DeskState, Reply]:
    """The reply to a turn that gave something: calm first, then answers, then the conversation moves on."""
    reply = Reply()
    scenario = book.get(s.scenario or book.file.default_scenario)
    for move in INFO:
        if move in moves:
            _note(s, move, quote)
    if "hostile" in moves:
        _note(s, "hostile", quote)
        reply.say.append("desk-calm")
    questions = moves & {"ask-name", "ask-reference", "ask-next-steps", "confirm"}
    if "ask-name" in moves:
        _note(s, "name", quote)
        reply.say.append(f"desk-name-{s.desk}")
    if "ask-reference" in moves:
        _note(s, "reference", quote)
        reply.say += ["reference-intro", REFERENCE]
    if "ask-next-steps" in moves:
        _note(s, "next-steps", quote)
        reply.say.append(scenario.next_steps if s.scenario else "desk-next-steps-unknown")
    if "confirm" in moves:
        _note(s, "confirmed", quote)
        reply.say.append("desk-confirm")
    if "formal-complaint" in moves:
        _note(s, "formal", quote)
        if s.desk == SUP and "offered" in s.facts:
            _note(s, "formal-after", quote)
        reply.say.append(scenario.formal)
    if finish:
        return s, _close(book, s, "desk-goodbye", reply.say)
    if "ask-supervisor" in moves:
        if s.desk == SUP:
            reply.say.append("desk-top-of-line")
        elif "answered" in s.facts or "sup-early" in s.facts:
            # After the pushback this is the move being practiced; a second early ask is honored anyway.
            if "answered" in s.facts and "sup-early" not in s.facts:
                _note(s, "sup-after", quote)
            return s, _transfer(book, s, reply)
        else:
            _note(s, "sup-early", quote)
            reply.say.append("desk-try-first")
    if s.desk == SUP:
        reply.say += _supervisor_next(s, scenario, moves)
    else:
        reply.say += _representative_next(book, s, scenario, moves, asked_only=bool(questions) and not moves & set(INFO))
    return s, reply


def _representative_next(book: ScenarioBook, s: DeskState, scenario, moves: set[str], asked_only: bool) -> list[str]:
    """Ask for what is missing (purpose, details, outcome), then answer and push back; later, hold the line."""
    if "answered" in s.facts:
        return ["desk-insist"] if _insists(moves) else ["desk-anything-else"]
    missing = _missing(s)
    if missing is None:
        s.facts.add("answered")
        return [scenario.can, scenario.cannot]
    if not asked_only:  # a caller who only asked a question has not failed to answer
        s.asks[missing] = s.asks.get(missing, 0) + 1
        if s.asks[missing] > MAX_ASKS:  # never loop on one question: carry on without it
            s.facts.add(f"skip-{missing}")
            return _representative_next(book, s, scenario, set(), asked_only)
    return [_question(book, s)]


def _supervisor_next(s: DeskState, scenario, moves: set[str]) -> list[str]:
    """The supervisor makes the scenario's offer once; after that, asks whether there is anything else."""
    if "offered" not in s.facts:
        s.facts.add("offered")
        return [scenario.supervisor]
    if _insists(moves) and not scenario.supervisor_resolves and "formal" not in s.facts:
        return ["desk-insist"]
    return ["desk-anything-else"]


def _insists(moves: set[str]) -> bool:
    """True when the caller only says again what they want (after the answer), asking nothing new."""
    return bool(moves & set(INFO)) and moves <= {*INFO, "hostile"}


def _missing(s: DeskState) -> str | None:
    """The first piece the representative still needs: purpose, then details, then outcome."""
    if s.scenario is None:
        return "purpose"
    return next((m for m in INFO if m not in s.facts and f"skip-{m}" not in s.facts), None)


def _question(book: ScenarioBook, s: DeskState) -> str:
    """What the desk asks next (also what 9, repeat, says again)."""
    if s.desk == SUP:
        return "desk-anything-else"
    missing = _missing(s)
    if missing == "purpose":
        return "desk-which-reason" if "purpose" in s.facts else "desk-ask-purpose"
    if missing == "details":
        return book.get(s.scenario).ask_details
    if missing == "outcome":
        return "desk-ask-outcome"
    return "desk-anything-else"


def _pick_scenario(book: ScenarioBook, s: DeskState, speech: str, moves: set[str], quote: str) -> None:
    """A caller who pressed 0 at the main menu: what they say the call is about picks the scenario."""
    line = book.line
    target = line.nodes[line.flow.defaults.home].phrases.match(speech)
    scenario = book.for_node(target) if target else None
    if scenario is None and "purpose" in moves and s.asks.get("purpose", 0) >= 1:
        scenario = book.file.default_scenario  # asked once which it is: carry on with the general one
    if scenario is not None:
        s.scenario = scenario
        _note(s, "purpose", quote)  # naming a reason the line knows is stating the purpose
        moves.add("purpose")


def _transfer(book: ScenarioBook, s: DeskState, reply: Reply) -> Reply:
    """To the supervisor: the flow's hold before the supervisor's desk, then the supervisor's greeting."""
    s.desk = SUP
    s.facts.add("at-sup")
    s.scenario = s.scenario or book.file.default_scenario
    line = book.line
    desk = book.desks.supervisor
    for node in line.flow.nodes.values():
        if node.kind == "hold" and node.next == desk:
            reply.say += list(node.prompts) + [HOLD]
            break
    reply.say += _greeting(book, SUP, options=False)
    return reply


def _close(book: ScenarioBook, s: DeskState, goodbye: str, before: Iterable[str] = ()) -> Reply:
    """The end of the rehearsal: a goodbye that says what to do next, then the coach's spoken summary."""
    s.ended = True
    return Reply([*before, goodbye, *spoken_summary(book, s)], listen=False, end=True)


def _greeting(book: ScenarioBook, desk: str, options: bool = True) -> list[str | Segment]:
    """The desk node's own words from the flow, and (first time) its options: keys still work at a desk."""
    compiled = book.line.nodes[desk_node(book, desk)]
    said: list[str | Segment] = list(compiled.node.prompts)
    if options:  # an option's words carry its key, filled in when the line was compiled
        footer = book.line.flow.defaults.menu_footer
        said += [seg for seg in compiled.segments[len(said):] if seg.prompt_id != footer]
    return said


def desk_node(book: ScenarioBook, desk: str) -> str:
    """The flow node id of a desk."""
    return book.desks.representative if desk == REP else book.desks.supervisor


def key_action(book: ScenarioBook, desk: str, key: str) -> str:
    """What a key does at a desk, read from the flow's desk node: already, back, repeat, finish, or a move."""
    choice = book.line.nodes[desk_node(book, desk)].choices.get(key[:1]) if len(key) == 1 else None
    if choice is None:
        return "unknown"
    if choice == REPRESENTATIVE:
        return "already"
    if choice in (BACK, HOME):
        return "back"
    if choice == REPEAT:
        return "repeat"
    run = spoken_nodes(book.line, choice)
    if book.desks.supervisor in run:
        return "ask-supervisor"
    if book.line.nodes[run[-1]].kind == "end":
        return "finish"
    return "formal-complaint"  # the desks' other way on is the formal route


def _says_goodbye(book: ScenarioBook, desk: str, speech: str) -> bool:
    """True when the words are the desk node's "that's all" / "goodbye" phrases (the flow's own)."""
    choice = book.line.nodes[desk_node(book, desk)].phrases.match(speech)
    return choice is not None and not choice.startswith("@") and key_target_ends(book, choice)


def key_target_ends(book: ScenarioBook, node_id: str) -> bool:
    """True when going to `node_id` ends the call (an end node, perhaps after messages)."""
    return book.line.nodes[spoken_nodes(book.line, node_id)[-1]].kind == "end"


def _back_node(book: ScenarioBook, desk: str) -> str:
    node = book.line.flow.nodes[desk_node(book, desk)]
    return getattr(node, "back", None) or book.line.flow.defaults.home


def _quote(speech: str) -> str:
    """The caller's words as the coach keeps them: digit runs masked, long ones cut at a word."""
    said = " ".join(mask_digits(speech, caller=True).split())
    if len(said) <= QUOTE_CHARS:
        return said
    return said[:QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _note(s: DeskState, fact: str, quote: str) -> None:
    """Record a fact and, the first time, the caller's words that earned it."""
    s.facts.add(fact)
    s.said.setdefault(fact, quote)

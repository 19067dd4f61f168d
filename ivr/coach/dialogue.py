"""The conversation at the representative's and the supervisor's desks: (state, what the caller said) -> reply.

Plain Python: no Flask, no I/O. The state is small and travels with the call (the voice routes sign it
into the next webhook's URL), so any app server can take the next turn. What the caller said is turned
into moves by the recognizer the caller of `step` passes in. The turn-taking itself (phases, what moves
them, what the person says) is the table in ivr.coach.turn_taking; the state is ivr.coach.state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from ..line.practice_line import BACK, HOME, REPEAT, REPRESENTATIVE, Segment
from ..line.navigator import spoken_nodes
from ..line.masking import mask_digits
from .closing import (asks_anything_else, asks_to_repeat, keeps_going, names_the_end, no_more, only_greets,
                      only_thanks_or_closing)
from .coach_report import spoken_summary
from .details import differs, extract, is_no, is_yes, read_back, retell, scenario_heard
from .scenarios import REP, SUP, Scenario, ScenarioBook
from .state import GOODBYE, HOLD, HOSTILE_ASK, INFO, REFERENCE, DeskState, Fact, Heard, Reply, answered_key
from .turn_taking import Event, Phase, Say, lookup, persona_traits, phase_of
from .wording import vary

__all__ = ["HOLD", "REFERENCE", "REP", "SUP", "DeskState", "Heard", "Reply", "desk_node", "enter", "key_action",
           "resume", "step"]  # the voice line's view of the conversation

MAX_TURNS = 30  # a conversation this long is wrapped up politely: every call ends
MAX_IDLE = 3  # turns in a row that give nothing usable (nonsense, a lone 0) before a polite goodbye
MAX_SILENT = 2  # silent turns in a row at a person's desk before a polite goodbye
MAX_ASKS = 2  # times the representative asks for one missing piece before moving on without it
QUOTE_CHARS = 80  # the caller's words kept for the coach, per item (they travel in the URL)
# Moves that make "thank you" or "that's all" more than a goodbye.
NOT_A_GOODBYE = frozenset({"purpose", "details", "outcome", "ask-name", "ask-reference", "ask-next-steps",
                           "ask-supervisor", "formal-complaint", "hostile"})
# Moves answered wherever they come, in the order the reply answers them, and the fact each records.
QUESTIONS = (("hostile", Event.HOSTILE, Fact.HOSTILE), ("ask-name", Event.ASK_NAME, Fact.NAME),
             ("ask-reference", Event.ASK_REFERENCE, Fact.REFERENCE),
             ("ask-next-steps", Event.ASK_NEXT_STEPS, Fact.NEXT_STEPS), ("confirm", Event.CONFIRM, Fact.CONFIRMED),
             ("formal-complaint", Event.FORMAL, Fact.FORMAL))

Recognize = Callable[[str], Iterable[str]]


def enter(book: ScenarioBook, scenario: str | None, desk: str = REP, via: Iterable[str] = (),
          situation: bool = False, today: date | None = None, persona: str | None = None) -> tuple[DeskState, Reply]:
    """The caller reaches a desk: the situation (for a rehearsal), the nodes on the way (a hold), the greeting.

    `today` (default: the date now) is what the caller's "last Tuesday" is read from for the whole call;
    `persona` (default: the book's default) is the representative they rehearse against.
    """
    chosen = "" if persona in (None, "", book.personas.default_persona) else persona
    state = DeskState(scenario=scenario, desk=desk, day=(today or date.today()).isoformat(), persona=chosen)
    reply = Reply()
    if situation and scenario is not None:
        reply.say += [book.get(scenario).situation, book.get(scenario).goal]
    line = book.line
    for node_id in via:
        reply.say += list(line.flow.nodes[node_id].prompts)
        if line.nodes[node_id].kind == "hold":
            reply.say.append(HOLD)
    reply.say += _greeting(book, state, desk)
    reply.say = vary(book, state, reply.say)
    return state, reply


def resume(book: ScenarioBook, state: DeskState, today: date | None = None) -> tuple[DeskState, Reply]:
    """Try again: a state from pushback_state() (signed), and the representative's no again; or, from the
    moment a piece was due, the representative asking for it again."""
    s = state.copy()
    s.day, s.last = (today or date.today()).isoformat(), ""
    if Fact.ANSWERED in s.facts:
        reply = Reply(["desk-try-again", *_words(book, s, Say.CAN), *_words(book, s, Say.CANNOT)])
    else:
        due = _missing(book, s) or Fact.OUTCOME  # (a snapshot always lacks a piece; outcome is the last)
        reply = Reply([f"desk-try-again-{due}", *_words(book, s, Say.QUESTION)])
    reply.say = vary(book, s, reply.say)
    return s, reply


def step(book: ScenarioBook, state: DeskState, heard: Heard, recognize: Recognize) -> tuple[DeskState, Reply]:
    """One turn: what the caller said or pressed (or silence) -> the new state and the desk's reply."""
    s = state.copy()
    if s.ended:  # a replayed URL after the goodbye: say goodbye again
        return s, _play(book, s, [Event.REPLAYED])
    s.turns += 1
    return s, _play(book, s, _events(book, s, heard, recognize))


def _events(book: ScenarioBook, s: DeskState, heard: Heard, recognize: Recognize) -> list[Event]:
    """What one turn amounts to, as the table's events in order (recording the facts it earned)."""
    speech, key = heard.speech.strip(), heard.key.strip()
    if not speech and not key:
        return [_silence(s)]
    s.silent = 0
    if s.turns > MAX_TURNS:
        return [Event.TOO_MANY_TURNS]
    # The piece the representative is asking for as this line comes: a tip quotes a line that did not give it.
    due = _missing(book, s) if speech and not key and s.desk == REP and Fact.ANSWERED not in s.facts else None
    if key:
        action = key_action(book, s.desk, key)
        if action in ("back", "repeat", "already"):
            return [_unclear(s, Event.ALREADY) if action == "already" else Event(action)]
        moves = {action} if action in NOT_A_GOODBYE else set()
        quote, finish = f"(pressed {key})", action == "finish"
    elif asks_to_repeat(speech):  # "sorry, what?": said again, not taken for a question of its own
        return [Event.SAY_AGAIN]
    else:
        moves, quote = set(recognize(speech)), _quote(speech)
        finish = not (moves & NOT_A_GOODBYE) and _says_goodbye(book, s, speech)
        if s.scenario is None:
            _pick_scenario(book, s, speech, moves, quote)
        _take_details(book, s, speech, moves)
    if not moves and not finish:
        events = [Event.GOING_ON if speech and keeps_going(speech) else Event.GREETED if speech and only_greets(speech)
                  else _unclear(s, Event.UNCLEAR)]
    else:
        s.idle = 0
        events = _heard_events(book, s, moves, quote, finish, speech)
    if due is not None and Fact(due) not in s.facts and not finish:
        s.said.setdefault(answered_key(Fact(due)), quote)  # only the first: the state stays small
    return events


def _silence(s: DeskState) -> Event:
    """A silent turn: a prompt, until the caller has been quiet (or unclear) too long."""
    s.silent += 1
    s.idle += 1
    if s.silent >= MAX_SILENT:
        return Event.SILENT_TOO_LONG
    return Event.UNCLEAR_TOO_LONG if s.idle >= MAX_IDLE else Event.SILENCE


def _unclear(s: DeskState, event: Event) -> Event:
    """A turn that gave nothing usable: `event`, until there have been too many in a row."""
    s.idle += 1
    return Event.UNCLEAR_TOO_LONG if s.idle >= MAX_IDLE else event


def _heard_events(book: ScenarioBook, s: DeskState, moves: set[str], quote: str, finish: bool,
                  speech: str) -> list[Event]:
    """Events for a turn that gave something: the pieces noted, questions answered, then the conversation moves on."""
    for piece in INFO:
        if piece.value in moves:
            s.note(piece, quote)
    events = []
    for move, event, fact in QUESTIONS:
        if move in moves:
            if move == "confirm" and not _anything_agreed(s):
                continue  # nothing has been offered to repeat back yet: the desk carries on (the offer comes)
            wrong = _wrong_restatement(book, s, speech) if move == "confirm" else None
            if wrong is not None:
                events.append(wrong)  # corrected, not confirmed
                continue
            s.note(fact, quote)
            events.append(event)
    if "formal-complaint" in moves and s.desk == SUP and Fact.OFFERED in s.facts:
        s.note(Fact.FORMAL_AFTER, quote)
    if finish:
        s.said.setdefault(GOODBYE, quote)  # a tip may quote it: "you ended the call with 'that's all'"
        return [*events, Event.GOODBYE]
    if "ask-supervisor" in moves:
        events.append(_supervisor_asked(book, s, quote, "hostile" in moves))
        if events[-1] == Event.SUPERVISOR_REFUSED or (events[-1] == Event.ASK_SUPERVISOR and s.desk == REP):
            return events  # put through (the supervisor speaks next), or told no again: nothing follows
    if "corrected" in moves:
        events.append(Event.DETAILS_WRONG)
    asked_only = bool(moves & {"ask-name", "ask-reference", "ask-next-steps", "confirm"}) and not moves & set(INFO)
    after = _moving_on(book, s, moves, asked_only)
    if after == Event.PIECE_MISSING and s.asks.get(_missing(book, s) or "", 0) >= 2:
        events += _acknowledged(moves, _missing(book, s))  # a re-ask says first what it did hear
    return [*events, after]


def _acknowledged(moves: set[str], missing: str | None) -> list[Event]:
    """The pieces a re-ask acknowledges: what the caller gave this turn, other than what is asked again."""
    # The most telling first: what they want done, then the details, then what the call is about.
    acks = {"outcome": Event.ACK_OUTCOME, "details": Event.ACK_DETAILS, "purpose": Event.ACK_PURPOSE}
    return [event for piece, event in acks.items() if piece in moves and piece != missing][:1]


def _take_details(book: ScenarioBook, s: DeskState, speech: str, moves: set[str]) -> None:
    """At the representative's desk, until the details are agreed: take down what the caller said of them;
    a yes or a no to the read-back ("agreed" / "corrected" join the moves)."""
    capture = book.get(s.scenario).capture if s.scenario and s.desk == REP else []
    if not capture or Fact.DETAILS_OK in s.facts or Fact.skip(Fact.DETAILS) in s.facts:
        return
    found = {piece: value for piece, value in extract(speech, _today(s)).items() if piece in capture}
    pending = Fact.READ_BACK in s.facts
    if found:
        s.heard.update(found)
        s.facts.discard(Fact.READ_BACK)  # something new: read back again
        moves.add("details")
        moves.discard("confirm")
    elif pending and is_no(speech):
        s.heard.clear()
        s.facts.discard(Fact.READ_BACK)
        s.asks.pop(Fact.DETAILS.value, None)  # asked afresh
        moves.add("corrected")
    elif pending and is_yes(speech):
        s.facts.add(Fact.DETAILS_OK)
        moves.discard("confirm")  # a yes to the read-back is not the caller's own restatement
        moves.add("agreed")


def _wrong_restatement(book: ScenarioBook, s: DeskState, said: str) -> Event | None:
    """The correction a "so to confirm" needs: it claims what the representative refused, or details other
    than those agreed; None when it is right."""
    from rapidfuzz import fuzz

    scenario = _scenario(book, s)
    # What the representative refused, until the supervisor's offer (which may grant it).
    refused = any(fuzz.partial_ratio(words.lower(), said.lower()) >= 90 for words in scenario.refused)
    if refused and Fact.ANSWERED in s.facts and Fact.OFFERED not in s.facts:
        return Event.CONFIRM_REFUSED
    claimed = extract(said, _today(s))
    # What the desk itself said is agreed too: "you'll waive the 39 dollar late fee today" repeats the offer.
    spoken = {(piece, value) for text in _desk_texts(book, s) for piece, value in extract(text, _today(s)).items()}
    if differs({piece: value for piece, value in claimed.items() if (piece, value) not in spoken}, _agreed(book, s)):
        return Event.CONFIRM_OTHER_DETAILS
    return None


def _desk_texts(book: ScenarioBook, s: DeskState) -> list[str]:
    """The scenario's words that the desk has said by now in this call, as the caller heard them."""
    scenario = _scenario(book, s)
    fields = ["can", "cannot", "formal"] + (["supervisor"] if Fact.OFFERED in s.facts else [])
    told = [_retold(book, s, getattr(scenario, field)) for field in fields] + [_retold(book, s, _next_steps(scenario, s))]
    return [part.text if isinstance(part, Segment) else book.text(part) for part in told]


def _anything_agreed(s: DeskState) -> bool:
    """Whether this desk has said what it will do: the representative's answer, or the supervisor's offer."""
    return Fact.OFFERED in s.facts if s.desk == SUP else Fact.ANSWERED in s.facts


def _agreed(book: ScenarioBook, s: DeskState) -> dict[str, str]:
    """The details as agreed: the caller's own where heard, else the scenario's."""
    return {**scenario_heard(_scenario(book, s).facts), **s.heard}


def _today(s: DeskState) -> date:
    return date.fromisoformat(s.day) if s.day else date.today()


def _supervisor_asked_by_the_book(s: DeskState, quote: str, hostile: bool) -> Event:
    """Against a by-the-book representative: no supervisor before the pushback, a second no after it,
    and a supervisor only for a calm ask after that."""
    if Fact.ANSWERED not in s.facts:
        s.note(Fact.SUP_EARLY, quote)
        return Event.SUPERVISOR_TOO_EARLY
    if hostile:
        s.said.setdefault(HOSTILE_ASK, quote)  # the escalated-calmly tip quotes it
    if Fact.SECOND_NO not in s.facts or hostile:
        s.facts.add(Fact.SECOND_NO)
        return Event.SUPERVISOR_REFUSED
    if Fact.SUP_EARLY not in s.facts:
        s.note(Fact.SUP_AFTER, quote)
    s.note(Fact.CALM_AFTER_SECOND_NO, quote)
    return Event.ASK_SUPERVISOR


def _supervisor_asked(book: ScenarioBook, s: DeskState, quote: str, hostile: bool) -> Event:
    """An ask for a supervisor: too early the first time before the pushback, honored after it or when asked again."""
    if s.desk == SUP:
        return Event.ASK_SUPERVISOR  # nobody above: the supervisor says so
    if book.persona(s.persona).pushbacks > 1:
        return _supervisor_asked_by_the_book(s, quote, hostile)
    if Fact.ANSWERED in s.facts or Fact.SUP_EARLY in s.facts:
        if Fact.ANSWERED in s.facts and Fact.SUP_EARLY not in s.facts:
            s.note(Fact.SUP_AFTER, quote)  # after the pushback: the move being practiced
        return Event.ASK_SUPERVISOR
    s.note(Fact.SUP_EARLY, quote)
    return Event.SUPERVISOR_TOO_EARLY


def _moving_on(book: ScenarioBook, s: DeskState, moves: set[str], asked_only: bool) -> Event:
    """After the answers: a piece still missing, all known, the caller insisting, or anything else."""
    if s.desk == SUP:
        scenario = _scenario(book, s)
        holds_out = not scenario.supervisor_resolves and Fact.FORMAL not in s.facts
        return Event.INSIST if _insists(moves) and holds_out else Event.ANYTHING
    if Fact.ANSWERED in s.facts:
        return Event.INSIST if _insists(moves) else Event.ANYTHING
    return _gathering(book, s, asked_only)


def _gathering(book: ScenarioBook, s: DeskState, asked_only: bool) -> Event:
    """PIECE_MISSING (counting the ask) or ALL_KNOWN; a piece asked for MAX_ASKS times is done without."""
    while (missing := _missing(book, s)) is not None:
        if missing == Fact.DETAILS and s.heard and not _lacking(book, s):
            if Fact.READ_BACK not in s.facts:
                s.facts.add(Fact.READ_BACK)
                return Event.READ_BACK
            s.facts.add(Fact.DETAILS_OK)  # read back, and the caller went on: taken as agreed
            continue
        if asked_only:  # a caller who only asked a question has not failed to answer
            return Event.PIECE_MISSING
        s.asks[missing] = s.asks.get(missing, 0) + 1
        if s.asks[missing] <= MAX_ASKS:
            return Event.PIECE_MISSING
        s.facts.add(Fact.skip(Fact(missing)))  # never loop on one question: carry on without it
        s.scenario = s.scenario or book.file.default_scenario
    return Event.ALL_KNOWN


def _play(book: ScenarioBook, s: DeskState, events: list[Event]) -> Reply:
    """Look each event up in the table: say its words, then move to its phase."""
    reply = Reply()
    traits = persona_traits(book.persona(s.persona))
    for event in events:
        row = lookup(phase_of(s), event, traits)
        for part in row.says:
            reply.say += _words(book, s, part) if isinstance(part, Say) else [part]
        if row.to is not None:
            _move(book, s, row.to, reply)
    reply.say = vary(book, s, reply.say)
    # Whether this reply asks "anything else?": a "no" to it is a goodbye.
    last = reply.say[-1] if reply.say and reply.listen else None
    asked = last is not None and last not in (HOLD, REFERENCE) and asks_anything_else(
        last.text if isinstance(last, Segment) else book.text(last))
    (s.facts.add if asked else s.facts.discard)(Fact.ASKED_ANYTHING)
    return reply


def _move(book: ScenarioBook, s: DeskState, to: Phase, reply: Reply) -> None:
    """Change the state (and the reply's ending) for a move to the phase `to`."""
    if to == Phase.ENDED:
        s.ended, reply.listen, reply.end = True, False, True
    elif to == Phase.LEFT:
        reply.listen, reply.leave = False, _back_node(book, REP)
    elif to == Phase.REPRESENTATIVE:
        s.desk = REP
    elif to == Phase.PUSHED_BACK:
        s.facts.add(Fact.ANSWERED)
    elif to == Phase.SUPERVISOR:
        s.desk = SUP
        s.facts.add(Fact.AT_SUP)
        s.scenario = s.scenario or book.file.default_scenario
    elif to == Phase.OFFERED:
        s.facts.add(Fact.OFFERED)


def _words(book: ScenarioBook, s: DeskState, part: Say) -> list[str | Segment]:
    """The words of a Say in the state as it is now."""
    scenario = _scenario(book, s)
    match part:
        case Say.QUESTION:
            question = _question(book, s)
            return question if isinstance(question, list) else [question]
        case Say.ASK_AGAIN:  # nothing new was heard: no "thanks, I've noted that" before the question
            return [part for part in _words(book, s, Say.QUESTION) if part != "desk-got-part"]
        case Say.READ_BACK:
            return [Segment("desk-read-back", read_back(s.heard))]
        case Say.AGREED_DETAILS:
            return _agreed_details(book, s)
        case Say.NAME:
            return [book.persona(s.persona).name if s.desk == REP else "desk-name-supervisor"]
        case Say.ALREADY:
            return [f"desk-already-{s.desk}"]
        case Say.REFERENCE:
            return ["reference-intro", REFERENCE]
        case Say.NEXT_STEPS:
            return [_retold(book, s, _next_steps(scenario, s)) if s.scenario else "desk-next-steps-unknown"]
        case Say.FORMAL_ROUTE:
            return [_retold(book, s, scenario.formal)]
        case Say.CAN | Say.CANNOT | Say.OFFER:
            field = {Say.CAN: "can", Say.CANNOT: "cannot", Say.OFFER: "supervisor"}[part]
            return [_retold(book, s, getattr(scenario, field))]
        case Say.TRANSFER:
            return _transfer(book, s)
        case Say.GREETING:
            return _greeting(book, s, REP, options=False)
        case Say.KEYPAD:
            return [f"desk-keypad-{s.desk}"]
        case Say.SECOND_NO:
            return ["persona-by-the-book-second-no"]
        case Say.SUMMARY:
            return list(spoken_summary(book, s))
    raise ValueError(part)


def _next_steps(scenario: Scenario, s: DeskState) -> str:
    """What happens next as things stand: after the supervisor's offer, the offer's own next steps."""
    offered = Fact.OFFERED in s.facts and scenario.next_steps_offered is not None
    return scenario.next_steps_offered if offered else scenario.next_steps


def _scenario(book: ScenarioBook, s: DeskState) -> Scenario:
    return book.get(s.scenario or book.file.default_scenario)


def _retold(book: ScenarioBook, s: DeskState, prompt_id: str) -> str | Segment:
    """A scenario's prompt, with the caller's own details in place of the invented ones once heard."""
    if not s.heard:
        return prompt_id
    text = book.text(prompt_id)
    told = retell(text, _scenario(book, s).facts, s.heard)
    return prompt_id if told == text else Segment(prompt_id, told)


def _agreed_details(book: ScenarioBook, s: DeskState) -> list[str | Segment]:
    """The details as agreed, read back (after "not quite")."""
    return [Segment("desk-read-back", read_back(_agreed(book, s)))]

def _insists(moves: set[str]) -> bool:
    """True when the caller only says again what they want (after the answer), asking nothing new."""
    info = {piece.value for piece in INFO}
    return bool(moves & info) and moves <= {*info, "hostile"}


def _missing(book: ScenarioBook, s: DeskState) -> str | None:
    """The first piece the representative still needs: purpose, then details (agreed, where they are taken
    down), then outcome. Once the call's subject is known, the purpose is never asked for again."""
    if s.scenario is None:
        return Fact.PURPOSE.value
    known = set(s.facts)
    if known & {Fact.DETAILS, Fact.OUTCOME} or s.heard:
        known.add(Fact.PURPOSE)  # the caller is already talking about it
    if book.get(s.scenario).capture and Fact.DETAILS_OK not in known:
        known.discard(Fact.DETAILS)  # taken down, not yet agreed
    return next((m.value for m in INFO if m not in known and Fact.skip(m) not in known), None)


def _lacking(book: ScenarioBook, s: DeskState) -> list[str]:
    """The details the scenario takes down that the caller has not given yet."""
    return [piece for piece in _scenario(book, s).capture if piece not in s.heard]


def _question(book: ScenarioBook, s: DeskState) -> str:
    """What the desk asks next (also what 9, repeat, says again)."""
    if s.desk == SUP:
        return "desk-anything-else"
    missing = _missing(book, s)
    if missing == Fact.PURPOSE:
        return "desk-which-reason" if Fact.PURPOSE in s.facts else "desk-ask-purpose"
    if missing == Fact.DETAILS:
        lacking = _lacking(book, s)
        if s.heard and lacking:  # ask only for what is missing
            return ["desk-got-part", *(f"desk-ask-{piece}" for piece in lacking)]
        if s.heard:
            return [Segment("desk-read-back", read_back(s.heard)), "desk-read-back-check"]
        return book.get(s.scenario).ask_details
    if missing == Fact.OUTCOME:
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
        s.note(Fact.PURPOSE, quote)  # naming a reason the line knows is stating the purpose
        moves.add("purpose")


def _transfer(book: ScenarioBook, s: DeskState) -> list[str | Segment]:
    """To the supervisor: the flow's hold before the supervisor's desk, then the supervisor's greeting."""
    said: list[str | Segment] = []
    for node in book.line.flow.nodes.values():
        if node.kind == "hold" and node.next == book.desks.supervisor:
            said += list(node.prompts) + [HOLD]
            break
    return said + _greeting(book, s, SUP, options=False)


def _greeting(book: ScenarioBook, s: DeskState, desk: str, options: bool = True) -> list[str | Segment]:
    """The desk's greeting (the persona's, else the flow node's), and (first time) one sentence on the keypad."""
    persona = book.persona(s.persona)
    said: list[str | Segment]
    if desk == REP and persona.greeting:
        said = [persona.greeting]
    else:
        said = list(book.line.nodes[desk_node(book, desk)].node.prompts)
    return said + ([f"desk-keypad-{desk}"] if options else [])


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


def _says_goodbye(book: ScenarioBook, s: DeskState, speech: str) -> bool:
    """True when the caller is done (ivr.coach.closing): a "no" to "anything else?", or the desk node's
    "that's all" phrases or the line's ear hearing a goodbye there; never "I'm not done" or a thank-you
    for something ("thank you, that would help a lot")."""
    if keeps_going(speech):
        return False
    if no_more(speech) and (Fact.ASKED_ANYTHING in s.facts or names_the_end(speech)):
        return True  # "no thanks" to "anything else?"; "no, that's it" anywhere
    node = desk_node(book, s.desk)
    choice = book.line.nodes[node].phrases.match(speech)
    if (choice is None or choice.startswith("@")) and book.line.ear is not None:
        heard = book.line.ear.hear(node, speech)
        choice = heard.choice if heard.sure else None
    ends = choice is not None and not choice.startswith("@") and key_target_ends(book, choice)
    return ends and only_thanks_or_closing(speech)


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

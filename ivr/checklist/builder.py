"""The pre-call checklist: request parameters -> Situation -> Checklist. Plain Python, no Flask."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from ..line.practice_line import Step
from ..line.contacts import Contacts, MailAddress, tel_uri
from ..map import map_url
from .reasons import FaqEntry, NoteField, ReasonBook

SHOWN_MAX = 40  # a bad value is echoed back in a message, cut to this length
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
REMINDER_HORIZON_DAYS = 2 * 366  # a follow-up further off than this is a typo
URGENT = "now"  # the urgency a reason marked always_urgent defaults to


class BadRequest(Exception):
    """Parameters that cannot make a checklist; each problem says what to fix."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Situation:
    """What the caller told us: why, from where, which card, how urgent."""

    reasons: tuple[str, ...]
    region: str
    card: str
    urgency: str

    def params(self) -> list[tuple[str, str]]:
        """The GET parameters that make this checklist again (in a stable order)."""
        return [("reason", r) for r in self.reasons] + [
            ("region", self.region), ("card", self.card), ("urgency", self.urgency)]

    def query(self) -> str:
        """params() as a query string, for shareable links."""
        return urlencode(self.params())


@dataclass(frozen=True)
class ChannelView:
    """A channel as the checklist shows it."""

    id: str
    name: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class CallLine:
    """The number to call for this card type and region, and what to know about it."""

    name: str
    number: str
    tel: str
    hours: str
    collect_note: str  # empty unless calling from abroad on a line that takes collect calls
    trust_note: str
    verify_note: str


@dataclass(frozen=True)
class ReasonPlan:
    """Everything the checklist says about one reason."""

    id: str
    title: str
    node: str
    best: ChannelView
    why: str
    also: tuple[ChannelView, ...]
    note: str
    opener: str
    steps: tuple[Step, ...]  # the practice line's key path from the start of a call to `node`
    map_url: str  # the menu map with the nodes those keys pass through marked
    practice_url: str

    @property
    def shortcut(self) -> tuple[str, ...]:
        """The key path as shown: ("#", "1"), or "any 4 digits" for a step that is not a key."""
        return tuple(str(step) for step in self.steps)


@dataclass(frozen=True)
class Item:
    """One thing to have ready before calling."""

    id: str
    text: str


@dataclass(frozen=True)
class EscalationView:
    """A rung of the escalation ladder with where to practice it."""

    title: str
    text: str
    practice_url: str


@dataclass(frozen=True)
class FaqView:
    """A FAQ answer, and whether it shows a number (then it carries the verify note)."""

    question: str
    answer: str
    shows_number: bool


@dataclass(frozen=True)
class Checklist:
    """One printable page for one situation."""

    situation: Situation
    title: str
    region_label: str
    card_label: str
    urgency_label: str
    urgency_note: str
    line: CallLine
    reasons: tuple[ReasonPlan, ...]
    gather: tuple[Item, ...]
    tips: tuple[str, ...]
    notes: tuple[NoteField, ...]
    escalation: tuple[EscalationView, ...]
    faq: tuple[FaqView, ...]
    mail: MailAddress | None  # shown when a suggested channel is mail


def practice_url(node: str) -> str:
    """The browser phone, starting at `node`."""
    return f"/phone?start={quote(node)}"


def parse_situation(params: Mapping[str, Sequence[str]], book: ReasonBook) -> Situation:
    """Read reason/region/card/urgency from GET parameters; BadRequest says what to fix."""
    data = book.file
    problems: list[str] = []
    reasons: list[str] = []
    given = [v.strip() for v in params.get("reason", ())]
    for value in given:
        if not value:
            continue
        if value not in data.reasons:
            problems.append(f"Unknown reason '{_shown(value)}': choose one or more reasons from the list.")
        elif value not in reasons:
            reasons.append(value)
    if not reasons and not problems:
        problems.append("Choose at least one reason for calling.")
    region = _one(params, "region", "us", data.regions, "where you are calling from", problems)
    card = _one(params, "card", next(iter(data.cards)), data.cards, "your card type", problems)
    # A lost card can't wait: unless the caller says otherwise, its checklist is for calling now.
    urgent = any(data.reasons[r].always_urgent for r in reasons)
    default = URGENT if urgent and URGENT in data.urgency else data.default_urgency
    urgency = _one(params, "urgency", default, data.urgency, "how urgent it is", problems)
    if problems:
        raise BadRequest(problems)
    return Situation(tuple(reasons), region, card, urgency)


def parse_date(params: Mapping[str, Sequence[str]], today: dt.date) -> dt.date:
    """Read the reminder date (YYYY-MM-DD, today or later); BadRequest says what to fix."""
    values = [v.strip() for v in params.get("date", ()) if v.strip()]
    example = (today + dt.timedelta(days=7)).isoformat()
    if not values:
        raise BadRequest([f"Choose the date for your reminder (YYYY-MM-DD, for example {example})."])
    if len(set(values)) > 1:
        raise BadRequest(["Give one reminder date, not several."])
    value = values[0]
    try:
        if not _DATE.match(value):
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest([f"'{_shown(value)}' is not a date: write it as YYYY-MM-DD, "
                          f"for example {example}."]) from None
    # A day's grace: the caller's today may still be our yesterday.
    if day < today - dt.timedelta(days=1):
        raise BadRequest([f"The reminder date {value} has passed: choose today or a later date."])
    if day > today + dt.timedelta(days=REMINDER_HORIZON_DAYS):
        raise BadRequest([f"The reminder date {value} is more than two years away: choose an earlier date."])
    return day


def build_checklist(book: ReasonBook, contacts: Contacts, situation: Situation) -> Checklist:
    """Everything one printed page says for `situation`."""
    data = book.file
    urgent = situation.urgency == URGENT
    plans = tuple(_plan(book, rid, urgent) for rid in situation.reasons)

    card = data.cards[situation.card]
    line = contacts.lines[card.line]
    abroad = situation.region == "abroad"
    number = line.abroad if abroad else line.us
    call = CallLine(
        name=line.name, number=number, tel=tel_uri(number), hours=line.hours,
        collect_note=data.phone.collect_note if abroad and line.collect_calls_from_abroad else "",
        trust_note=data.phone.trust_note, verify_note=contacts.verify_note)

    asked = [g for rid in situation.reasons for g in data.reasons[rid].gather] + data.always_gather
    # The card comes first: the call starts by asking for it. Of several, the most specific one says it all.
    card_item = [c for c in data.card_items if c in asked][:1]
    gather_ids = card_item + [g for g in asked if g not in data.card_items]
    gather = tuple(Item(g, data.items[g]) for g in dict.fromkeys(gather_ids))

    faq_ids = [f for rid in situation.reasons for f in data.reasons[rid].faq]
    faq_ids += data.region_faq.get(situation.region, []) + data.always_faq
    faq = tuple(_faq(data.faq[f], f in book.faq_with_numbers) for f in dict.fromkeys(faq_ids))

    channels = {p.best.id for p in plans} | {c.id for p in plans for c in p.also}
    urgency = data.urgency[situation.urgency]
    # "No rush" beside a lost card would contradict the reason's own advice to call now.
    quiet = not urgent and any(data.reasons[rid].always_urgent for rid in situation.reasons)
    return Checklist(
        situation=situation,
        title=" and ".join(p.title for p in plans),
        region_label=data.regions[situation.region].label,
        card_label=card.label,
        urgency_label=urgency.label,
        urgency_note="" if quiet else urgency.note,
        line=call,
        reasons=plans,
        gather=gather,
        tips=tuple(data.tips),
        notes=tuple(data.notes),
        escalation=tuple(EscalationView(s.title, s.text, practice_url(s.node)) for s in data.escalation),
        faq=faq,
        mail=contacts.mail if "mail" in channels else None,
    )


def _plan(book: ReasonBook, reason_id: str, urgent: bool) -> ReasonPlan:
    data = book.file
    reason = data.reasons[reason_id]
    best, why, also = reason.best, reason.why, list(reason.also)
    if urgent and reason.when_urgent:
        # Urgency changes the first choice; the usual one stays on the list.
        best, why = reason.when_urgent.best, reason.when_urgent.why
        also = [reason.best] + [c for c in also if c not in (best, reason.best)]
    return ReasonPlan(
        id=reason_id, title=reason.title, node=reason.node,
        best=_channel(book, best), why=why, also=tuple(_channel(book, c) for c in also),
        note=reason.note, opener=reason.opener,
        steps=book.shortcuts[reason_id], map_url=map_url(book.walks[reason_id]),
        practice_url=practice_url(reason.node))


def _channel(book: ReasonBook, channel_id: str) -> ChannelView:
    channel = book.file.channels[channel_id]
    return ChannelView(channel_id, channel.name, tuple(channel.steps))


def _faq(entry: FaqEntry, shows_number: bool) -> FaqView:
    return FaqView(entry.question, entry.answer, shows_number)


def _one(params: Mapping[str, Sequence[str]], name: str, default: str, allowed: Mapping, what: str,
         problems: list[str]) -> str:
    """A parameter that takes one of `allowed`; missing means `default`."""
    values = list(dict.fromkeys(v.strip().lower() for v in params.get(name, ()) if v.strip()))
    choices = " or ".join(f"'{a}'" for a in allowed)
    if not values:
        return default
    if len(values) > 1:
        problems.append(f"Choose one answer for {what}, not several ({choices}).")
        return default
    if values[0] not in allowed:
        problems.append(f"'{_shown(values[0])}' is not an answer for {what}: choose {choices}.")
        return default
    return values[0]


def _shown(value: str) -> str:
    """A bad value to echo back: cut short and without control characters (the page escapes it)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in value)
    return clean if len(clean) <= SHOWN_MAX else clean[:SHOWN_MAX] + "..."

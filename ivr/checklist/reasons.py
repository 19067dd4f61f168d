"""Reasons for calling (config/reasons.yaml): typed models, cross-checks against the flow, loading."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from ..line.practice_line import PracticeLine, Step
from ..line.errors import ConfigError
from ..line.flows import NodeId, StrictModel
from ..line.menumap import MenuMap, build_map
from ..line.prompts import placeholders
from ..line.yamlfile import load_model

Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
Region = Literal["us", "abroad"]
# Placeholders naming a telephone number: an answer using one carries the verify note.
PHONE_SUFFIXES = ("_us", "_abroad")


class Channel(StrictModel):
    """A way to reach the issuer, with the steps to use it."""

    name: str
    steps: list[str] = []


class NoteField(StrictModel):
    """One box of the notes block, and how many written lines it gets on paper."""

    id: Id
    label: str
    lines: int = Field(default=1, ge=1, le=6)


class EscalationStep(StrictModel):
    """One rung of the escalation ladder, and the node that practices it."""

    title: str
    text: str
    node: NodeId


class FaqEntry(StrictModel):
    """A question from the guide's FAQ and its answer in our words."""

    question: str
    answer: str


class Choice(StrictModel):
    """One answer to a form question, as the page shows it."""

    label: str
    note: str = ""


class CardType(Choice):
    """A card type and the contacts line that serves it."""

    line: str


class PhoneNotes(StrictModel):
    """What the number box says besides the number."""

    trust_note: str
    collect_note: str


class UrgentAdvice(StrictModel):
    """The channel to use instead when the caller says it is urgent."""

    best: Id
    why: str


class Reason(StrictModel):
    """One reason for calling and everything the checklist says about it."""

    title: str
    node: NodeId
    best: Id
    why: str
    also: list[Id] = []
    when_urgent: UrgentAdvice | None = None
    gather: list[Id] = []
    opener: str
    faq: list[Id] = []
    note: str = ""
    always_urgent: bool = False  # whatever the caller says; the urgency notes then stay quiet


class ReasonsFile(StrictModel):
    """The whole of config/reasons.yaml."""

    channels: dict[Id, Channel] = Field(min_length=1)
    items: dict[Id, str] = Field(min_length=1)
    always_gather: list[Id] = []
    card_items: list[Id] = Field(min_length=1)  # most specific first; every reason lists one
    notes: list[NoteField] = Field(min_length=1)
    tips: list[str] = []
    escalation: list[EscalationStep] = Field(min_length=1)
    faq: dict[Id, FaqEntry] = {}
    always_faq: list[Id] = []
    region_faq: dict[Region, list[Id]] = {}
    regions: dict[Region, Choice]
    cards: dict[Id, CardType] = Field(min_length=1)
    urgency: dict[Id, Choice] = Field(min_length=1)
    default_urgency: Id
    phone: PhoneNotes
    reasons: dict[Id, Reason] = Field(min_length=1)


@dataclass(frozen=True)
class ReasonBook:
    """reasons.yaml with placeholders filled, plus what start-up worked out from the flow."""

    file: ReasonsFile
    shortcuts: dict[str, tuple[Step, ...]]  # reason id -> keys from the start of a call to its node
    faq_with_numbers: frozenset[str]  # FAQ ids whose answer shows a telephone number
    path: Path
    line: PracticeLine = dataclasses.field(compare=False, repr=False)

    @cached_property
    def menu_map(self) -> MenuMap:
        """The line's menu as a tree with every route, worked out on first use: probing the menus by
        speech loads the ear's model, which start-up need not wait for."""
        return build_map(self.line)

    @cached_property
    def walks(self) -> dict[str, tuple[str, ...]]:
        """Reason id -> the nodes its keys pass through (for the menu map's links)."""
        return {rid: self.menu_map.path_to(r.node) for rid, r in self.file.reasons.items()}

    @property
    def reasons(self) -> dict[str, Reason]:
        """Reason id -> Reason, in file order."""
        return self.file.reasons

    def nodes(self) -> dict[str, str]:
        """Reason id -> the flow node it practices."""
        return {reason_id: reason.node for reason_id, reason in self.file.reasons.items()}


def load_reasons(path: Path, line: PracticeLine) -> ReasonBook:
    """Load reasons.yaml, fill placeholders from contacts, check every id; ConfigError names file and reason."""
    raw = load_model(path, ReasonsFile)
    values = line.contacts.printed()
    problems: list[str] = []
    filled = _fill(raw.model_dump(), values, (), path, problems)
    if problems:
        raise ConfigError(problems)
    book_file = ReasonsFile.model_validate(filled)
    paths = line.key_paths()
    problems = _cross_check(book_file, line, paths, path)
    if problems:
        raise ConfigError(problems)
    with_numbers = frozenset(
        faq_id for faq_id, entry in raw.faq.items()
        if any(name.endswith(PHONE_SUFFIXES) for name in placeholders(entry.answer)))
    return ReasonBook(
        file=book_file,
        shortcuts={rid: paths[r.node] for rid, r in book_file.reasons.items()},
        faq_with_numbers=with_numbers,
        path=path,
        line=line,
    )




def _fill(data, values: dict[str, str], loc: tuple, path: Path, problems: list[str]):
    """Fill {placeholders} in every string of `data`, noting unknown ones with their place."""
    if isinstance(data, dict):
        return {k: _fill(v, values, loc + (k,), path, problems) for k, v in data.items()}
    if isinstance(data, list):
        return [_fill(v, values, loc + (i,), path, problems) for i, v in enumerate(data)]
    if not isinstance(data, str):
        return data
    try:
        unknown = placeholders(data) - set(values)
    except ValueError as exc:  # a lone brace
        problems.append(f"{path}: {_place(loc)}: {exc}")
        return data
    if unknown:
        names = ", ".join(sorted("{" + u + "}" for u in unknown))
        problems.append(f"{path}: {_place(loc)}: unknown placeholder {names}; known: "
                        + ", ".join("{" + v + "}" for v in sorted(values)))
        return data
    return data.format_map(values)


def _place(loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "reasons":
        rest = ".".join(str(p) for p in loc[2:])
        return f"reason {loc[1]}" + (f", {rest}" if rest else "")
    return ".".join(str(p) for p in loc)


def _cross_check(data: ReasonsFile, line: PracticeLine, paths: dict[str, tuple], where: Path) -> list[str]:
    """Every id a reason uses must exist: flow nodes (reachable by keys), channels, items, FAQ answers."""
    problems: list[str] = []
    flow = line.flow_path.name

    def need(kind: str, ids, known, place: str) -> None:
        for item in ids:
            if item not in known:
                problems.append(f"{where}: {place}: unknown {kind} '{item}' (known: {', '.join(known)})")

    for reason_id, reason in data.reasons.items():
        place = f"reason {reason_id}"
        if reason.node not in line.nodes:
            problems.append(f"{where}: {place}: node '{reason.node}' is not a node in {flow}")
        elif reason.node not in paths:
            problems.append(f"{where}: {place}: node '{reason.node}' cannot be reached by keys from the start")
        channels = [reason.best, *reason.also] + ([reason.when_urgent.best] if reason.when_urgent else [])
        need("channel", channels, data.channels, place)
        need("item", reason.gather, data.items, place)
        about_card = [g for g in reason.gather if g in data.card_items]
        if len(about_card) != 1:
            problems.append(f"{where}: {place}: gather must list exactly one of card_items "
                            f"({', '.join(data.card_items)}), not {len(about_card)}")
        need("FAQ answer", reason.faq, data.faq, place)
    for i, step in enumerate(data.escalation):
        if step.node not in paths:
            problems.append(f"{where}: escalation[{i}]: node '{step.node}' is not a reachable node in {flow}")
    need("item", data.always_gather, data.items, "always_gather")
    need("item", data.card_items, data.items, "card_items")
    need("FAQ answer", data.always_faq, data.faq, "always_faq")
    for region, ids in data.region_faq.items():
        need("FAQ answer", ids, data.faq, f"region_faq.{region}")
    for card_id, card in data.cards.items():
        if card.line not in line.contacts.lines:
            problems.append(f"{where}: cards.{card_id}: unknown contacts line '{card.line}' "
                            f"(known: {', '.join(line.contacts.lines)})")
    if set(data.regions) != {"us", "abroad"}:
        problems.append(f"{where}: regions: must list exactly us and abroad")
    if data.default_urgency not in data.urgency:
        problems.append(f"{where}: default_urgency: unknown urgency '{data.default_urgency}'")
    return problems

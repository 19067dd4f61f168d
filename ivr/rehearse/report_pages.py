"""Saved rehearsal reports as the pages show them: item names, move names, and attempts by id."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chart import Attempt

# At most this many report ids in one progress request: the browser keeps no more than this.
MAX_IDS = 50
REPORT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what the store's unguessable ids look like

# What each item of the coach's report means, as a person reads it beside "met" or "not met".
ITEM_TITLES = {
    "stated-purpose": "Said what the call is about",
    "gave-details": "Gave the details (date, amount, merchant, card's last digits)",
    "stated-outcome": "Said what you want done",
    "stayed-polite": "Stayed polite",
    "asked-name": "Asked for the representative's name",
    "asked-reference": "Asked for a reference number",
    "asked-next-steps": "Asked what happens next, and by when",
    "confirmed": "Repeated back what was agreed",
    "escalated-well": "Escalated at the right moment",
    "held-the-line": "Held the call until a reference and next steps were given",
    "escalated-calmly": "Asked for the supervisor calmly after the second no",
}
# The caller's moves, as they are marked on the transcript.
MOVE_NAMES = {
    "purpose": "purpose",
    "details": "details",
    "outcome": "outcome",
    "ask-name": "asked name",
    "ask-reference": "asked reference",
    "ask-next-steps": "asked next steps",
    "confirm": "confirmed",
    "ask-supervisor": "asked for a supervisor",
    "formal-complaint": "formal complaint",
    "hostile": "hostile",
}


MAX_LINES, MAX_LINE_CHARS = 200, 2000  # a long rehearsal's spoken lines, each as long as a SpeechResult kept


def parse_caller_lines(data: object) -> list[str]:
    """{"lines": ["...", ...]} as the list of lines; ValueError saying what to fix."""
    lines = data.get("lines") if isinstance(data, dict) else None
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise ValueError('Send JSON like {"lines": ["what the caller said", ...]}.')
    if len(lines) > MAX_LINES:
        raise ValueError(f"Too many lines: {len(lines)} were sent and at most {MAX_LINES} are read at once.")
    if any(len(line) > MAX_LINE_CHARS for line in lines):
        raise ValueError(f"A line is too long: at most {MAX_LINE_CHARS} characters each.")
    return lines


class TooManyIds(ValueError):
    """More report ids than one progress page reads."""


def parse_ids(raw: str) -> list[str]:
    """Comma-separated ids, trimmed, blanks and repeats dropped, in the order given; TooManyIds past MAX_IDS."""
    ids = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if len(ids) > MAX_IDS:
        raise TooManyIds(f"Too many report ids: {len(ids)} were sent and at most {MAX_IDS} are read at once. "
                         f"Send the {MAX_IDS} most recent.")
    return ids


@dataclass(frozen=True)
class ItemView:
    """One item of a report, ready to show."""

    id: str
    title: str
    met: bool
    said: str
    tip: str


def item_views(report: dict) -> list[ItemView]:
    """The report's items with their titles (an unknown id is shown as itself)."""
    return [ItemView(item["id"], ITEM_TITLES.get(item["id"], item["id"]), bool(item["met"]),
                     item.get("said") or "", item.get("tip") or "") for item in report.get("items", [])]


def attempt(report_id: str, report: dict, created: float, titles: dict[str, str]) -> Attempt:
    """A stored report as one attempt on the progress chart."""
    scenario = str(report.get("scenario", ""))
    return Attempt(report_id, created, scenario, titles.get(scenario, scenario),
                   int(report["score"]), int(report["out_of"]))


@dataclass(frozen=True)
class ItemProgress:
    """One item across attempts: each attempt's verdict (None where it did not apply), and what that shows."""

    id: str
    title: str
    verdicts: tuple[bool | None, ...]
    trend: str  # "learned", "keeps being missed", "met every time", "missed", "met"


def item_progress(reports: list[dict]) -> list[ItemProgress]:
    """Every item that applied in any of the reports (oldest first), with its verdict in each."""
    seen = list(dict.fromkeys(item["id"] for report in reports for item in report.get("items", [])))
    rows = []
    for item_id in [i for i in ITEM_TITLES if i in seen] + [i for i in seen if i not in ITEM_TITLES]:
        verdicts = tuple(next((bool(i["met"]) for i in report.get("items", []) if i["id"] == item_id), None)
                         for report in reports)
        rows.append(ItemProgress(item_id, ITEM_TITLES.get(item_id, item_id), verdicts, _trend(verdicts)))
    return rows


def _trend(verdicts: tuple[bool | None, ...]) -> str:
    applied = [v for v in verdicts if v is not None]
    if all(applied):
        return "met every time" if len(applied) > 1 else "met"
    if applied[-1] and not all(applied):
        return "learned"  # missed before, met the last time
    if len(applied) >= 2 and not applied[-1] and not applied[-2]:
        return "keeps being missed"
    return "missed"

"""Try a rehearsal again: a saved report's state at the pushback (or where it first went wrong), signed into
a start URL."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from .. import store
from ..coach.state import DeskState
from ..runtime import Runtime
from ..voice.desk import scenario_start_url, sign_state
from .report_pages import REPORT_ID

LABEL = "Try again from the pushback"
LABEL_EARLY = "Try again from where it first went wrong"
PUSHBACK, FIRST_MISS = "pushback", "first-miss"
# Where a new attempt can start (the `from` of /phone?retry= and of practice --retry), each with the key
# of the report's state for it; the pushback is where it starts when none is given.
STARTS = {PUSHBACK: "resume", FIRST_MISS: "resume_early"}
LABELS = {PUSHBACK: LABEL, FIRST_MISS: LABEL_EARLY}


@dataclass(frozen=True)
class TryAgain:
    """Where a new attempt from a saved report starts."""

    report_id: str
    scenario: str
    persona: str  # the persona id ("" for the default one)
    start: str  # PUSHBACK or FIRST_MISS
    start_url: str  # /voice/rehearse/<scenario>?persona=...&resume=<signed state>


def try_again(rt: Runtime, report_id: str, start: str = PUSHBACK) -> TryAgain | None:
    """The new attempt from `start` for a saved report that offers one (its "resume" or "resume_early"),
    or None (unknown, expired, not offered)."""
    found = store.load_report(report_id, rt.settings.phone.keep_days) if REPORT_ID.match(report_id) else None
    resume = found[0].get(STARTS[start]) if found else None
    state = DeskState.from_dict(resume) if isinstance(resume, dict) else None
    if state is None or state.scenario not in rt.scenarios or (state.persona and state.persona not in
                                                                rt.scenarios.personas.personas):
        return None
    state.echo = report_id  # the new report links to this one
    return TryAgain(report_id, state.scenario, state.persona, start,
                    scenario_start_url(state.scenario, state.persona or None, resume=sign_state(state)))


def retry_url(report_id: str, start: str = PUSHBACK) -> str:
    """The phone page that tries the report again from `start` (/phone?retry=<id>[&from=first-miss])."""
    return url_for("phone.phone", retry=report_id, **({} if start == PUSHBACK else {"from": start}))


def retry_command(report_id: str, start: str = PUSHBACK) -> str:
    """The terminal command that tries the report again from `start`."""
    return f"flask --app app practice --retry {report_id}" + ("" if start == PUSHBACK else f" --from {start}")

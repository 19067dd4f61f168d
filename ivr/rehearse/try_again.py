"""Try a rehearsal again from its pushback: a saved report's state at the pushback, signed into a start URL."""

from __future__ import annotations

from dataclasses import dataclass

from .. import store
from ..coach.state import DeskState
from ..runtime import Runtime
from ..voice.desk import scenario_start_url, sign_state
from .report_pages import REPORT_ID

LABEL = "Try again from the pushback"


@dataclass(frozen=True)
class TryAgain:
    """Where a new attempt from the pushback of a saved report starts."""

    report_id: str
    scenario: str
    persona: str  # the persona id ("" for the default one)
    start_url: str  # /voice/rehearse/<scenario>?persona=...&resume=<signed state>


def try_again(rt: Runtime, report_id: str) -> TryAgain | None:
    """The new attempt for a saved report that offers one (its "resume"), or None (unknown, expired, none)."""
    found = store.load_report(report_id, rt.settings.phone.keep_days) if REPORT_ID.match(report_id) else None
    resume = found[0].get("resume") if found else None
    state = DeskState.from_dict(resume) if isinstance(resume, dict) else None
    if state is None or state.scenario not in rt.scenarios or (state.persona and state.persona not in
                                                                rt.scenarios.personas.personas):
        return None
    state.echo = report_id  # the new report links to this one
    return TryAgain(report_id, state.scenario, state.persona,
                    scenario_start_url(state.scenario, state.persona or None, resume=sign_state(state)))

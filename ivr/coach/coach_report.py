"""The coach's report on a rehearsal, and its spoken summary (about 30 seconds at most)."""

from __future__ import annotations

from ..line.practice_line import Segment
from .details import shown
from .rubric import score
from .scenarios import ScenarioBook
from .state import DeskState, Fact, pushback_state
from .tips import fitted_tip

MAX_WELL = 2  # things that went well, said on the phone
MAX_TRY = 2  # things to try next time, said on the phone
# Items whose moment comes at or after the representative's pushback: missing one, the caller can try again
# from there instead of from the start.
AFTER_PUSHBACK = frozenset({"escalated-well", "escalated-calmly", "held-the-line", "asked-name", "asked-reference",
                            "asked-next-steps", "confirmed"})
# Items due before it, each when the representative asked for its piece, in the order they are asked for:
# missing one, the caller can also try again from where the first of them was due.
DUE_BEFORE_PUSHBACK = {"stated-purpose": Fact.PURPOSE, "gave-details": Fact.DETAILS, "stated-outcome": Fact.OUTCOME}


def build_report(book: ScenarioBook, state: DeskState) -> dict:
    """The report: {"scenario", "score", "out_of", "items": [{"id", "met", "said", "tip"}], "summary"}.

    Only the items that applied are listed, so out_of == len(items); `said` quotes the caller's own
    words (digit runs masked); `summary` is the text of the spoken summary. When the representative took
    details down, "details" shows them ({"amount": "$149.99", "date": "November 24th", "merchant": ...}).
    "persona" / "persona_title" name the representative; "resume" is the state to try again from at the
    pushback, for a call that reached it and missed an item due before it or after it; "resume_early"
    (beside it) the state at the moment the first missed item was due, when that was before the pushback
    (the representative asking for the purpose, details or outcome). "retry_of" is the report this attempt
    tried again.
    """
    items = score(book, state)
    report = {
        "scenario": state.scenario or book.file.default_scenario,
        "score": sum(1 for item in items if item.met),
        "out_of": len(items),
        "items": [{"id": i.id, "met": i.met, "said": i.said,
                   "tip": _words(book, fitted_tip(book, state, i.id, quote=not i.met))} for i in items],
        "summary": " ".join(_words(book, p) for p in spoken_summary(book, state)),
    }
    if state.heard:
        report["details"] = shown(state.heard)
    report["persona"] = book.persona_id(state.persona)
    report["persona_title"] = book.persona(state.persona).title
    if state.echo:
        report["retry_of"] = state.echo  # the report this attempt tried again (from either start)
    missed = [item.id for item in items if not item.met]
    due = next((DUE_BEFORE_PUSHBACK[i] for i in DUE_BEFORE_PUSHBACK if i in missed), None)
    resume = pushback_state(state)
    if resume is not None and (due is not None or AFTER_PUSHBACK.intersection(missed)):
        report["resume"] = resume.to_dict()  # "Try again from the pushback" (signed again when offered)
        if due is not None:  # "Try again from where it first went wrong": before the pushback, from `due`
            report["resume_early"] = pushback_state(state, due=due).to_dict()
    return report


def _words(book: ScenarioBook, part: str | Segment) -> str:
    return part.text if isinstance(part, Segment) else book.text(part)


def spoken_summary(book: ScenarioBook, state: DeskState) -> list[str | Segment]:
    """Prompt ids of the summary: what went well, then the two most useful things to try next time."""
    items = {item.id: item for item in score(book, state)}
    order = [item_id for item_id in book.file.rubric if item_id in items]  # most useful first
    well = [items[i] for i in order if items[i].met][:MAX_WELL]
    missed = [items[i] for i in order if not items[i].met][:MAX_TRY]
    said = ["coach-intro"]
    said += ["coach-went-well", *(book.file.rubric[i.id].well for i in well)] if well else ["coach-none-met"]
    if missed:
        said += ["coach-try-next" if len(missed) > 1 else "coach-try-one",
                 *(fitted_tip(book, state, i.id) for i in missed)]
    else:
        said.append("coach-all-met")
    return said + ["coach-outro"]


"""The coach's state made explicit: facts are an enum, the turn-taking is one table, and no import circle."""

from __future__ import annotations

import pytest
from test_layout import IVR, imports_of

from ivr.coach.state import DeskState, Fact, answered_key, pushback_state
from ivr.coach.turn_taking import ANY, TABLE, Event, Phase, lookup, phase_of

COACH = IVR / "coach"


def coach_graph() -> dict[str, set[str]]:
    """ivr.coach module -> the ivr.coach modules it imports."""
    names = {path.stem for path in COACH.glob("*.py") if path.stem != "__init__"}
    graph = {}
    for name in names:
        found = imports_of(COACH / f"{name}.py")
        graph[name] = {other for other in names if f"ivr.coach.{other}" in found}
    return graph


def test_the_coach_modules_import_each_other_in_no_circle():
    graph = coach_graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import circle: {' -> '.join(path + (name,))}"
        if name in done:
            return
        for other in graph[name]:
            visit(other, path + (name,))
        done.add(name)

    for name in graph:
        visit(name, ())
    # The state is at the bottom: dialogue, rubric and the report read it, and it reads none of them.
    assert {"dialogue", "rubric", "coach_report"} <= {name for name, uses in graph.items() if "state" in uses}
    assert graph["state"] <= {"scenarios"}


def test_facts_are_the_strings_a_signed_state_holds():
    state = DeskState(scenario="unknown-charge", facts={Fact.SUP_EARLY, Fact.AT_SUP, Fact.skip(Fact.DETAILS)})
    data = state.to_dict()
    assert data["f"] == ["at-sup", "skip-details", "sup-early"]
    assert DeskState.from_dict(data) == state
    assert "at-sup" in DeskState.from_dict(data).facts  # the voice line's own check still reads
    assert DeskState.from_dict({**data, "f": ["no-such-fact"]}) is None


def test_a_state_signed_before_the_new_fields_still_reads():
    old = {"v": 1, "s": "unknown-charge", "d": "representative", "f": ["answered", "purpose"], "q": {"purpose": "hi"},
           "a": {}, "i": 0, "z": 0, "t": 3, "e": False, "b": 4}
    state = DeskState.from_dict(old)
    assert state.facts == {Fact.ANSWERED, Fact.PURPOSE} and state.before == 4
    assert state.to_dict() == old  # new fields left out while unset: the same token as before


def test_a_line_that_did_not_give_a_piece_is_kept_only_until_the_piece_is_given():
    state = DeskState(scenario="unknown-charge")
    state.said[answered_key(Fact.PURPOSE)] = "hi there"
    assert state.to_dict()["q"] == {"when-purpose": "hi there"}
    state.note(Fact.PURPOSE, "i'm calling about a charge")
    assert state.to_dict()["q"] == {"purpose": "i'm calling about a charge"}  # the vague line is not carried on


@pytest.mark.parametrize("due, facts, heard", [
    (Fact.PURPOSE, [], {}),
    (Fact.DETAILS, ["purpose"], {}),
    (Fact.OUTCOME, ["details", "details-ok", "purpose", "read-back"], {"amount": "84.20"}),
    (None, ["answered", "details", "details-ok", "outcome", "purpose", "read-back"], {"amount": "84.20"}),
])
def test_a_rehearsal_is_tried_again_from_the_moment_a_piece_was_due_or_from_the_pushback(due, facts, heard):
    state = DeskState(scenario="unknown-charge", persona="rushed", heard={"amount": "84.20"}, turns=9,
                      facts={Fact.PURPOSE, Fact.DETAILS, Fact.READ_BACK, Fact.DETAILS_OK, Fact.OUTCOME, Fact.ANSWERED,
                             Fact.NAME, Fact.HOSTILE},
                      said={"purpose": "p", "details": "d", "outcome": "o", "name": "n", "hostile": "h",
                            "goodbye": "g"})
    again = pushback_state(state, "r1", due=due).to_dict()
    assert (again["f"], again.get("h", {}), again["t"], again["p"], again["r"]) == (facts, heard, 0, "rushed", "r1")
    assert again["q"] == {fact: state.said[fact] for fact in facts if fact in state.said}
    assert pushback_state(DeskState(scenario="unknown-charge", facts={Fact.PURPOSE}), due=due) is None  # no pushback


@pytest.mark.parametrize("facts, desk, ended, phase", [
    (set(), "representative", False, Phase.ASKING),
    ({Fact.ANSWERED}, "representative", False, Phase.PUSHED_BACK),
    ({Fact.AT_SUP}, "supervisor", False, Phase.SUPERVISOR),
    ({Fact.AT_SUP, Fact.OFFERED}, "supervisor", False, Phase.OFFERED),
    ({Fact.ANSWERED}, "representative", True, Phase.ENDED),
])
def test_the_phase_follows_from_the_state(facts, desk, ended, phase):
    assert phase_of(DeskState(desk=desk, facts=facts, ended=ended)) == phase


def test_the_table_answers_every_event_a_turn_can_raise_in_every_phase():
    phases = [Phase.ASKING, Phase.PUSHED_BACK, Phase.SUPERVISOR, Phase.OFFERED]
    everywhere = {row.event for row in TABLE if row.phase == ANY}
    assert {Event.SILENCE, Event.GOODBYE, Event.ASK_NAME, Event.HOSTILE} <= everywhere
    for phase in phases:
        assert lookup(phase, Event.BACK).to in (Phase.LEFT, Phase.REPRESENTATIVE)
        assert lookup(phase, Event.ASK_SUPERVISOR)
    assert lookup(Phase.ASKING, Event.ALL_KNOWN).to == Phase.PUSHED_BACK
    assert lookup(Phase.PUSHED_BACK, Event.ASK_SUPERVISOR).to == Phase.SUPERVISOR
    assert lookup(Phase.SUPERVISOR, Event.ANYTHING).to == Phase.OFFERED
    assert lookup(Phase.ENDED, Event.REPLAYED).to == Phase.ENDED
    assert len({(row.phase, row.event) for row in TABLE}) == len(TABLE)  # one row per (phase, event)


def test_a_caller_who_never_names_a_purpose_is_not_asked_for_ever(app):
    """Details given three times with no purpose: the representative carries on with the general scenario."""
    from ivr.coach.dialogue import Heard, enter, step

    book = app.extensions["practice_line"].scenarios
    state, _reply = enter(book, None)
    for _ in range(4):
        state, reply = step(book, state, Heard(speech="details"), lambda _text: ["details"])
    assert state.scenario == book.file.default_scenario
    assert reply.listen


"""Good caller against poor caller, for every scenario and persona: the coach's score of each.

    .venv/bin/python scripts/rehearsal_scores.py

The callers are the scripted ones of tests/test_rehearsals.py, walked through ivr.coach.dialogue (the
same conversation the webhooks run) with the app's own recognizer; a good caller holds the line as each
persona needs (a calm second ask against by-the-book).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_rehearsals import (  # noqa: E402  (the scripted callers live with the tests)
    EARLY, FORMAL, GOODBYE, GUIDE_WORDS, HOSTILE, INSIST, NAME, NEXT_STEPS, REFERENCE, SUPERVISOR, YES,
)

from app import app  # noqa: E402
from ivr.coach.coach_report import build_report  # noqa: E402
from ivr.coach.dialogue import Heard, enter, step  # noqa: E402


def good_lines(book, scenario_id: str, persona: str) -> list[str]:
    purpose, details, outcome, confirmation = GUIDE_WORDS[scenario_id]
    scenario = book.get(scenario_id)
    lines = [purpose, details, *([YES] if scenario.capture else []), outcome]
    lines += [SUPERVISOR] * (2 if persona == "by-the-book" else 1) + [NAME]
    lines += [] if scenario.supervisor_resolves else [FORMAL]
    return lines + [REFERENCE, NEXT_STEPS, confirmation, GOODBYE]


def poor_lines(scenario_id: str) -> list[str]:
    return [EARLY, GUIDE_WORDS[scenario_id][0], HOSTILE, INSIST, GOODBYE]


def score(book, recognize, scenario_id: str, persona: str, lines: list[str]) -> str:
    state, _reply = enter(book, scenario_id, persona=persona)
    for line in lines:
        state, _reply = step(book, state, Heard(speech=line), recognize)
    report = build_report(book, state)
    return f"{report['score']}/{report['out_of']}"


def main() -> None:
    rt = app.extensions["practice_line"]
    book, recognize = rt.scenarios, rt.recognizer.recognize
    personas = list(book.personas.personas)
    print("| scenario | " + " | ".join(f"{p}: good / poor" for p in personas) + " |")
    print("|---|" + "---|" * len(personas))
    for scenario_id in book.scenarios:
        cells = [f"{score(book, recognize, scenario_id, p, good_lines(book, scenario_id, p))} / "
                 f"{score(book, recognize, scenario_id, p, poor_lines(scenario_id))}" for p in personas]
        print(f"| {scenario_id} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

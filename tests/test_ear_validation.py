"""scripts/ear_validation.py: the main menu scored on CLINC150's validation rows (here, a few written for the test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.ear_validation import score, summary, validation_rows  # noqa: E402

pytestmark = pytest.mark.shared_app
# Shaped like data_full.json; "test" and "oos_test" rows are there to show they are never read.
DATA = {
    "val": [["i lost my credit card on the bus", "report_lost_card"], ["my rewards points balance please", "rewards_balance"],
            ["what is my credit limit", "credit_limit"], ["how do i book a flight", "book_flight"]],
    "oos_val": [["what is the weather like in paris"]],
    "test": [["never read: a test row", "report_lost_card"]], "oos_test": [["never read either"]],
}


def test_only_validation_rows_of_labels_the_line_places_are_read():
    rows = validation_rows(DATA)
    assert rows == [("i lost my credit card on the bus", "report_lost_card"),
                    ("my rewards points balance please", "rewards_balance"),
                    ("what is my credit limit", "credit_limit"), ("what is the weather like in paris", "oos")]


def test_callers_are_scored_at_the_main_menu(app):
    found = score(app.extensions["practice_line"].line.ear, validation_rows(DATA))
    assert found["report_lost_card"]["right"] == 1 and found["rewards_balance"]["right"] == 1
    assert found["credit_limit"] == {"kept off": 1} and found["oos"] == {"kept off": 1}
    assert summary(found) == {"right": 1.0, "asked": 0.0, "wrong": 0.0, "no_branch_reaching": 0.0,
                              "out_of_scope_reaching": 0.0}


def test_the_script_prints_the_figures(tmp_path):
    path = tmp_path / "data_full.json"
    path.write_text(json.dumps(DATA))
    done = subprocess.run([sys.executable, "scripts/ear_validation.py", str(path)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120, check=True)
    assert done.stdout.splitlines() == ["in scope: right branch 100.0% (asked first 0.0%), wrong branch 0.0%",
                                        "card topics with no branch reaching a branch: 0.0%",
                                        "out of scope reaching a branch: 0.0%"]

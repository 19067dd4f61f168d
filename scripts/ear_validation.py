"""The main menu's ear on CLINC150's validation split: how many callers reach the right branch.

Run: .venv/bin/python scripts/ear_validation.py PATH/TO/data_full.json [-v]

data_full.json is CLINC150 (github.com/clinc/oos-eval, data/data_full.json, CC BY 3.0); it is not kept
in this repository. Only its "val" and "oos_val" rows are read: the ear trains on the training split
alone (ivr/ear/data/sources.yaml), and no test split is read here. Each row is said at the main menu of
the committed model; "right" counts a "did you mean" about the right branch, as a caller who says yes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import create_app  # noqa: E402

# CLINC150 labels -> the main-menu branch they belong to; None: a card topic this line has no branch for.
BRANCHES = {"report_lost_card": "lost-card", "report_fraud": "dispute", "damaged_card": "damaged-card",
            "rewards_balance": "rewards", "redeem_rewards": "rewards", "application_status": "applications",
            "new_card": "applications"}
NO_BRANCH = ("credit_limit", "apr", "pin_change", "card_declined", "expiration_date", "replacement_card_duration",
             "credit_limit_change", "interest_rate")
OUT_OF_SCOPE = "oos"


def validation_rows(data: dict) -> list[tuple[str, str]]:
    """(text, CLINC label) for the validation rows this line has a place for, and every out-of-scope one."""
    rows = [(text, label) for text, label in data["val"] if label in BRANCHES or label in NO_BRANCH]
    return rows + [(row[0], OUT_OF_SCOPE) for row in data["oos_val"]]


def score(ear, rows: list[tuple[str, str]]) -> dict[str, Counter]:
    """For each label: right, asked (a did-you-mean, right or not), wrong or none; or, off the menu, branch or kept."""
    found: dict[str, Counter] = {}
    for text, label in rows:
        heard = ear.hear("main", text)
        branch = heard.choice if heard.choice and not heard.choice.startswith("@") else None
        counts = found.setdefault(label, Counter())
        if label in BRANCHES:
            counts["right" if branch == BRANCHES[label] else "wrong" if branch else "none"] += 1
            counts["asked"] += bool(branch and not heard.sure)
        else:
            counts["branch" if branch else "kept off"] += 1
    return found


def summary(found: dict[str, Counter]) -> dict[str, float]:
    """The issue's figures: shares of in-scope callers right, asked and wrong; of the rest reaching a branch."""
    def total(labels, key):
        return sum(found.get(label, Counter())[key] for label in labels)

    in_scope = total(BRANCHES, "right") + total(BRANCHES, "wrong") + total(BRANCHES, "none")
    no_branch = total(NO_BRANCH, "branch") + total(NO_BRANCH, "kept off")
    off = total([OUT_OF_SCOPE], "branch") + total([OUT_OF_SCOPE], "kept off")
    return {"right": total(BRANCHES, "right") / max(in_scope, 1), "asked": total(BRANCHES, "asked") / max(in_scope, 1),
            "wrong": total(BRANCHES, "wrong") / max(in_scope, 1),
            "no_branch_reaching": total(NO_BRANCH, "branch") / max(no_branch, 1),
            "out_of_scope_reaching": total([OUT_OF_SCOPE], "branch") / max(off, 1)}


def main() -> None:
    """Score the committed model and print the figures (-v: per label too)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clinc", type=Path, help="CLINC150's data/data_full.json")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each label's counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        ear = create_app({"INSTANCE_PATH": instance}).extensions["practice_line"].line.ear
        found = score(ear, validation_rows(json.loads(args.clinc.read_text())))
    if args.verbose:
        for label, counts in sorted(found.items()):
            print(f"  {label:28} {dict(counts)}")
    figures = summary(found)
    print(f"in scope: right branch {figures['right']:.1%} (asked first {figures['asked']:.1%}), "
          f"wrong branch {figures['wrong']:.1%}")
    print(f"card topics with no branch reaching a branch: {figures['no_branch_reaching']:.1%}")
    print(f"out of scope reaching a branch: {figures['out_of_scope_reaching']:.1%}")


if __name__ == "__main__":
    main()

"""Copy the TRAINING splits of two public intent data sets into ivr/ear/data/public/ (never a test split).

Run: .venv/bin/python scripts/ear_import_public.py BANKING77_REPO CLINC_REPO
where each is a git checkout (or bare mirror) of github.com/PolyAI-LDN/task-specific-datasets and
github.com/clinc/oos-eval. Only the intents ivr/ear/data/sources.yaml names are kept, each row with
its original label, so the mapping to this line's intents stays in one reviewed file.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "ivr" / "ear" / "data"


def show(repo: str, path: str) -> str:
    """One file of a git repository at HEAD."""
    return subprocess.run(["git", "-C", repo, "show", f"HEAD:{path}"], check=True, capture_output=True,
                          text=True).stdout


def main(banking_repo: str, clinc_repo: str) -> None:
    sources = yaml.safe_load((DATA / "sources.yaml").read_text())
    wanted = sources["banking77"]["labels"]
    rows = [r for r in csv.DictReader(io.StringIO(show(banking_repo, "banking_data/train.csv")))
            if r["category"] in wanted]
    with open(DATA / "public" / "banking77-train.tsv", "w", encoding="utf-8") as out:
        out.write("# PolyAI banking77, training split only (CC-BY-4.0). text<TAB>original label\n")
        for r in rows:
            out.write(f"{' '.join(r['text'].split())}\t{r['category']}\n")
    clinc = json.loads(show(clinc_repo, "data/data_oos_plus.json"))
    wanted = sources["clinc150"]["labels"]
    with open(DATA / "public" / "clinc150-train.tsv", "w", encoding="utf-8") as out:
        out.write("# CLINC150 (oos-eval, data_oos_plus), training split only (CC-BY-3.0). text<TAB>original label\n")
        for text, label in clinc["train"] + clinc["oos_train"]:
            if label in wanted:
                out.write(f"{' '.join(text.split())}\t{label}\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""The menu ear's labeled sentences: the line's own examples and the training splits of public data sets."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import yaml

DATA = Path(__file__).resolve().parent / "data"
MENU = DATA / "menu"
OWN_TRAINING = ("train-a.txt", "train-b.txt", "train-c.txt", "train-d.txt", "train-e.txt", "train-f.txt",
                "train-g.txt", "train-h.txt", "train-i.txt", "train-j.txt")
HELDOUT = MENU / "heldout.txt"
SOURCES = DATA / "sources.yaml"


class Example(NamedTuple):
    """One sentence and its intent, with where it came from (file:line) for reports."""

    text: str
    intent: str
    origin: str


def read_headed(path: Path) -> list[Example]:
    """Sentences grouped under `## intent` headings; '#' lines are comments, blank lines are skipped."""
    out, intent = [], None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("## "):
            intent = line[3:].strip()
        elif line and not line.startswith("#"):
            if intent is None:
                raise ValueError(f"{path}:{number}: a sentence before any '## intent' heading")
            out.append(Example(line, intent, f"{path.name}:{number}"))
    return out


def read_public(name: str, source: dict) -> list[Example]:
    """A public data set's rows whose original label sources.yaml maps, at most its cap per label."""
    labels, caps = source["labels"], source.get("caps", {})
    seen: Counter[str] = Counter()
    out = []
    path = DATA / source["file"]
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.startswith("#") or not raw.strip():
            continue
        text, _, label = raw.rpartition("\t")
        intent = labels.get(label)
        if intent is None:
            continue
        cap = caps.get(label, caps.get(intent, source["cap"]))
        if seen[label] < cap:
            seen[label] += 1
            out.append(Example(text, intent, f"{name}:{number}"))
    return out


def training_files() -> list[Path]:
    """Every file the menu model is trained from, in a fixed order (their hash is recorded in the model)."""
    sources = yaml.safe_load(SOURCES.read_text())
    return [MENU / f for f in OWN_TRAINING] + [SOURCES] + [DATA / s["file"] for s in sources.values()]


def training_examples(own_only: bool = False) -> list[Example]:
    """The line's own training examples, then (unless `own_only`) each public data set's mapped rows."""
    out = [e for f in OWN_TRAINING for e in read_headed(MENU / f)]
    if own_only:
        return out
    for name, source in yaml.safe_load(SOURCES.read_text()).items():
        out += read_public(name, source)
    return out


def heldout_examples() -> list[Example]:
    """The line's own held-out sentences: never trained on."""
    return read_headed(HELDOUT)


def files_digest(paths: list[Path], extra: str = "") -> str:
    """sha256 over the files' names and bytes (and `extra`, the training settings): what a model was made from."""
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()

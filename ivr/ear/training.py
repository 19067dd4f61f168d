"""Train the ear's two models with scikit-learn and export them for the small scorer (`flask --app app ear train`).

Only this module imports scikit-learn and numpy, and only the train command imports it: the app
serves the exported files with ivr.ear.linear. Training is deterministic (lbfgs, no shuffling, no
random state), so the same data gives the same file; its sha256 is recorded in the model.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import datasets
from .features import features
from .linear import export

MENU_MODEL = datasets.DATA / "menu-model.json"
# What a sentence's features are is part of what a model is made from (even their order: scikit-learn
# sums in it), so the featurizer's source is hashed with the data.
FEATURES = Path(__file__).resolve().parent / "features.py"
MOVES_MODEL = datasets.DATA / "moves-model.json"
# Chosen by measurement (docs/ear.md): the line's own examples weigh more than the public data sets'
# rows, which outnumber them ten to one; weights smaller than PRUNE are dropped from the file.
MENU_SETTINGS = {"C": 10.0, "own_weight": 5.0, "min_df": 2, "prune": 0.02, "features": "w+p+char3-5"}
MOVES_SETTINGS = {"C": 20.0, "min_df": 1, "prune": 0.02, "features": "w+p+char3-5"}


def menu_digest() -> str:
    """What the menu model is made from: its training files and settings."""
    return datasets.files_digest(datasets.training_files() + [FEATURES], json.dumps(MENU_SETTINGS, sort_keys=True))


def _vectorizer(min_df: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    import numpy as np

    return TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=min_df, dtype=np.float64)


def _pruned(coef, prune: float):
    """The weights as exported: those smaller than `prune` zeroed."""
    import numpy as np

    return np.where(np.abs(coef) >= prune, coef, 0.0)


def fit_menu(examples=None, settings: dict | None = None):
    """A fitted (vectorizer, LogisticRegression) on the menu's training examples (MENU_SETTINGS unless `settings`)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    examples = examples if examples is not None else datasets.training_examples()
    s = settings or MENU_SETTINGS
    vectorizer = _vectorizer(s["min_df"])
    matrix = vectorizer.fit_transform([e.text for e in examples])
    weights = np.array([s["own_weight"] if not e.origin.split(":")[0] in ("banking77", "clinc150") else 1.0
                        for e in examples])
    model = LogisticRegression(C=s["C"], max_iter=3000, class_weight=s.get("class_weight"))
    model.fit(matrix, [e.intent for e in examples], sample_weight=weights)
    return vectorizer, model


def train_menu(path: Path = MENU_MODEL) -> dict:
    """Train the menu model and write it to `path`; returns what was recorded in it."""
    examples = datasets.training_examples()
    vectorizer, model = fit_menu(examples)
    full = model.classes_[model.decision_function(vectorizer.transform([e.text for e in examples])).argmax(1)]
    model.coef_ = _pruned(model.coef_, MENU_SETTINGS["prune"])
    pruned = model.predict(vectorizer.transform([e.text for e in examples]))
    meta = {"data_sha256": menu_digest(), "settings": MENU_SETTINGS, "examples": len(examples),
            "features": len(vectorizer.vocabulary_),
            "same_as_unpruned": round(float((full == pruned).mean()), 4)}
    export(path, list(model.classes_), vectorizer.vocabulary_, vectorizer.idf_, model.coef_, model.intercept_,
           False, meta, MENU_SETTINGS["prune"])
    return meta


MOVES_DATA = datasets.DATA / "moves"
MOVES_TRAINING = (MOVES_DATA / "tune.tsv", MOVES_DATA / "train-extra.tsv")


def moves_digest() -> str:
    """What the moves model is made from: its training files and settings."""
    return datasets.files_digest([*MOVES_TRAINING, FEATURES], json.dumps(MOVES_SETTINGS, sort_keys=True))


def read_moves(path: Path) -> list[tuple[str, frozenset[str]]]:
    """(utterance, moves) rows of a moves TSV; '#' lines are comments."""
    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            text, _, labels = raw.partition("\t")
            rows.append((text.strip(), frozenset(m.strip() for m in labels.split(",") if m.strip())))
    return rows


def fit_moves(rows, moves: tuple[str, ...]):
    """A fitted vectorizer and one binary LogisticRegression per move (one vs. the rest)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    s = MOVES_SETTINGS
    vectorizer = _vectorizer(s["min_df"])
    matrix = vectorizer.fit_transform([text for text, _ in rows])
    coef, intercept = [], []
    for move in moves:
        model = LogisticRegression(C=s["C"], max_iter=3000, class_weight="balanced")
        model.fit(matrix, np.array([move in labels for _, labels in rows]))
        coef.append(model.coef_[0])
        intercept.append(model.intercept_[0])
    return vectorizer, np.array(coef), np.array(intercept)


def train_moves(moves: tuple[str, ...], path: Path = MOVES_MODEL) -> dict:
    """Train the moves model for the coach's `moves` (its fixed vocabulary) and write it to `path`."""
    rows = [row for p in MOVES_TRAINING for row in read_moves(p)]
    vectorizer, coef, intercept = fit_moves(rows, moves)
    meta = {"data_sha256": moves_digest(), "settings": MOVES_SETTINGS, "examples": len(rows),
            "features": len(vectorizer.vocabulary_)}
    export(path, list(moves), vectorizer.vocabulary_, vectorizer.idf_, _pruned(coef, MOVES_SETTINGS["prune"]),
           intercept, True, meta, MOVES_SETTINGS["prune"])
    return meta

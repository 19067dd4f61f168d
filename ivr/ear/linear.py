"""A trained linear text model served without scikit-learn: tf-idf weighted features, dot products, softmax or sigmoid.

The model file is what `flask --app app ear train` exports from scikit-learn (see docs/ear.md): the
vocabulary, each feature's idf and its non-zero weights per label, and one bias per label. Scoring a
sentence repeats TfidfVectorizer(sublinear_tf=True, norm="l2") and the classifier's decision
function, so it gives scikit-learn's scores (tests/test_ear.py checks it), without numpy in the app
(numpy would cost each worker 16 MB and the import 0.13 s). The file keeps the weights sparse, as
packed arrays (base64 in the JSON): parsing 200,000 floats one by one would leave a worker 40 MB bigger.
"""

from __future__ import annotations

import base64
import json
import math
from array import array
from collections import Counter
from pathlib import Path

from .features import features

FORMAT = 2


def _pack(kind: str, values) -> str:
    return base64.b64encode(array(kind, values).tobytes()).decode("ascii")


def unpack(kind: str, text: str) -> array:
    """A packed array from a model file (base64 of its machine bytes)."""
    out = array(kind)
    out.frombytes(base64.b64decode(text))
    return out


class LinearModel:
    """Scores a sentence against every label; built from a model file, then only read.

    The weights are held as one row per feature, every label's weight times the feature's idf, as
    32-bit floats (a 37-label model's 23,000 rows take 3.4 MB). A sentence's score is then the sum
    of its features' rows, which zip() and sum() add up in C: three times faster than adding the
    sparse weights one at a time in Python, and the reason a webhook can afford the ear.
    """

    def __init__(self, raw: dict):
        self.labels: tuple[str, ...] = tuple(raw["labels"])
        self.bias: tuple[float, ...] = tuple(raw["bias"])
        self.multilabel: bool = bool(raw["multilabel"])
        self.meta: dict = raw["meta"]  # what the model was made from: data_sha256, settings, sizes
        self.index = {feature: i for i, feature in enumerate(raw["features"].split("\n"))}
        self.idf = unpack("d", raw["idf"])
        offsets, label_of, weight_of = unpack("i", raw["offsets"]), unpack("b", raw["label_of"]), \
            unpack("d", raw["weight_of"])  # feature i's weights are [offsets[i], offsets[i + 1])
        width = len(self.labels)
        self.rows = array("f", bytes(4 * width * len(self.index)))
        for i, idf in enumerate(self.idf):
            at = i * width
            for k in range(offsets[i], offsets[i + 1]):
                self.rows[at + label_of[k]] = weight_of[k] * idf

    def decision(self, text: str) -> list[float]:
        """The raw score of each label (scikit-learn's decision_function)."""
        index, idf, table, width = self.index, self.idf, self.rows, len(self.labels)
        rows = []
        norm = 0.0
        for feature, count in Counter(features(text)).items():
            i = index.get(feature)
            if i is None:
                continue
            row = table[i * width:(i + 1) * width]  # feature i's weight for each label, times its idf
            if count == 1:  # nearly every feature: its row as it is
                norm += idf[i] * idf[i]
                rows.append(row)
            else:  # sublinear tf: 1 + log(count)
                tf = 1.0 + math.log(count)
                norm += (tf * idf[i]) ** 2
                rows.append([weight * tf for weight in row])
        if not rows:
            return list(self.bias)
        scale = 1.0 / math.sqrt(norm)
        return [bias + scale * sum(column) for bias, column in zip(self.bias, zip(*rows))]

    def probabilities(self, text: str) -> list[float]:
        """Each label's probability: softmax over labels, or a sigmoid per label for a multi-label model."""
        scores = self.decision(text)
        if self.multilabel:
            return [1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, s)))) for s in scores]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """(label, probability) pairs, most likely first."""
        return sorted(zip(self.labels, self.probabilities(text)), key=lambda pair: -pair[1])


def load_model(path: Path) -> LinearModel:
    """Read a model file written by `ear train`; ValueError naming the file if it is not one."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT:
            raise ValueError(f"format {raw.get('format')!r}, expected {FORMAT}")
        return LinearModel(raw)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a model file from `flask --app app ear train` ({exc})") from exc


def export(path: Path, labels: list[str], vocabulary: dict[str, int], idf, coef, intercept, multilabel: bool,
           meta: dict, prune: float) -> None:
    """Write a model file from a fitted vectorizer's vocabulary and idf and a linear classifier's weights.

    Weights under `prune` in size are left out: training zeroes them in the classifier too, so the
    file is exactly the model that was measured.
    """
    names, idfs, offsets, label_of, weight_of = [], [], [0], [], []
    for feature, column in sorted(vocabulary.items()):
        # A feature with no weight left is kept all the same: it still counts in a sentence's norm.
        names.append(feature)
        idfs.append(float(idf[column]))
        for label in range(coef.shape[0]):
            if abs(coef[label, column]) >= prune:
                label_of.append(label)
                weight_of.append(float(coef[label, column]))
        offsets.append(len(label_of))
    body = {"format": FORMAT, "multilabel": multilabel, "labels": list(labels),
            "bias": [float(b) for b in intercept], "meta": meta, "features": "\n".join(names),
            "idf": _pack("d", idfs), "offsets": _pack("i", offsets), "label_of": _pack("b", label_of),
            "weight_of": _pack("d", weight_of)}
    path.write_text(json.dumps(body, indent=0, sort_keys=True) + "\n", encoding="utf-8")

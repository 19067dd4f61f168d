"""Compare candidate menu models on the same data: accuracy, out-of-scope recall, load time, memory, time per sentence.

Run: .venv/bin/python scripts/ear_compare.py   (needs requirements-dev.txt; fastText: pip install fasttext-wheel)
Each candidate trains on the ear's training examples less every fifth public row, which is kept for
validation with the held-out set (ivr/ear/data/menu/heldout.txt). The linear model is measured as
the app serves it (ivr/ear/linear.py), fastText through its own Python module. Memory is the growth
of this process's VmRSS when the model loads.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.ear import datasets, training  # noqa: E402
from ivr.ear.features import words  # noqa: E402
from ivr.ear.intents import OUT_OF_SCOPE  # noqa: E402
from ivr.ear.linear import export, load_model  # noqa: E402
from ivr.ear.menu_ear import MenuEar  # noqa: E402
from ivr.ear.menu_report import main_menu_score  # noqa: E402
from ivr.line import load_line  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


LOAD = """
import sys, time
from pathlib import Path
def rss():
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS"))
    return int(line.split()[1]) / 1024
{imports}
before, started = rss(), time.perf_counter()
model = {load}
print(f"loads in {{time.perf_counter() - started:.2f}} s, +{{rss() - before:.1f}} MB resident")
"""


def load_cost(imports: str, load: str) -> str:
    """Load time and resident-memory growth of loading a model, in a fresh Python (after its imports)."""
    code = LOAD.format(imports=imports, load=load)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=ROOT).stdout.strip().splitlines()[-1]


def measure(name: str, predict, rows) -> str:
    """Accuracy, out-of-scope recall and median time per sentence of `predict` on `rows`."""
    times, right, oos, oos_right = [], 0, 0, 0
    for example in rows:
        started = time.perf_counter()
        guess = predict(example.text)
        times.append(time.perf_counter() - started)
        right += guess == example.intent
        if example.intent == OUT_OF_SCOPE:
            oos += 1
            oos_right += guess == OUT_OF_SCOPE
    return (f"{name}: accuracy {right / len(rows):.3f}, out-of-scope recall {oos_right / max(oos, 1):.3f}, "
            f"median {statistics.median(times) * 1000:.3f} ms")


def main_menu_summary(ear: MenuEar, rows) -> str:
    """What the main menu does with `rows`, as the issue's targets count it."""
    s = main_menu_score(ear, rows)
    return (f"right branch {s.share(s.in_scope, 'right', 'asked-right'):.1%} (asked first "
            f"{s.share(s.in_scope, 'asked-right', 'asked-wrong'):.1%}), wrong {s.share(s.in_scope, 'wrong', 'asked-wrong'):.1%}; "
            f"no-branch reaching or asked about a branch {s.share(s.no_branch, 'branch', 'asked'):.1%}; "
            f"out of scope {s.share(s.out_of_scope, 'branch', 'asked'):.1%}")


def micro_f1(recognize, rows) -> str:
    """Micro-F1 and recall of `recognize` on (utterance, moves) rows."""
    tp = fp = fn = 0
    for text, moves in rows:
        heard = set(recognize(text))
        tp, fp, fn = tp + len(heard & moves), fp + len(heard - moves), fn + len(moves - heard)
    return f"micro-F1 {2 * tp / (2 * tp + fp + fn):.3f}, recall {tp / (tp + fn):.3f}"


def compare_moves() -> None:
    """The representative's ear: the rules alone, the model alone, and rules or model (minus vetoes)."""
    from ivr.coach.moves import load_recognizer
    from ivr.ear import moves_ear
    from ivr.ear.training import read_moves

    ear = moves_ear.MovesEar(load_recognizer(ROOT / "config" / "moves.yaml"))
    model_only = lambda t: [m for m, p in zip(ear.model.labels, ear.model.probabilities(t))  # noqa: E731
                            if p >= moves_ear.THRESHOLD]
    for name in ("heldout.tsv", "fresh.tsv"):
        rows = read_moves(ROOT / "tests" / "data" / "moves" / name)
        print(f"moves, {name}: rules {micro_f1(ear.rules.recognize, rows)}; model {micro_f1(model_only, rows)}; "
              f"rules or model {micro_f1(ear.recognize, rows)}")


def main() -> None:
    compare_moves()
    examples = datasets.training_examples()
    public = [i for i, e in enumerate(examples) if e.origin.split(":")[0] in ("banking77", "clinc150")]
    kept_back = set(public[::5])
    train = [e for i, e in enumerate(examples) if i not in kept_back]
    sets = {"held-out": datasets.heldout_examples(), "public validation": [examples[i] for i in sorted(kept_back)]}
    work = Path(tempfile.mkdtemp())

    started = time.perf_counter()
    vectorizer, model = training.fit_menu(train)
    fit_seconds = time.perf_counter() - started
    path = work / "linear.json"
    prune = training.MENU_SETTINGS["prune"]
    export(path, list(model.classes_), vectorizer.vocabulary_, vectorizer.idf_, training._pruned(model.coef_, prune),
           model.intercept_, False, {}, prune)
    linear = load_model(path)
    cost = load_cost("from ivr.ear.linear import load_model", f"load_model(Path({str(path)!r}))")
    print(f"linear (scikit-learn LogisticRegression, served by ivr/ear/linear.py): trains in {fit_seconds:.0f} s, "
          f"file {path.stat().st_size / 1e6:.1f} MB, {cost}")
    for name, rows in sets.items():
        print("  " + measure(name, lambda t: linear.ranked(t)[0][0], rows))
    ear = MenuEar(load_line(ROOT / "config", ROOT / "prompts"), path)
    for name, rows in sets.items():
        print(f"  main menu, {name}: " + main_menu_summary(ear, rows))

    try:
        import fasttext
    except ImportError:
        print("fastText: not installed (pip install fasttext-wheel)")
        return
    data = work / "fasttext.txt"
    with data.open("w") as out:
        for e in train:  # the line's own examples weigh as much as in the linear model
            weight = int(training.MENU_SETTINGS["own_weight"]) if e.origin.split(":")[0] not in ("banking77",
                                                                                               "clinc150") else 1
            out.write(f"__label__{e.intent} {' '.join(words(e.text))}\n" * weight)
    started = time.perf_counter()
    ft = fasttext.train_supervised(str(data), epoch=25, lr=0.5, wordNgrams=2, minn=3, maxn=5, dim=50, thread=1,
                                   seed=1, verbose=0)
    fit_seconds = time.perf_counter() - started
    ft.save_model(str(work / "fasttext.bin"))
    ft = fasttext.load_model(str(work / "fasttext.bin"))
    cost = load_cost("import fasttext", f"fasttext.load_model({str(work / 'fasttext.bin')!r})")
    print(f"fastText supervised (wordNgrams 2, char 3-5, dim 50): trains in {fit_seconds:.0f} s, file "
          f"{(work / 'fasttext.bin').stat().st_size / 1e6:.0f} MB, {cost}")

    def ft_predict(text: str) -> str:
        # fasttext-wheel 0.9.2's predict() breaks on numpy 2 (np.array(copy=False)); its C++ binding answers.
        return ft.f.predict(" ".join(words(text)) + "\n", 1, 0.0, "strict")[0][1].replace("__label__", "")

    for name, rows in sets.items():
        print("  " + measure(name, ft_predict, rows))


if __name__ == "__main__":
    main()

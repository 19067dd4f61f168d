"""Benchmark: the coach's costs. Loading the move recognizer, and classifying one utterance.

Run: .venv/bin/python scripts/bench_coach.py [--rounds 20]
Prints the time to load config/moves.yaml, then median and 99th percentile of classifying one
utterance over the held-back utterances (tests/data/moves/heldout.tsv), `--rounds` times over.
Then a dialogue webhook: one turn at the representative's desk (signed state in, recognizer, reply,
signed state out) through Flask's test client, over a rehearsal's worth of different turns.
Targets (issue 8): classify median under 1 ms; loading once at start-up (compiling the patterns
is most of it); a dialogue
webhook's median under 1 ms in-process (nothing loaded or trained per request).
Each section is a function taking the parsed arguments; add a section to SECTIONS.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_webhooks import report  # noqa: E402  (scripts/ is on the path when a script runs)
from ivr.coach.evaluate import read_labeled  # noqa: E402
from ivr.coach.moves import load_recognizer  # noqa: E402

MOVES_YAML = ROOT / "config" / "moves.yaml"
HELDOUT = ROOT / "tests" / "data" / "moves" / "heldout.tsv"


def bench_moves(args: argparse.Namespace) -> None:
    """Load the recognizer a few times, then classify every held-back utterance `rounds` times."""
    loads = []
    for _ in range(5):
        re.purge()  # as at start-up: every pattern compiled afresh, not taken from re's cache
        started = time.perf_counter()
        recognizer = load_recognizer(MOVES_YAML)
        loads.append(time.perf_counter() - started)
    report("load config/moves.yaml (cold)", loads)
    texts = [row.text for row in read_labeled(HELDOUT)]
    for text in texts:  # warm up
        recognizer.recognize(text)
    samples = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            recognizer.recognize(text)
            samples.append(time.perf_counter() - started)
    report("classify one utterance", samples)


# One rehearsal's turns, each posted to the desk in the state it was first heard in.
DESK_TURNS = ["hi i'm calling about a charge on my statement that i don't recognize",
              "it's from bright lake electronics on march third for eighty four dollars",
              "i'd like the charge removed while it's investigated", "can i have your name please",
              "could i have a reference number for this call", "what happens next and by when",
              "you people are useless", "could i speak to a supervisor please", "", "1"]


def bench_dialogue(args: argparse.Namespace) -> None:
    """Time single desk webhooks (whole request through the test client) over a rehearsal's turns."""
    import tempfile
    import xml.etree.ElementTree as ET

    from ivr import create_app
    from ivr.voice.desk import scenario_start_url

    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": instance,
                          "SETTINGS": {"voice": {"hold_pause_seconds": 0}}})
        client = app.test_client()
        form = {"CallSid": "CA" + "b0" * 16, "CallStatus": "in-progress", "From": "+15550100", "To": "+15550199"}
        # Walk one rehearsal to collect each turn's URL (its state) and what the caller says there.
        requests = []
        action = ET.fromstring(client.post(scenario_start_url("unknown-charge"), data=form).data).find("Gather").get("action")
        for said in DESK_TURNS:
            extra = {"Digits": said} if said.isdigit() else ({"SpeechResult": said} if said else {})
            requests.append((action, extra))
            gather = ET.fromstring(client.post(action, data={**form, **extra}).data).find("Gather")
            if gather is None:
                break
            action = gather.get("action")
        whole, views = [], []
        for _ in range(args.rounds * 10):
            for url, extra in requests:
                started = time.perf_counter()
                client.post(url, data={**form, **extra})
                whole.append(time.perf_counter() - started)
        for _ in range(args.rounds * 10):
            for url, extra in requests:
                with app.test_request_context(url, method="POST", data={**form, **extra}):
                    app.preprocess_request()
                    started = time.perf_counter()
                    app.dispatch_request()
                    views.append(time.perf_counter() - started)
    report("dialogue webhook (test client)", whole)
    report("dialogue webhook (view only)", views)


SECTIONS = [bench_moves, bench_dialogue]


def main() -> None:
    """Run every section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    for section in SECTIONS:
        section(args)


if __name__ == "__main__":
    main()

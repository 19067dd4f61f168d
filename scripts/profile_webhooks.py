"""Where each kind of webhook spends its CPU: named parts timed in place, or a cProfile of one kind.

Run: .venv/bin/python scripts/profile_webhooks.py [--requests 1000] [--cprofile "desk turn"]

Uses bench_webhooks' own harness (the line as production runs it, signed requests, WSGI calls on
prepared environs). Without --cprofile it prints, per kind, the main thread's CPU per request and the
share of the parts that matter (the signature check, the call log's spool write, the desk's token,
drawing its TwiML, the coach's step and the menu ear), each timed around its own call.
With --cprofile KIND it prints that kind's cProfile, by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import collections
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr import store  # noqa: E402
from ivr.voice import desk, security  # noqa: E402
from scripts.bench.twilio_mix import KINDS, desk_webhooks, menu_webhooks  # noqa: E402
from scripts.bench_webhooks import BASE, environs, line_app, serve  # noqa: E402


class Parts:
    """CPU seconds spent inside wrapped functions (the outermost wrapped call counts, nested ones not)."""

    def __init__(self) -> None:
        self.spent: collections.Counter[str] = collections.Counter()
        self.inside = False

    def wrap(self, owner, name: str, label: str) -> None:
        """Time every call of owner.name as `label`."""
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            if self.inside:
                return original(*args, **kwargs)
            self.inside, started = True, time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[label] += time.thread_time() - started
                self.inside = False

        setattr(owner, name, timed)


def main() -> None:
    """Build the line and its webhooks, then print the parts per kind (or one kind's cProfile)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per kind")
    parser.add_argument("--cprofile", choices=KINDS, help="profile this kind with cProfile instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="practice-line-profile-") as folder:
        app = line_app(Path(folder), audio=True)
        rt = app.extensions["practice_line"]
        webhooks = menu_webhooks(rt.line) + desk_webhooks(app, BASE)
        parts = Parts()
        if not args.cprofile:
            parts.wrap(security, "twilio_signature_valid", "signature check")
            parts.wrap(store.call_recorder(app).spool, "add", "spool write")
            parts.wrap(desk, "step", "coach step (dialogue + desk ear)")
            parts.wrap(rt.line.ear, "hear", "menu ear")
            parts.wrap(desk, "sign_state", "sign desk token")
            parts.wrap(desk, "read_state", "read desk token")
            parts.wrap(desk, "draw", "draw desk TwiML")
        for kind in [args.cprofile] if args.cprofile else KINDS:
            prepared = environs([w for w in webhooks if w.kind == kind])
            work = (prepared * (args.requests // len(prepared) + 1))[:args.requests]
            serve(app, work)  # warm
            if args.cprofile:
                profile = cProfile.Profile()
                profile.runcall(serve, app, work)
                stats = pstats.Stats(profile)
                stats.sort_stats("cumulative").print_stats(45)
                stats.sort_stats("tottime").print_stats(25)
                continue
            runs = []
            for _ in range(3):
                parts.spent.clear()
                started = time.thread_time()
                serve(app, work)
                runs.append(((time.thread_time() - started) / len(work), dict(parts.spent)))
            per_request, spent = sorted(runs, key=lambda run: run[0])[1]  # the median of three
            print(f"{kind}: {per_request * 1e6:.0f} µs per request (main thread CPU)")
            for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
                share = seconds / len(work)
                print(f"   {label:<34} {share * 1e6:6.0f} µs  {share / per_request:5.0%}")
        store.shutdown(app)


if __name__ == "__main__":
    main()

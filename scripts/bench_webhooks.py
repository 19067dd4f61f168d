"""Benchmark: each kind of webhook in process, on the production path, against a bare Flask app.

Run: .venv/bin/python scripts/bench_webhooks.py [--rounds 15] [--batch 200] [--no-audio]

Both apps get TWILIO_AUTH_TOKEN, and every request is signed as Twilio signs it (scripts/bench/twilio_mix.py);
the line records its call log in a throwaway database and plays prompt audio rendered by espeak-ng.
Each request is a WSGI call (a prepared environ, no server, no test client), so the figures are the
apps' own, in this process's CPU time. The kinds are measured in alternating batches (line, bare, bare, line, ...), and each app's
median batch counts. Prints, per kind, the time per request of each and the ratio bare/line (1.00: as
fast as the bare app; the goal is at least 0.80), then the same for the call-shaped mix.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.test import EnvironBuilder  # noqa: E402

from ivr import create_app, store, warm_up  # noqa: E402
from scripts.bench.bare_app import create_bare_app  # noqa: E402
from scripts.bench.twilio_mix import AUTH_TOKEN, KINDS, call_shaped, desk_webhooks, headers, menu_webhooks  # noqa: E402

BASE = "http://localhost"


def percentile(samples: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, samples: list[float]) -> None:
    """Print median and p99 in milliseconds."""
    ms = [s * 1000 for s in samples]
    print(f"{name:<34} n={len(ms):>6}  median {statistics.median(ms):.3f} ms   p99 {percentile(ms, 0.99):.3f} ms")


def environs(webhooks) -> list[tuple[dict, bytes]]:
    """A WSGI environ (without its body stream) and the body, for each webhook, signed for BASE."""
    made = []
    for i, webhook in enumerate(webhooks):
        form = webhook.form(i)
        body = urlencode(form).encode()
        environ = EnvironBuilder(webhook.path, base_url=BASE, method="POST", data=body,
                                 headers=headers(BASE, webhook.path, form)).get_environ()
        made.append((environ, body))
    return made


def serve(app, prepared: list[tuple[dict, bytes]]) -> None:
    """Call `app` once per prepared request, as a WSGI server would; fail on anything but 200."""
    statuses = []

    def start_response(status, response_headers, exc_info=None):
        statuses.append(status)

    for environ, body in prepared:
        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        out = app(environ, start_response)
        b"".join(out)
        if hasattr(out, "close"):
            out.close()
    bad = [s for s in statuses if not s.startswith("200")]
    if bad:
        raise RuntimeError(f"{len(bad)} requests answered {bad[0]}")


def measure(apps: dict, prepared: list, rounds: int, batch: int) -> dict[str, float]:
    """CPU seconds per request for each app, the median of `rounds` alternating batches of `batch` requests."""
    work = (prepared * (batch // len(prepared) + 1))[:batch]
    times = {name: [] for name in apps}
    for round_no in range(rounds):
        for name in (list(apps) if round_no % 2 == 0 else list(apps)[::-1]):
            started = time.process_time()  # this process's CPU: other work on the machine counts less
            serve(apps[name], work)
            times[name].append((time.process_time() - started) / batch)
    return {name: statistics.median(samples) for name, samples in times.items()}


def line_app(folder: Path, audio: bool):
    """The line as production runs it: auth token, a database at the newest schema, audio, warmed up."""
    audio_dir = folder / "audio"
    app = create_app({"SECRET_KEY": "bench-secret", "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "INSTANCE_PATH": str(folder),
                      "AUDIO_DIR": str(audio_dir), "SETTINGS": {"voice": {"hold_pause_seconds": 0}}})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    if audio:
        from ivr.audio.build import Builder

        rt = app.extensions["practice_line"]
        Builder(rt.settings.audio, audio_dir, engine="espeak").run(rt.line.spoken(), progress=False)
    warm_up(app, served_at=[BASE])
    return app


def main() -> None:
    """Build both apps, the mix, then time each kind and the whole mix."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=200, help="requests per timed batch")
    parser.add_argument("--no-audio", action="store_true", help="every prompt <Say> (no espeak-ng build)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="practice-line-bench-") as folder:
        line = line_app(Path(folder), audio=not args.no_audio)
        apps = {"line": line, "bare": create_bare_app(AUTH_TOKEN)}
        menus = menu_webhooks(line.extensions["practice_line"].line)
        desks = desk_webhooks(line, BASE)
        print(f"{len(menus) + len(desks)} signed webhooks; {args.rounds} alternating batches of {args.batch} "
              "requests per kind and app, median batch")
        print(f"{'kind':<12} {'line µs':>9} {'bare µs':>9} {'ratio':>6}")
        for kind in KINDS + ("call mix",):
            webhooks = call_shaped(menus, desks) if kind == "call mix" else [w for w in menus + desks if w.kind == kind]
            found = measure(apps, environs(webhooks), args.rounds, args.batch)
            print(f"{kind:<12} {found['line'] * 1e6:9.0f} {found['bare'] * 1e6:9.0f} {found['bare'] / found['line']:6.2f}")
        store.shutdown(line)
    print("ratio = bare time / line time per request (goal: at least 0.80 for each kind)")


if __name__ == "__main__":
    main()

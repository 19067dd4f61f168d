"""Benchmark: webhook latency in-process over a few thousand simulated Twilio requests.

Run: .venv/bin/python scripts/bench_webhooks.py [--requests 5000]
Prints median and 99th percentile for (a) the whole request through Flask's
test client and (b) the view alone inside a prepared request context.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import create_app  # noqa: E402

# A realistic mix: a new call, menu keys, speech, silence, identity digits, nonsense.
MIX = [
    ("/voice/incoming", {}),
    ("/voice/node/main/input?failures=0", {"Digits": "2"}),
    ("/voice/node/main/input?failures=0", {"SpeechResult": "um, I lost my card", "Confidence": "0.8"}),
    ("/voice/node/dispute/input?failures=0", {}),
    ("/voice/node/dispute-identity/input?failures=0", {"Digits": "1234"}),
    ("/voice/node/representative-desk/input?failures=0", {"SpeechResult": "I'd like a supervisor please"}),
    ("/voice/node/main/input?failures=1", {"Digits": "x"}),
    ("/voice/node/end-dispute", {}),
]


def percentile(samples: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, samples: list[float]) -> None:
    """Print median and p99 in milliseconds."""
    ms = [s * 1000 for s in samples]
    print(f"{name:<34} n={len(ms):>6}  median {statistics.median(ms):.3f} ms   p99 {percentile(ms, 0.99):.3f} ms")


def main() -> None:
    """Time the mix through the test client, then the view functions alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "TWILIO_AUTH_TOKEN": None,
                      "SETTINGS": {"voice": {"hold_pause_seconds": 0}}})
    client = app.test_client()
    base = {"CallSid": "CA" + "0" * 32, "From": "+15550100", "To": "+15550199", "CallStatus": "in-progress"}

    for url, extra in MIX * 20:  # warm up
        client.post(url, data={**base, **extra})

    whole = []
    for i in range(args.requests):
        url, extra = MIX[i % len(MIX)]
        start = time.perf_counter()
        response = client.post(url, data={**base, **extra})
        whole.append(time.perf_counter() - start)
        assert response.status_code == 200
    report("whole request (test client)", whole)

    views = []
    for i in range(args.requests):
        url, extra = MIX[i % len(MIX)]
        with app.test_request_context(url, method="POST", data={**base, **extra}):
            app.preprocess_request()
            start = time.perf_counter()
            app.dispatch_request()
            views.append(time.perf_counter() - start)
    report("webhook handler (view only)", views)


if __name__ == "__main__":
    main()

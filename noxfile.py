"""nox sessions: `nox -s latest_flask` runs the core tests against the newest Flask and Werkzeug releases.

In a venv of its own (.nox/latest_flask), so an upgrade is seen before it lands in requirements.txt:
everything else as pinned, then Flask and Werkzeug upgraded to their newest releases on PyPI.
Run: .venv/bin/python -m nox -s latest_flask   (extra arguments go to pytest)
"""

import nox

# The tests of the web and voice layers, where Flask and Werkzeug are used: no browser, no PostgreSQL.
CORE_TESTS = ["tests/test_voice_calls.py", "tests/test_voice_robustness.py", "tests/test_webhook_path.py",
              "tests/test_security.py", "tests/test_web_guard.py", "tests/test_startup.py", "tests/test_phone.py",
              "tests/test_rehearsals.py", "tests/test_rehearse.py", "tests/test_compiled_replies.py",
              "tests/test_audio_calls.py", "tests/test_checklist_web.py", "tests/test_map_page.py",
              "tests/test_layout.py"]
# What the core tests need on top of requirements.txt (the versions requirements-dev.txt pins).
TEST_PACKAGES = ["pytest", "pytest-xdist", "filelock", "responses", "pypdf", "cssselect"]


@nox.session(reuse_venv=True)
def latest_flask(session: nox.Session) -> None:
    """The core tests with the newest Flask and Werkzeug (everything else as pinned)."""
    pins = {line.split("==")[0].lower(): line.strip() for line in open("requirements-dev.txt")
            if "==" in line and not line.startswith("#")}
    session.install("-r", "requirements.txt", *(pins[name] for name in TEST_PACKAGES))
    session.install("--upgrade", "flask", "werkzeug")
    session.run("python", "-c", "import flask, werkzeug; from importlib.metadata import version; "
                "print('Flask', version('flask'), '/ Werkzeug', version('werkzeug'))")
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", *(session.posargs or CORE_TESTS))

"""Start-up stays lean: what serving can do without loads on first use (or in gunicorn's master, by
warm_up), and behaves as before once loaded. The timing itself is scripts/bench_startup.py."""

from __future__ import annotations

import subprocess
import threading

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import warm_up
from ivr.coach.moves import _partial_ratio

CLIENT = {"X-Forwarded-For": "203.0.113.7"}
# Loaded only when a command, a drawing, a limited route or a fuzzy match needs them.
NOT_AT_START_UP = ["flask_limiter", "ivr.audio.build", "ivr.cli.audio_commands", "ivr.cli.calls_commands", "ivr.cli.coach_commands",
                   "ivr.cli.db_commands", "ivr.cli.flow_commands", "ivr.cli.practice_commands", "ivr.cli.twilio_commands", "limits", "lxml",
                   "rapidfuzz", "tqdm"]


def run_in(root, env, *args: str) -> str:
    """Run the copy's python with `args` in the copied project; its output, after checking it succeeded."""
    done = subprocess.run([str(root / ".venv" / "bin" / "python"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_app_loads_none_of_what_serving_can_do_without(project_copy):
    root, env = project_copy
    probe = ("import gc, sys; from app import app; "
             f"print(sorted(m for m in {NOT_AT_START_UP!r} if m in sys.modules)); "
             "print(gc.isenabled(), gc.get_freeze_count() > 10000)")
    assert run_in(root, env, "-c", probe).splitlines() == ["[]", "True True"]


def test_flask_help_lists_every_command_group(project_copy):
    root, env = project_copy
    listed = run_in(root, env, "-m", "flask", "--app", "app", "--help").splitlines()
    for line in ["  audio     Render every prompt into the audio library, or check it.",
                 "  calls     Stored calls: Twilio's call log and the browser phone's...",
                 "  coach     The rehearsal coach: moves, scenarios.",
                 "  db        Build or upgrade the database schema.",
                 "  flows     Check the menu config, or print or draw it as a map.",
                 "  practice  Place a practice call in the terminal (interactive unless...",
                 "  twilio    Set up a Twilio number for the practice line."]:
        assert line in listed


def test_a_group_loaded_on_first_use_lists_its_commands(runner):
    result = runner.invoke(args=["coach", "--help"])
    assert result.exit_code == 0
    assert "  classify   Print the moves in each TEXT" in result.output
    assert "  scenarios  " in result.output


def test_the_rate_limits_count_from_the_first_request_and_voice_requests_never_count(app):
    client = app.test_client()
    for _ in range(40):
        assert client.post("/voice/incoming", data={"CallSid": "CA1"}, headers=CLIENT).status_code == 200
    for _ in range(30):
        assert client.post("/phone/token", headers=CLIENT).status_code == 200
    refused = client.post("/phone/token", headers=CLIENT)
    assert refused.status_code == 429
    assert refused.json["error"].startswith("Too many requests from your address (limit: 30 per 1 minute).")


def test_first_requests_arriving_together_build_one_limiter(app):
    start = threading.Barrier(7)
    statuses = []

    def ask():
        client = app.test_client()
        start.wait()
        statuses.extend(client.post("/phone/token", headers=CLIENT).status_code for _ in range(5))

    threads = [threading.Thread(target=ask) for _ in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200] * 30 + [429] * 5  # one count per request, not one per limiter


def test_warm_up_loads_the_rate_limits_and_the_fuzzy_matcher_before_any_request(app):
    from ivr.web.limits import EXTENSION

    _partial_ratio.cache_clear()
    warm_up(app)
    assert app.extensions[EXTENSION].made is not None  # the counter and its storage, made in the master
    assert isinstance(app.wsgi_app, ProxyFix)  # requests now go straight to the app
    assert _partial_ratio.cache_info().currsize == 1


def test_the_ear_model_and_the_menu_map_wait_for_warm_up_and_are_made_once(make_app, monkeypatch):
    from ivr.checklist import reasons
    from ivr.ear import menu_ear

    read, built = [], []
    monkeypatch.setattr(menu_ear, "load_model", lambda path, real=menu_ear.load_model: read.append(path) or real(path))
    monkeypatch.setattr(reasons, "build_map", lambda line, real=reasons.build_map: built.append(line) or real(line))
    app = make_app()
    assert (read, built) == ([], [])  # start-up reads no model file and probes no menu
    warm_up(app)
    assert [p.name for p in read] == ["menu-model.json"] and len(built) == 1
    client = app.test_client()
    assert client.get("/map").status_code == 200
    page = client.get("/checklist?reason=dispute")
    walk = app.extensions["practice_line"].reasons.walks["dispute"]
    assert walk[0] == app.extensions["practice_line"].line.flow.start  # a checklist's map link starts the call
    assert page.status_code == 200 and f"/map?path={','.join(walk)}" in page.get_data(as_text=True)
    assert len(read) == 1 and len(built) == 1  # the map page and the checklist share what warm_up made


# No pattern matches these slips; only the fuzzy match on an example does.
@pytest.mark.parametrize("said, moves", [
    ("Can I speak to a supervisr?", ["ask-supervisor"]),
    ("Is there a referance number?", ["ask-reference"]),
    ("So just to confrim", ["confirm"]),
])
def test_the_recognizer_loads_its_fuzzy_matcher_on_first_use(app, said, moves):
    _partial_ratio.cache_clear()
    assert app.extensions["practice_line"].recognizer.recognize(said) == moves
    assert _partial_ratio.cache_info().currsize == 1


def test_the_audio_library_is_indexed_by_warm_up_not_at_start_up(make_app, audio_dir, monkeypatch):
    from ivr.audio import renderers as engines

    asked = []
    monkeypatch.setattr(engines, "tool_version", lambda tool: asked.append(tool) or "1.0")
    app = make_app(audio_dir=audio_dir)
    library = app.extensions["practice_line"].audio
    assert asked == [] and library._indexed is False  # no audio tool run, no file read, to build the app
    warm_up(app)
    assert library._indexed is True and asked  # the index names each tool's version in its file names


def test_the_first_webhook_indexes_the_library_and_plays_its_audio(audio_app):
    library = audio_app.extensions["practice_line"].audio
    assert library._indexed is False
    reply = audio_app.test_client().post("/voice/incoming").data.decode()
    assert library._indexed is True
    assert reply.count("<Play>") >= 2 and "/audio/" in reply  # the welcome and the disclaimer, played


def test_warm_up_loads_the_database_layer_for_the_workers_to_share(make_app):
    app = make_app()
    warm_up(app)
    assert "practice_line_engine" in app.extensions  # SQLAlchemy loaded, the schema checked, in the master


def test_warm_up_with_a_database_it_cannot_open_warns_and_the_line_still_answers(make_app, tmp_path, caplog):
    (tmp_path / "not-a-folder").write_text("a file where the database's folder should be")
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'not-a-folder' / 'line.sqlite'}", flush_seconds=0)
    warm_up(app)  # nothing raised: gunicorn's master must start
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(m.startswith("database not reached while warming up (") for m in warned), warned
    reply = app.test_client().post("/voice/incoming", data={"CallSid": "CA" + "1" * 32, "From": "+15550100"})
    assert reply.status_code == 200 and b"<Gather" in reply.data  # the welcome, with the main menu

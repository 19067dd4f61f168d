"""The gunicorn benchmarks (bench_load.sh, bench_memory.py) record their Twilio-shaped calls in a
database and a call-log spool of their own, never in this machine's call log."""

from pathlib import Path

from sqlalchemy import create_engine

from ivr.store import schema
from scripts.bench.servers import scratch_database


def test_a_benchmark_gets_a_new_database_at_the_newest_schema_that_goes_away_after():
    with scratch_database() as env:
        url = env["DATABASE_URL"]
        assert url.startswith("sqlite:///") and "practice-line-bench-" in url
        file = Path(url.removeprefix("sqlite:///"))
        assert file.is_file()
        engine = create_engine(url)
        try:
            assert schema.current_revision(engine) == schema.HEAD
        finally:
            engine.dispose()
        assert Path(env["CALL_LOG_SPOOL"]).parent == file.parent  # the spool too: never instance/'s
        assert len(env["SECRET_KEY"]) == 32  # set with the database URL, as several servers would share it
    assert not file.exists() and not file.parent.exists()

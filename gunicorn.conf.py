"""gunicorn settings for Practice Line (`gunicorn app:app` from the project root reads this file).

HOST and PORT choose the address (127.0.0.1:5000), WEB_CONCURRENCY the number of worker processes
(2), GUNICORN_THREADS the threads in each (4). Anything else can be overridden with
GUNICORN_CMD_ARGS, e.g. "--access-logfile -" or "--max-requests 500" (the jitter then follows:
a tenth of it, unless --max-requests-jitter says otherwise).
"""

import argparse
import os
import shlex

bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '5000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
# Threads let a worker answer other calls while one waits on the database, and keep connections
# from a load balancer alive; the GIL makes more than a few per worker pointless.
worker_class = "gthread"  # chosen against sync by bench_load.sh (figures in docs/benchmarks.md)
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# Load the app once in the master: config errors stop start-up before any worker forks, and the
# workers share the loaded line, prompt texts and compiled TwiML pages copy-on-write.
preload_app = True
# Twilio gives up on a webhook after 15 s; a worker stuck for 30 s is restarted.
timeout = 30
graceful_timeout = 10
keepalive = 5  # behind a load balancer that reuses connections
# The workers' heartbeat files live in memory, so a slow disk never gets a healthy worker killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# A fresh worker now and then keeps a slow leak (in any library) from growing without bound. The jitter
# (so that workers do not all restart at once) is a tenth of max_requests: GUNICORN_CMD_ARGS, read by
# gunicorn after this file, may set --max-requests alone, and a fixed jitter of 2000 would then
# drown it (--max-requests 50 recycled a worker after up to 2050 requests).
max_requests = 20000


def _jitter_for(cmd_args: str, default_max_requests: int) -> int:
    """A tenth of the max_requests GUNICORN_CMD_ARGS sets (or of the default)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--max-requests", type=int, default=default_max_requests)
    try:
        known, _rest = parser.parse_known_args(shlex.split(cmd_args))
    except (SystemExit, ValueError):  # gunicorn itself will say what is wrong with them
        return default_max_requests // 10
    return max(0, known.max_requests) // 10


max_requests_jitter = _jitter_for(os.environ.get("GUNICORN_CMD_ARGS", ""), max_requests)
errorlog = "-"
# No control socket (gunicornc): it would be made outside the project, in ~/.gunicorn/ or $XDG_RUNTIME_DIR.
control_socket_disable = True


def when_ready(server):
    """Compile the line's replies once in the master (with PUBLIC_BASE_URL set), before workers fork."""
    app = server.app.wsgi()
    if "practice_line" in getattr(app, "extensions", {}):  # not, say, the benchmark's bare app
        import gc

        from ivr import warm_up

        warm_up(app, served_at=local_base_urls(server.cfg.address))
        # As app.py does after start-up: what warming up loaded (SQLAlchemy, the limiter, the
        # recognizer's index) is never walked by a worker's collector, and its pages stay shared.
        gc.freeze()


def post_worker_init(worker):
    """Each worker starts its call-log shipper at once: what a killed worker left in the spool is shipped
    without waiting for the next call."""
    app = worker.wsgi
    if "practice_line" in getattr(app, "extensions", {}):
        from ivr import store

        store.start_shipping(app)


def local_base_urls(addresses) -> list[str]:
    """http://host:port for each address gunicorn listens on by name or number (not 0.0.0.0, ::, or a socket file)."""
    bases = []
    for address in addresses:
        if isinstance(address, tuple) and address[0] not in ("", "0.0.0.0", "::"):
            host = f"[{address[0]}]" if ":" in address[0] else address[0]
            bases.append(f"http://{host}:{address[1]}")
    return bases

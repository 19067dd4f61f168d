"""Entry point: `python app.py` serves Practice Line on $HOST:$PORT (default http://127.0.0.1:5000)."""

import gc
import os
import sys

# Start-up makes some 60,000 long-lived objects (modules, classes, the compiled line) and almost no
# garbage, yet the collector would walk them all several times while they are made (a tenth of the
# start-up time). So collect nothing until the app is built, then freeze what exists: the collector
# never walks it again, and gunicorn's workers, forked from this process, keep sharing those pages
# instead of copying them when the collector touches them.
gc.disable()

from ivr import ConfigError, create_app  # noqa: E402

try:
    app = create_app()
except ConfigError as error:
    sys.exit("Practice Line cannot start; fix these first:\n  " + "\n  ".join(error.problems))
finally:
    gc.freeze()
    gc.enable()


def address(environ=os.environ) -> tuple[str, int]:
    """The host and port to serve on: HOST and PORT, else 127.0.0.1 and 5000."""
    host = environ.get("HOST") or "127.0.0.1"
    port = environ.get("PORT") or "5000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        sys.exit(f"PORT must be a port number from 1 to 65535, not {port!r}.")
    return host, int(port)


if __name__ == "__main__":
    host, port = address()
    app.run(host=host, port=port)

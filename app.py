"""Entry point: `python app.py` serves Practice Line on $HOST:$PORT (default http://127.0.0.1:5000)."""

import os
import sys

from ivr import ConfigError, create_app

try:
    app = create_app()
except ConfigError as error:
    sys.exit("Practice Line cannot start; fix these first:\n  " + "\n  ".join(error.problems))


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

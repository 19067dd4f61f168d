"""Entry point: `python app.py` serves Practice Line on http://127.0.0.1:5000."""

import sys

from ivr import ConfigError, create_app

try:
    app = create_app()
except ConfigError as error:
    sys.exit("Practice Line cannot start; fix these first:\n  " + "\n  ".join(error.problems))

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)

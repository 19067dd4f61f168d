"""The representative's and supervisor's desks on the voice line: where a rehearsal starts."""

from __future__ import annotations

from urllib.parse import quote


def scenario_start_url(scenario_id: str) -> str:
    """The /voice URL where a rehearsal of `scenario_id` starts: its situation is read, then the representative answers.

    The browser phone's /phone?scenario=<id> and `practice --scenario <id>` both start here.
    """
    return f"/voice/rehearse/{quote(scenario_id)}"

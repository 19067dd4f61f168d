"""The menu shortcut a checklist shows, followed key by key through the real voice webhooks, reaches that reason."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from ivr.line.flows import REFERENCE

REASONS = ["lost-card", "dispute", "rewards", "personal-info", "benefits", "payments", "applications",
           "complaint", "damaged-card", "security-code"]
ANY_DIGITS = re.compile(r"^any (\d+) digits$")


def _shown_shortcut(client, reason: str) -> list[str]:
    """The shortcut exactly as the checklist page shows it, one step each."""
    response = client.get(f"/checklist?reason={reason}")
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.data)
    [shortcut] = doc.cssselect(f"section.reason[data-reason={reason}] .shortcut")
    return shortcut.get("data-shortcut").split("|")


def _give(caller, step: str):
    """Do what one shown step says: press a key, type some digits, or speak."""
    if len(step) == 1:
        return caller.press(step)
    if match := ANY_DIGITS.match(step):
        return caller.press("4" * int(match.group(1)))
    if step == "any digits, then #":
        return caller.press("25")
    if step == "say a few words":
        return caller.say("a question about my card")
    raise AssertionError(f"a shortcut step nobody could follow: {step!r}")


@pytest.mark.parametrize("reason", REASONS)
def test_shortcut_reaches_the_reasons_branch(client, caller, line, app, reason):
    node = app.extensions["practice_line"].reasons.reasons[reason].node
    steps = _shown_shortcut(client, reason)
    assert steps  # every reason sits behind at least one key from the main menu

    reply = caller.start()
    for step in steps:
        assert not reply.hung_up
        reply = _give(caller, step)

    expected = [s.text for s in line.nodes[node].segments if s.prompt_id != REFERENCE]
    said = reply.said
    # The node's own words, in order and together, open (or, after a message chain, are in) the reply.
    starts = [i for i in range(len(said)) if said[i:i + len(expected)] == expected]
    assert starts, f"{reason}: after {steps} the caller heard {said}, not node {node}"
    assert reply.status == 200


def test_a_wrong_shortcut_would_be_caught(caller, line):
    # The check above is not vacuous: pressing 3 at the main menu does not reach the dispute branch.
    caller.start()
    reply = caller.press("3")
    expected = [s.text for s in line.nodes["dispute"].segments]
    assert all(reply.said[i:i + len(expected)] != expected for i in range(len(reply.said)))

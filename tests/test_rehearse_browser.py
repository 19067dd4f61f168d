"""Rehearsals in Debian's Chromium: a typed rehearsal ends with the coach's report beside the transcript,
and the progress page charts the attempts this browser kept."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.browser

# Captions only, at once: headless Chromium has no voice, and the tests should not wait for reading time.
FAST = {"phone": {"browser_speech": False, "caption_seconds_per_word": 0}}
SVG_POINTS = "svg.score-chart circle.point"


@pytest.fixture
def app(make_app):
    return make_app(settings=FAST)


def listening(page) -> None:
    expect(page.locator("#call-state")).to_have_text("In call: listening")


def say(page, words: str) -> None:
    """Type what the caller would say, send it, and wait until the line listens again."""
    count = page.locator("#transcript li.who-line").count()
    page.locator("#say-text").fill(words)
    page.locator("#say-text").press("Enter")
    expect(page.locator("#transcript li.who-caller", has_text=f"You said: “{words}”")).to_be_visible()
    expect(page.locator("#transcript li.who-line").nth(count)).to_be_attached()  # the line answered
    listening(page)


def rehearse(page, base: str, book, scenario: str, lines: list[str], opened: bool = False) -> None:
    """One rehearsal from the situation card to hang-up, saying each line in turn."""
    if not opened:
        page.goto(f"{base}/phone?scenario={scenario}")
    page.locator("#call").click()
    expect(page.locator("#transcript li.who-line").first).to_have_text(
        re.compile(re.escape(book.words(scenario, "situation")) + "$"))
    listening(page)
    for words in lines:
        say(page, words)
    page.keyboard.press("Escape")
    expect(page.locator("#report")).to_be_visible()


GUIDE = ["hi i'm calling about a charge on my statement that i don't recognize",
         "it's from bright lake electronics on march third for eighty four dollars and twenty cents",
         "i'd like the charge removed while it's investigated",
         "can i have your name please",
         "could i have a reference number for this call"]


def test_a_typed_rehearsal_ends_with_the_report_beside_the_transcript(page, live_server, book, artifacts):
    rehearse(page, live_server, book, "unknown-charge", GUIDE)

    expect(page.locator("#report-title")).to_be_focused()
    expect(page.locator("#report-score")).to_have_text("Score: 6 of 9")
    items = page.locator("#report-items li")
    expect(items).to_have_count(9)
    verdicts = [(items.nth(n).get_attribute("data-item"), items.nth(n).locator(".verdict").inner_text())
                for n in range(9)]
    assert verdicts == [("stated-purpose", "Met:"), ("gave-details", "Met:"), ("stated-outcome", "Met:"),
                        ("stayed-polite", "Met:"), ("asked-name", "Met:"), ("asked-reference", "Met:"),
                        ("asked-next-steps", "Not met:"), ("confirmed", "Not met:"), ("escalated-well", "Not met:")]
    purpose = page.locator('#report-items li[data-item="stated-purpose"]')
    expect(purpose.locator(".item-head")).to_have_text("Met: Said what the call is about")
    expect(purpose.locator(".said")).to_have_text(f"You said: “{GUIDE[0]}”")
    # The tip is the coach's prompt, word for word (its wording lives in prompts/coach/).
    expect(page.locator('#report-items li[data-item="asked-next-steps"] .tip')).to_have_text(
        "Tip: " + book.text("tip-asked-next-steps"))

    # The caller's lines carry the moves the coach heard, in the order they were said.
    marks = page.locator("#transcript li.who-caller .moves")
    expect(marks).to_have_text(["Moves heard: purpose", "Moves heard: details", "Moves heard: outcome",
                                "Moves heard: asked name", "Moves heard: asked reference"])

    # The report takes the phone's place, beside the transcript.
    expect(page.locator(".phone")).to_be_hidden()
    report, transcript = page.locator("#report").bounding_box(), page.locator("#transcript").bounding_box()
    assert report["x"] + report["width"] <= transcript["x"] and abs(report["y"] - transcript["y"]) < 80
    page.screenshot(path=str(artifacts / "rehearse-report.png"), full_page=True)

    # Kept for the progress page: the id in localStorage, and the links.
    [kept] = page.evaluate("JSON.parse(localStorage.getItem('practice-line:rehearsal-reports'))")
    expect(page.locator("#report-saved a").first).to_have_attribute("href", f"/rehearse/reports/{kept}")
    expect(page.locator("#report-saved a").nth(1)).to_have_attribute("href", "/rehearse/progress")

    # Calling again puts the phone back.
    page.locator("#again").click()
    expect(page.locator(".phone")).to_be_visible()
    expect(page.locator("#report")).to_be_hidden()
    page.keyboard.press("Escape")


def test_the_progress_chart_shows_two_attempts(page, live_server, book, artifacts):
    page.goto(f"{live_server}/rehearse")
    page.screenshot(path=str(artifacts / "rehearse-scenarios.png"), full_page=True)
    page.get_by_role("link", name="Start rehearsal: A charge you don't recognize").click()
    page.wait_for_url("**/phone?scenario=unknown-charge")
    rehearse(page, live_server, book, "unknown-charge", GUIDE[:1], opened=True)
    rehearse(page, live_server, book, "stolen-abroad", [
        "hi i'm calling because my card was stolen while i'm traveling abroad",
        "please cancel it and send a replacement to my hotel"])
    first, second = page.evaluate("JSON.parse(localStorage.getItem('practice-line:rehearsal-reports'))")

    page.goto(f"{live_server}/rehearse/progress")
    page.wait_for_url(f"**/rehearse/progress?ids={first},{second}")
    points = page.locator(SVG_POINTS)
    expect(points).to_have_count(2)
    assert [points.nth(n).get_attribute("data-score") for n in range(2)] == ["2", "3"]
    expect(page.locator("table.attempts tbody td:nth-child(3)")).to_have_text([
        "A charge you don't recognize", "A card stolen while traveling abroad"])
    page.screenshot(path=str(artifacts / "rehearse-progress.png"), full_page=True)

    # An id the server no longer has is noted and forgotten; "Forget" clears the rest.
    page.evaluate("localStorage.setItem('practice-line:rehearsal-reports', JSON.stringify(['gone-away', "
                  f"'{first}', '{second}']))")
    page.goto(f"{live_server}/rehearse/progress")
    expect(page.locator("#missing-note")).to_contain_text("1 saved rehearsal was")
    expect(points).to_have_count(2)
    assert page.evaluate("JSON.parse(localStorage.getItem('practice-line:rehearsal-reports'))") == [first, second]
    page.get_by_role("button", name="Forget my rehearsals in this browser").click()
    expect(page.locator("#no-attempts")).to_contain_text("No rehearsals in this browser yet.")
    assert page.evaluate("localStorage.getItem('practice-line:rehearsal-reports')") is None


def test_a_persona_picked_on_rehearse_then_tried_again_from_the_pushback(page, live_server, book, artifacts):
    page.goto(f"{live_server}/rehearse")
    page.get_by_role("link", name="Rushed representative: A charge you don't recognize").click()
    page.wait_for_url("**/phone?scenario=unknown-charge&persona=rushed")
    expect(page.locator("#persona")).to_contain_text("Representative: Rushed.")
    expect(page.locator("#desk-keys")).to_contain_text("1 ask for a supervisor")
    rehearse(page, live_server, book, "unknown-charge", GUIDE, opened=True)
    expect(page.locator("#report-score")).to_have_text("Score: 6 of 10")
    expect(page.locator('#report-items li[data-item="held-the-line"] .verdict')).to_have_text("Not met:")
    expect(page.locator("#report-details")).to_contain_text("$84.20")
    page.screenshot(path=str(artifacts / "rehearse-persona-report.png"), full_page=True)

    page.get_by_role("link", name="Try again from the pushback").click()
    page.wait_for_url("**/phone?retry=*")
    expect(page.locator("#retrying")).to_contain_text("Trying again from the pushback")
    page.locator("#call").click()
    expect(page.locator("#transcript li.who-line").first).to_contain_text(book.text("desk-try-again"))
    listening(page)
    for words in ("could i speak to a supervisor please", "could i have a reference number for this call",
                  "what happens next and by when"):
        say(page, words)
    page.keyboard.press("Escape")
    expect(page.locator('#report-items li[data-item="held-the-line"] .verdict')).to_have_text("Met:")

    page.goto(f"{live_server}/rehearse/progress")
    row = page.locator('#item-progress tr[data-item="held-the-line"]')
    expect(row.locator("td")).to_have_text(["Not met", "Met", "Learned"])
    page.screenshot(path=str(artifacts / "rehearse-item-progress.png"), full_page=True)

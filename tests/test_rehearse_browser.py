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


@pytest.fixture
def book(app):
    return app.extensions["practice_line"].scenarios


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


def rehearse(page, base: str, book, scenario: str, lines: list[str]) -> None:
    """One rehearsal from the situation card to hang-up, saying each line in turn."""
    page.goto(f"{base}/phone?scenario={scenario}")
    page.locator("#call").click()
    expect(page.locator("#transcript li.who-line").first).to_have_text(
        re.compile(re.escape(book.words(scenario, "situation")) + "$"))
    listening(page)
    for words in lines:
        say(page, words)
    page.keyboard.press("Escape")
    expect(page.locator("#report")).to_be_visible()

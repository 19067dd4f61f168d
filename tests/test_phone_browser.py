"""Whole practice calls in the browser phone: Debian's Chromium, driven by Playwright, on a live server."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from ivr import store
from ivr.store.models import practice_calls

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.browser

# Captions only, at once: headless Chromium has no voice, and the tests should not wait for reading time.
FAST = {"phone": {"browser_speech": False, "caption_seconds_per_word": 0}}


@pytest.fixture
def app_config() -> dict:
    """Extra app config for one test (parametrize it to change)."""
    return {}


@pytest.fixture
def app(make_app, app_config):
    config = dict(app_config)  # the parametrized dict is shared by reruns: never change it
    settings = {**FAST, **config.pop("settings", {})}
    return make_app(settings=settings, **config)


def said(page, text: str) -> None:
    """Wait until the line has said `text` (in the transcript, where every caption is kept)."""
    expect(page.locator("#transcript li.who-line", has_text=text).first).to_be_visible()


def times_said(page, text: str) -> int:
    return page.locator("#transcript li.who-line", has_text=text).count()


def say_words(page, words: str) -> None:
    """Type what the caller would say into the box, send it with Enter, and leave the box by keyboard."""
    page.locator("#say-text").focus()
    page.keyboard.type(words)
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")  # back onto the keypad, so digits are keys again


def test_whole_call_by_keyboard_lost_card_back_representative_summary(page, live_server, line, artifacts):
    page.goto(f"{live_server}/phone")
    page.keyboard.press("Enter")  # Enter calls
    said(page, line.text("welcome"))
    said(page, line.text("footer-repeat"))
    expect(page.locator("#call-state")).to_have_text("In call: listening")

    page.keyboard.press("1")
    said(page, line.text("lost-card-intro"))
    said(page, line.text("identity-last-four"))  # the identity rehearsal
    expect(page.locator("#caption")).to_have_text(line.text("identity-last-four"))
    page.screenshot(path=str(artifacts / "phone-mid-call.png"), full_page=True)

    say_words(page, "go back")
    expect(page.locator("#transcript li.who-caller", has_text="You said: “go back”")).to_be_visible()
    expect(page.locator("#transcript li.who-line", has_text=line.text("main-intro"))).to_have_count(2)

    page.keyboard.press("0")
    said(page, line.text("representative-hold"))
    said(page, line.text("representative-greeting"))
    expect(page.locator("#call-timer")).not_to_have_text("")
    page.keyboard.press("Escape")  # Escape hangs up

    expect(page.locator("#call-state")).to_have_text("Call ended")
    expect(page.locator("#caption")).to_have_text("You hung up.")
    summary = page.locator("#summary")
    expect(summary).to_be_visible()
    expect(page.locator("#summary-path li")).to_have_text([
        "welcome", "main menu", "lost or stolen card", "identity check (lost card)", "main menu",
        "representative", "speaking with a representative"])
    expect(page.locator("#summary-references")).to_have_text("None on this call.")
    expect(page.locator("#summary-duration")).to_have_text(re.compile(r"^\d+ s$"))
    expect(page.locator("#summary-download")).to_have_attribute("href", re.compile(r"^/phone/calls/[\w-]{24}/transcript\.txt$"))
    page.emulate_media(media="print")  # Print shows the summary and transcript, not the phone
    expect(page.locator(".phone")).to_be_hidden()
    expect(page.locator("#transcript")).to_be_visible()
    page.emulate_media(media="screen")
    link = page.locator("#summary-saved a").get_attribute("href")
    stored = page.request.get(f"{live_server}{link}")
    assert stored.status == 200 and "speaking with a representative" in stored.text()


@pytest.mark.parametrize("app_config", [{"settings": {"voice": {"gather_timeout_cap": 1}}}])
def test_a_silent_caller_is_re_prompted_not_stalled(page, live_server, line):
    page.goto(f"{live_server}/phone")
    page.locator("#call").click()
    said(page, line.text("footer-repeat"))
    said(page, line.text("no-input"))  # after the 1 s gather timeout
    expect(page.locator("#transcript li.who-line", has_text=line.text("main-intro"))).to_have_count(2)
    expect(page.locator("#transcript li.who-note", has_text="No answer heard.").first).to_be_visible()
    expect(page.locator("#call-state")).to_have_text("In call: listening")
    page.keyboard.press("Escape")
    expect(page.locator("#call-state")).to_have_text("Call ended")


def test_saying_a_phrase_reaches_the_dispute_branch_and_a_reference(app, page, live_server, line):
    page.goto(f"{live_server}/phone")
    page.locator("#call").click()
    said(page, line.text("footer-repeat"))
    say_words(page, "I want to dispute a charge")
    said(page, line.text("dispute-intro"))
    page.keyboard.press("1")  # by phone
    said(page, line.text("identity-last-four"))
    page.keyboard.type("1234")
    said(page, line.text("dispute-date"))
    page.keyboard.type("031526")
    said(page, line.text("dispute-amount"))
    page.keyboard.type("4250#")
    said(page, line.text("dispute-merchant"))
    say_words(page, "Corner Cafe")
    said(page, line.text("end-dispute"))
    said(page, "To hear your reference number again, press 1.")

    # The line hangs up after the offer's gather times out and it says goodbye.
    expect(page.locator("#call-state")).to_have_text("Call ended", timeout=15_000)
    expect(page.locator("#summary-saved a")).to_be_visible()
    references = page.locator("#summary-references").inner_text()
    number = re.fullmatch(r"(\d{8}) \(dispute opened\)", references).group(1)
    expect(page.locator("#transcript li.who-caller", has_text="You entered 4 keys (not kept).")).to_have_count(2)
    expect(page.locator("#transcript li.who-caller", has_text="You entered 6 keys (not kept).")).to_have_count(1)

    with store.get_engine(app).connect() as connection:
        [row] = connection.execute(select(practice_calls.c.summary)).scalars().all()
    summary = json.loads(row)
    assert summary["references"] == [{"label": "dispute opened", "number": number}]
    assert [s["label"] for s in summary["path"]][:3] == ["welcome", "main menu", "dispute a charge"]
    kept = json.dumps(summary["transcript"]) + json.dumps(summary["path"])
    for typed in ("1234", "031526", "4250"):
        assert typed not in kept


@pytest.mark.parametrize(("start", "first_prompt"), [
    ("dispute", "dispute-intro"),
    ("representative", "representative-hold"),
    ("complaint", "complaint-intro"),
    ("no-such-node", "welcome"),
])
def test_start_links_begin_the_call_at_that_point(page, live_server, line, start, first_prompt):
    page.set_viewport_size({"width": 375, "height": 800})  # phone width
    page.goto(f"{live_server}/phone?start={start}")
    if start == "no-such-node":
        expect(page.locator("#start-notice")).to_contain_text("There is no menu point called “no-such-node”")
    page.locator("#call").click()
    expect(page.locator("#transcript li.who-line").first).to_have_text(re.compile(re.escape(line.text(first_prompt)) + "$"))
    page.keyboard.press("Escape")
    expect(page.locator("#call-state")).to_have_text("Call ended")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone


@pytest.mark.parametrize("app_config", [{"TWILIO_AUTH_TOKEN": "twilio-secret"}])
def test_with_twilio_auth_on_the_page_still_completes_a_call(page, live_server, line):
    page.goto(f"{live_server}/phone")
    page.locator("#call").click()
    said(page, line.text("welcome"))
    expect(page.locator("#call-state")).to_have_text("In call: listening")  # keys count only once it listens
    page.keyboard.press("2")
    said(page, line.text("dispute-intro"))
    page.keyboard.press("Escape")
    expect(page.locator("#summary-path li")).to_have_text(["welcome", "main menu", "dispute a charge"])
    # Without the token the same route is refused: the guard is really on.
    refused = page.request.post(f"{live_server}/voice/incoming", form={"CallSid": "CA" + "0" * 32})
    assert refused.status == 403


def no_answer_heard(page) -> int:
    return page.locator("#transcript li.who-note", has_text="No answer heard.").count()


@pytest.mark.parametrize("app_config", [{"settings": {"voice": {"gather_timeout_cap": 3}}}])
def test_a_slow_typist_is_waited_for_and_a_line_left_in_the_box_is_sent(page, live_server, line):
    """A caller typing 0.1 s a key, for longer than the 3 s the line listens (its timeouts capped at 3 s here,
    the typed answer's pause stays 3 s): like Twilio's speechTimeout="auto" for a speaker, the line waits while
    they type and answers a pause after they stop."""
    page.goto(f"{live_server}/phone?scenario=unknown-charge")
    expect(page.get_by_text("No hurry")).to_have_count(1)  # the page says it once
    page.locator("#call").click()
    expect(page.locator("#call-state")).to_have_text("In call: listening")
    greeted = page.locator("#transcript li.who-line").count()
    first = "hi I'm calling about a charge I don't recognize"  # 48 keys: 4.8 s of typing
    page.wait_for_timeout(500)  # thinking first, as people do
    page.locator("#say-text").focus()
    page.keyboard.type(first, delay=100)
    page.keyboard.press("Enter")
    expect(page.locator("#transcript li.who-caller", has_text=f"You said: “{first}”")).to_be_visible()
    expect(page.locator("#transcript li.who-line").nth(greeted)).to_be_attached()  # the representative answered
    expect(page.locator("#call-state")).to_have_text("In call: listening")

    second = "it was from bright lake electronics"  # 35 keys (3.5 s), and no Enter: the pause after them sends it
    page.wait_for_timeout(500)
    page.keyboard.type(second, delay=100)
    expect(page.locator("#transcript li.who-caller", has_text=f"You said: “{second}”")).to_be_visible(timeout=10_000)
    expect(page.locator("#say-text")).to_have_value("")
    expect(page.locator("#call-state")).to_have_text("In call: listening")

    assert no_answer_heard(page) == 0
    assert page.locator("#transcript li.who-caller").count() == 2
    expect(page.get_by_text("No hurry")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("#caption")).to_have_text("You hung up.")  # the caller hung up, not the line


@pytest.mark.parametrize("app_config", [{"settings": {"phone": {"browser_speech": False,
                                                                 "caption_seconds_per_word": 0.35}}}])
def test_a_returning_caller_skips_the_welcome_by_typing(page, live_server, line):
    page.goto(f"{live_server}/phone")
    page.keyboard.press("Enter")  # Enter calls; the focus moves to Hang up
    said(page, line.text("welcome"))  # about 4.5 s of caption before the disclaimer
    page.keyboard.type("dispute")  # typed anywhere on the page: the words go to "What you would say"
    expect(page.locator("#say-text")).to_have_value("dispute")
    page.keyboard.press("Enter")
    expect(page.locator("#transcript li.who-caller", has_text="You said: “dispute”")).to_be_visible()
    said(page, line.text("dispute-intro"))
    assert times_said(page, line.text("disclaimer").split(".")[0]) == 0  # the typing cut the welcome short
    assert times_said(page, line.text("main-intro")) == 0
    page.keyboard.press("Escape")

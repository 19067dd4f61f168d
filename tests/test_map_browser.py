"""The menu map in Chromium: a node of the picture starts a call there, and the call's summary leads back to its path."""

from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.browser

FAST = {"phone": {"browser_speech": False, "caption_seconds_per_word": 0}}


@pytest.fixture
def app(make_app):
    return make_app(settings=FAST)


def test_clicking_a_node_starts_a_call_there_and_the_summary_links_back_to_its_path(page, live_server, line,
                                                                                  artifacts):
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server}/map")
    expect(page.locator("svg.menu-map-picture")).to_be_visible()
    assert problems == []  # nothing blocked by the Content-Security-Policy, nothing missing
    page.screenshot(path=str(artifacts / "menu-map.png"))
    page.locator("g#node-dispute a").click()

    page.wait_for_url(f"{live_server}/phone?start=dispute")
    expect(page.locator("#start-notice")).to_have_text("This call starts at: dispute a charge.")
    page.locator("#call").click()
    expect(page.locator("#transcript li.who-line", has_text=line.text("dispute-intro")).first).to_be_visible()
    expect(page.locator("#transcript li.who-line", has_text=line.text("welcome"))).to_have_count(0)
    page.keyboard.press("2")  # documents by mail
    expect(page.locator("#transcript li.who-line", has_text=line.text("anything-else")).first).to_be_visible()
    page.keyboard.press("Escape")

    link = page.locator("#summary-map")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "/map?path=dispute,dispute-mail,anything-else")
    link.click()
    page.wait_for_url(f"{live_server}/map?path=dispute,dispute-mail,anything-else")
    expect(page.locator("g.node.on-path")).to_have_count(3)
    expect(page.locator(".marked-path li")).to_have_text(["dispute a charge", "dispute documents by mail",
                                                          "anything else"])
    page.screenshot(path=str(artifacts / "menu-map-path.png"), full_page=True)


def test_a_keyboard_user_reaches_a_node_of_the_picture_and_starts_a_call(page, live_server):
    page.goto(f"{live_server}/map")
    node = page.locator("g#node-main a")
    node.focus()
    expect(node).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/phone?start=main")
    expect(page.locator("#start-notice")).to_have_text("This call starts at: main menu.")


READABLE_PX = 12


@pytest.mark.parametrize("width", [1440, 1024, 375])
def test_every_label_of_the_picture_is_at_least_12_px_and_the_frame_scrolls(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/map")
    expect(page.locator("svg.menu-map-picture")).to_be_visible()
    # Each label's font size as drawn on screen: its size in the picture times the picture's scale.
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.menu-map-picture text')].map(
        (t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a)""")
    assert len(sizes) > 100
    assert min(sizes) >= READABLE_PX - 0.01, f"the smallest label is {min(sizes):.1f} px"
    frame = page.evaluate("""() => { const f = document.querySelector('.map-frame');
        return [f.scrollWidth > f.clientWidth, getComputedStyle(f).overflowX,
                document.documentElement.scrollWidth <= window.innerWidth]; }""")
    assert frame == [True, "auto", True]  # the picture scrolls in its frame; the page itself does not

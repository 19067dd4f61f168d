"""Every page passes axe-core (WCAG 2.0, 2.1, 2.2 A and AA, and best practice) in Debian's Chromium."""

import pytest
from a11y import PAGES, audit

pytestmark = pytest.mark.browser

# Captions at once and no browser voice: the audit should not wait for reading time.
FAST = {"phone": {"browser_speech": False, "caption_seconds_per_word": 0}}


@pytest.fixture
def app(make_app):
    return make_app(settings=FAST)


def test_pages_are_listed():
    assert len(PAGES) >= 13  # a loop over no pages would audit nothing


@pytest.mark.parametrize("entry", PAGES, ids=[p.name for p in PAGES])
def test_no_accessibility_violations(page, live_server, entry):
    response = page.goto(live_server + entry.path)
    assert response.status == entry.status
    if entry.then:
        entry.then(page)
    violations = audit(page)
    assert violations == [], f"{entry.name} ({entry.path}):\n  " + "\n  ".join(violations)


def test_the_audit_does_find_violations(page, live_server):
    page.goto(live_server + "/")
    page.evaluate("""() => {
        const img = document.createElement('img'); img.src = 'data:,'; document.querySelector('main').append(img);
    }""")
    found = audit(page)
    assert any(line.startswith("image-alt (critical): ") for line in found), found

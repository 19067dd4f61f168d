"""The checklist in Debian's Chromium: pick a reason, type a note, print it."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.browser

NOTE = "Jordan, ref 55501"


def test_pick_a_reason_type_a_note_and_print(live_server, page, artifacts):
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url + " " + (request.post_data or "")))

    page.goto(f"{live_server}/checklist")
    page.get_by_label("Dispute a charge").check()
    page.get_by_label("Abroad").check()
    page.get_by_role("button", name="Make my checklist").click()
    page.wait_for_url("**/checklist?reason=dispute&region=abroad&card=personal&urgency=")
    assert page.locator("h1").inner_text() == "Call checklist: Dispute a charge"
    assert page.locator(".call-box .number a").inner_text() == "+1-623-492-5450"

    page.get_by_label("Representative's name").fill(NOTE)
    page.get_by_label("What was agreed").fill("Provisional credit\nLetter within 10 days")

    # Kept in this browser: back after a reload, and in localStorage under this checklist's key.
    page.reload()
    assert page.get_by_label("Representative's name").input_value() == NOTE
    stored = page.evaluate("localStorage.getItem('practice-line:notes:' + "
                           "document.querySelector('[data-store-key]').dataset.storeKey)")
    assert '"representative":"Jordan, ref 55501"' in stored

    page.emulate_media(media="print")
    assert page.locator("#note-representative").is_hidden()
    copy = page.locator('[data-copy-of="representative"]')
    assert copy.is_visible() and copy.inner_text() == NOTE
    assert page.locator('[data-copy-of="agreed"]').inner_text() == "Provisional credit\nLetter within 10 days"
    assert page.locator(".practice").first.is_hidden()
    assert page.locator(".simulator-notice").is_visible()
    page.screenshot(path=str(artifacts / "checklist-print.png"), full_page=True)
    # Chromium's own print of the page, notes included, also fits two sheets of either paper.
    for paper in ("Letter", "A4"):
        printed = artifacts / f"checklist-print-{paper.lower()}.pdf"
        page.pdf(path=str(printed), format=paper)
        reader = PdfReader(str(printed))
        assert len(reader.pages) <= 2
        assert NOTE in reader.pages[0].extract_text() + reader.pages[-1].extract_text()

    # Nothing typed ever left the browser.
    assert sent and not any("Jordan" in s or "55501" in s for s in sent)


def test_print_button_calls_window_print(live_server, page):
    page.goto(f"{live_server}/checklist?reason=lost-card")
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed") == 1


def test_notes_are_kept_per_checklist(live_server, page):
    page.goto(f"{live_server}/checklist?reason=rewards")
    page.get_by_label("Reference number", exact=True).fill("R-1")
    page.goto(f"{live_server}/checklist?reason=payments")
    assert page.get_by_label("Reference number", exact=True).input_value() == ""
    page.goto(f"{live_server}/checklist?reason=rewards")
    assert page.get_by_label("Reference number", exact=True).input_value() == "R-1"
    page.get_by_role("button", name="Clear my notes").click()
    page.reload()
    assert page.get_by_label("Reference number", exact=True).input_value() == ""

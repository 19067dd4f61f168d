"""Take the README's screenshots (docs/checklist.png, docs/phone.png, docs/rehearse.png) of a running app.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL]   (default http://127.0.0.1:5000)
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def main(base: str) -> None:
    """Open each page the README shows in Debian's Chromium and save what it looks like."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 760})
        page.goto(f"{base}/checklist?reason=dispute")
        page.screenshot(path=str(DOCS / "checklist.png"))
        page.goto(f"{base}/rehearse")
        page.screenshot(path=str(DOCS / "rehearse.png"))
        page.set_viewport_size({"width": 1000, "height": 1040})  # the whole phone, keypad to Hang up
        page.goto(f"{base}/phone")
        page.keyboard.press("Enter")  # Enter calls
        page.wait_for_timeout(1500)
        page.keyboard.press("2")  # skip the welcome: the dispute menu
        page.wait_for_timeout(6000)
        page.locator("#say-text").fill("I want to dispute a charge")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS / "phone.png"))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")

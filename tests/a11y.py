"""The accessibility audit: axe-core (pinned in package-lock.json) injected into a page by Playwright.

One place for the rules and the pages: every page a person can open is listed in PAGES, and
tests/test_accessibility.py audits each one. A new page gets a line in PAGES, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def audit(page) -> list[str]:
    """Run axe-core on the page as it is now; one line per violation: rule id, impact and the elements."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run ./scripts/test.sh (it runs npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script>: the pages' CSP allows no inline script.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
                           "['violations']})", TAGS)
    return [f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"])
            for v in result["violations"]]


# --- The pages: a name, the URL to open, the status it answers, and what to do there first ---

def _call_until_listening(page) -> None:
    """Place a call and wait until the line listens at the main menu (mid-call)."""
    page.locator("#call").click()
    page.locator("#call-state", has_text="In call: listening").wait_for()
    page.keyboard.press("1")  # into the lost-card branch: captions, a transcript of several lines
    page.locator("#transcript li.who-caller").first.wait_for()
    page.locator("#call-state", has_text="In call: listening").wait_for()


def _hang_up(page) -> None:
    """A call that has ended: the summary is on the page."""
    _call_until_listening(page)
    page.keyboard.press("Escape")
    page.locator("#summary-saved a").wait_for()


def _saved_summary(page) -> None:
    """The stored summary page that the link after hang-up opens."""
    _hang_up(page)
    page.locator("#summary-saved a").click()
    page.wait_for_url("**/phone/calls/*")


def _rehearse_until_listening(page, lines=("hi i'm calling about a charge i don't recognize",)) -> None:
    """Start a rehearsal, say each line (what the call is about), and wait until the representative listens."""
    page.locator("#call").click()
    for words in lines:
        page.locator("#call-state", has_text="In call: listening").wait_for()
        count = page.locator("#transcript li.who-caller").count()
        page.locator("#say-text").fill(words)
        page.locator("#say-text").press("Enter")
        page.locator("#transcript li.who-caller").nth(count).wait_for()
    page.locator("#call-state", has_text="In call: listening").wait_for()


def _rehearsed(page) -> None:
    """A rehearsal that has ended: the coach's report beside the transcript, the moves marked."""
    _rehearse_until_listening(page)
    page.keyboard.press("Escape")
    page.locator("#report-saved a").first.wait_for()
    page.locator("#transcript .moves").first.wait_for()


def _rehearsed_past_the_pushback(page) -> None:
    """A rehearsal that reached the representative's no and then ended: its report offers to try again."""
    _rehearse_until_listening(page, ("hi i'm calling about a charge on my statement that i don't recognize",
                                     "it's from bright lake electronics on march third for eighty four dollars and "
                                     "twenty cents", "yes", "i'd like the charge removed while it's investigated"))
    page.keyboard.press("Escape")
    page.locator("#report-retry-link").wait_for()


def _trying_again(page) -> None:
    """The phone page that "Try again from the pushback" opens."""
    _rehearsed_past_the_pushback(page)
    page.locator("#report-retry-link").click()
    page.wait_for_url("**/phone?retry=*")


def _rehearsed_missing_the_purpose(page) -> None:
    """A rehearsal that opened with the details, never the purpose, and ended after the representative's no:
    its report offers both starts (the pushback, and where it first went wrong)."""
    _rehearse_until_listening(page, ("it's from bright lake electronics on march third for eighty four dollars "
                                     "and twenty cents", "yes", "i'd like the charge removed while it's investigated"))
    page.keyboard.press("Escape")
    page.locator("#report-retry-early-link").wait_for()


def _trying_again_from_the_first_miss(page) -> None:
    """The phone page that "Try again from where it first went wrong" opens."""
    _rehearsed_missing_the_purpose(page)
    page.locator("#report-retry-early-link").click()
    page.wait_for_url("**/phone?retry=*&from=first-miss")
    page.locator("#retrying").wait_for()


def _saved_report_with_both_starts(page) -> None:
    """A saved report whose page offers both starts."""
    _rehearsed_missing_the_purpose(page)
    page.locator("#report-saved a").first.click()
    page.wait_for_url("**/rehearse/reports/*")
    page.locator("#try-again-early").wait_for()


def _saved_report_to_try_again(page) -> None:
    """A saved report whose page offers to try again from the pushback."""
    _rehearsed_past_the_pushback(page)
    page.locator("#report-saved a").first.click()
    page.wait_for_url("**/rehearse/reports/*")
    page.locator("#try-again").wait_for()


def _saved_report(page) -> None:
    """The saved report's page that the link after a rehearsal opens."""
    _rehearsed(page)
    page.locator("#report-saved a").first.click()
    page.wait_for_url("**/rehearse/reports/*")


def _progress(page) -> None:
    """The progress page with an attempt on its chart (reached by the link after a rehearsal)."""
    _rehearsed(page)
    page.locator("#report-saved a").nth(1).click()
    page.wait_for_url("**/rehearse/progress?ids=*")
    page.locator("svg.score-chart").wait_for()


@dataclass(frozen=True)
class Page:
    """One page to audit."""

    name: str
    path: str
    status: int = 200
    then: Callable | None = None  # drives the page into the state to audit


PAGES = [
    Page("home", "/"),
    Page("checklist form", "/checklist"),
    Page("a checklist", "/checklist?reason=dispute&reason=lost-card&region=abroad&urgency=now"),
    Page("checklist form with an error", "/checklist?reason=no-such-reason", status=400),
    Page("phone, idle", "/phone"),
    Page("phone, started at a node", "/phone?start=dispute"),
    Page("phone, unknown start", "/phone?start=no-such-node"),
    Page("phone, mid-call", "/phone", then=_call_until_listening),
    Page("phone, after hang-up", "/phone", then=_hang_up),
    Page("saved call summary", "/phone", then=_saved_summary),
    Page("unknown saved call", "/phone/calls/no-such-call", status=404),
    Page("menu map", "/map"),
    Page("menu map with a path marked", "/map?path=welcome,main,lost-card,lost-card-identity"),
    Page("page not found", "/no-such-page", status=404),
    Page("method not allowed", "/phone/token", status=405),
    Page("rehearsal scenarios", "/rehearse"),
    Page("phone, a rehearsal", "/phone?scenario=unknown-charge"),
    Page("phone, unknown scenario", "/phone?scenario=no-such-scenario"),
    Page("phone, a rehearsal with a persona", "/phone?scenario=fraud-alert&persona=by-the-book"),
    Page("phone, unknown persona", "/phone?scenario=unknown-charge&persona=no-such-persona"),
    Page("phone, report offering to try again", "/phone?scenario=unknown-charge&persona=rushed",
         then=_rehearsed_past_the_pushback),
    Page("phone, trying again from the pushback", "/phone?scenario=unknown-charge", then=_trying_again),
    Page("saved report offering to try again", "/phone?scenario=unknown-charge", then=_saved_report_to_try_again),
    Page("phone, report offering both starts", "/phone?scenario=unknown-charge", then=_rehearsed_missing_the_purpose),
    Page("phone, trying again from where it first went wrong", "/phone?scenario=unknown-charge",
         then=_trying_again_from_the_first_miss),
    Page("saved report offering both starts", "/phone?scenario=unknown-charge", then=_saved_report_with_both_starts),
    Page("phone, unknown try-again start", "/phone?retry=no-such-report&from=the-middle", status=400),
    Page("phone, mid-rehearsal", "/phone?scenario=unknown-charge", then=_rehearse_until_listening),
    Page("phone, rehearsal report", "/phone?scenario=unknown-charge", then=_rehearsed),
    Page("saved rehearsal report", "/phone?scenario=unknown-charge", then=_saved_report),
    Page("unknown rehearsal report", "/rehearse/reports/no-such-report", status=404),
    Page("rehearsal progress, none yet", "/rehearse/progress"),
    Page("rehearsal progress, with an attempt", "/phone?scenario=unknown-charge", then=_progress),
    Page("rehearsal progress, unknown ids", "/rehearse/progress?ids=no-such-report"),
    Page("rehearsal progress, too many ids", "/rehearse/progress?ids=" + ",".join(f"id{n}" for n in range(51)),
         status=400),
]


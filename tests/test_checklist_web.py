"""The checklist over HTTP: the index, the form, the page, the PDF and the .ics reminder."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import quote

import pytest
from icalendar import Calendar
from lxml import html as lxml_html
from pypdf import PdfReader

pytestmark = pytest.mark.shared_app  # its tests only call the app: they share one (conftest.py)

# In the guide's order.
REASONS = ["lost-card", "dispute", "rewards", "personal-info", "benefits", "payments", "applications",
           "complaint", "damaged-card", "security-code"]
VERIFY = "Always check a number against the issuer's website or the back of your card before you call."


def _doc(response):
    return lxml_html.fromstring(response.data)


def _text(node) -> str:
    return " ".join(node.text_content().split())


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_index_links_to_both_halves(client):
    response = client.get("/")
    assert response.status_code == 200
    doc = _doc(response)
    assert [a.get("href") for a in doc.cssselect("main h2 a")] == ["/checklist", "/phone"]
    assert [_text(a) for a in doc.cssselect("main h2 a")] == ["Prepare a call", "Practice a call"]
    assert "Practice simulator: this is not American Express" in _text(doc)


def test_form_asks_only_the_four_questions(client):
    response = client.get("/checklist")
    assert response.status_code == 200
    doc = _doc(response)
    form = doc.cssselect("form.questions")[0]
    assert form.get("action") == "/checklist" and form.get("method") == "get"
    assert sorted({i.get("name") for i in form.cssselect("input")}) == ["card", "reason", "region", "urgency"]
    assert [i.get("value") for i in form.cssselect("input[name=reason]")] == REASONS
    labels = [_text(label) for label in form.cssselect("fieldset")[0].cssselect("label")]
    assert labels == ["Lost or stolen card", "Dispute a charge", "Rewards points", "Update personal information",
                      "Card benefits", "Make a payment or payment options", "Apply, or application status",
                      "Complaint or feedback", "Damaged card", "Security code questions"]
    # Urgency starts blank: the reasons decide (a lost card is for calling now).
    assert [i.get("value") for i in form.cssselect("input[checked]")] == ["us", "personal", ""]


@pytest.mark.parametrize("reason", REASONS)
def test_page_for_each_reason(client, app, reason):
    response = client.get(f"/checklist?reason={reason}&region=us&card=personal")
    assert response.status_code == 200
    doc = _doc(response)
    book = app.extensions["practice_line"].reasons
    [section] = doc.cssselect(f"section.reason[data-reason={reason}]")
    assert _text(section.cssselect("h2")[0]) == book.reasons[reason].title
    assert _text(section.cssselect(".opener")[0]) == f"Say first: “{book.reasons[reason].opener}”"
    assert section.cssselect(".practice a")[0].get("href") == f"/phone?start={reason}"
    assert section.cssselect("code") == []  # a person gets a link, never a developer command
    call = doc.cssselect(".call-box")[0]
    assert call.cssselect(".number a")[0].get("href") == "tel:+18005282122"
    assert _text(call.cssselect(".number a")[0]) == "1-800-528-2122"
    assert _text(call.cssselect(".verify")[0]) == "The number on the back of your card is the one to trust. " + VERIFY
    urgency = "now" if reason == "lost-card" else "soon"  # a lost card can't wait
    assert doc.cssselect(".share a")[0].get("href") == \
        f"http://localhost/checklist?reason={reason}&region=us&card=personal&urgency={urgency}"
    have_ready = _text(doc.cssselect("section.gather")[0]).lower()
    assert "password" not in have_ready and "user id" not in have_ready and " pin" not in have_ready
    assert ("No representative will ask for your password or PIN, so never give them on a call; they are only "
            "for logging in to the website or the app.") in [_text(li) for li in doc.cssselect("section.tips li")]


@pytest.mark.parametrize("query, urgency, label", [
    ("reason=lost-card", "now", "Urgent: today"),
    ("reason=dispute&reason=lost-card", "now", "Urgent: today"),
    ("reason=lost-card&urgency=whenever", "whenever", "No rush"),
    ("reason=dispute", "soon", "In the next few days"),
])
def test_a_lost_card_defaults_to_urgent(client, query, urgency, label):
    doc = _doc(client.get(f"/checklist?{query}"))
    assert _text(doc.cssselect(".situation")[0]).endswith(label)
    assert f"urgency={urgency}" in doc.cssselect(".share a")[0].get("href")


@pytest.mark.parametrize("url", ["/", "/checklist", "/checklist?reason=dispute&reason=lost-card&region=abroad",
                                 "/checklist?reason=nope", "/phone", "/phone?start=dispute", "/no-such-page"])
def test_caller_pages_show_links_not_developer_commands(client, url):
    page = client.get(url).get_data(as_text=True)
    for command in ("./scripts/", "practice.sh", "flask --app", ".venv/", "pytest"):
        assert command not in page, (url, command)


def test_page_abroad_corporate_urgent(client):
    response = client.get("/checklist?reason=dispute&reason=complaint&region=abroad&card=corporate&urgency=now")
    assert response.status_code == 200
    doc = _doc(response)
    call = doc.cssselect(".call-box")[0]
    assert _text(call.cssselect(".number")[0]) == \
        "+1-623-492-3932 Corporate Card Member Customer Service, 24 hours a day, 7 days a week"
    assert call.cssselect(".number a")[0].get("href") == "tel:+16234923932"
    assert _text(call.cssselect(".collect")[0]) == "Collect calls are accepted from abroad."
    assert _text(doc.cssselect(".situation")[0]) == "Abroad · Corporate card · Urgent: today"
    bests = [s.cssselect(".best [data-channel]")[0].get("data-channel") for s in doc.cssselect("section.reason")]
    assert bests == ["phone", "mail"]
    address = doc.cssselect(".mail .address")[0]
    assert [t for t in address.itertext() if t != ", "] == ["American Express", "P.O. Box 981535", "El Paso, TX 79998-1535"]
    assert len(address.cssselect("br")) == len(address.cssselect(".address-comma")) == 2  # lines on screen, commas on paper
    # The abroad FAQ shows numbers, so it carries the reminder to check them.
    abroad = [dd for dd in doc.cssselect(".faq dd") if "collect calls" in _text(dd)][0]
    assert _text(abroad).endswith(VERIFY)


def test_shortcut_shown_is_the_flow_key_path(client):
    doc = _doc(client.get("/checklist?reason=damaged-card&reason=lost-card"))
    shortcuts = {s.get("data-reason"): s.cssselect(".shortcut")[0] for s in doc.cssselect("section.reason")}
    assert shortcuts["damaged-card"].get("data-shortcut") == "#|1"
    assert [_text(k) for k in shortcuts["damaged-card"].cssselect("kbd")] == ["#", "1"]
    assert shortcuts["lost-card"].get("data-shortcut") == "1"


def test_notes_block_has_a_field_and_a_print_copy_for_each_note(client):
    doc = _doc(client.get("/checklist?reason=rewards"))
    notes = doc.cssselect("section.notes")[0]
    ids = [t.get("data-note") for t in notes.cssselect("textarea")]
    assert ids == ["representative", "when", "reference", "reference-2", "agreed", "next-steps", "follow-up"]
    # Room for two reference numbers, and a few lines for names, the date and time, and what was agreed.
    assert [notes.cssselect(f"#note-{i}")[0].get("rows") for i in ids] == ["2", "2", "1", "1", "4", "3", "1"]
    assert [d.get("data-copy-of") for d in notes.cssselect(".note-copy")] == ids
    # Notes are never a form field, so nothing typed can be submitted.
    assert not notes.cssselect("form") and all(t.get("name") is None for t in notes.cssselect("textarea"))
    assert doc.cssselect("article.checklist")[0].get("data-store-key") == \
        "reason=rewards&region=us&card=personal&urgency=soon"


@pytest.mark.parametrize("urgency", ["", "now", "soon", "whenever"])
def test_a_dispute_page_always_warns_of_fraud(client, urgency):
    doc = _doc(client.get(f"/checklist?reason=dispute&urgency={urgency}"))
    [section] = doc.cssselect("section.reason[data-reason=dispute]")
    assert _text(section.cssselect("p.note")[0]) == (
        "If you don't recognize the charge at all, it may be fraud: call now, the line is open 24 hours a day, "
        "7 days a week.")


@pytest.mark.parametrize("reason", REASONS)
def test_have_ready_starts_with_the_card(client, reason):
    doc = _doc(client.get(f"/checklist?reason={reason}"))
    first = doc.cssselect("section.gather li")[0]
    expected = "card-elsewhere" if reason == "lost-card" else "card-code" if reason in (
        "dispute", "security-code") else "card-if-any" if reason == "applications" else "card"
    assert first.get("data-item") == expected
    assert ("last four digits" in _text(first)) and ("statements" in _text(first)) == (reason == "lost-card")


def test_reminder_form_carries_the_situation(client):
    doc = _doc(client.get("/checklist?reason=payments&region=abroad"))
    form = doc.cssselect("#reminder form")[0]
    assert form.get("action") == "/checklist/reminder.ics"
    assert [(i.get("name"), i.get("value")) for i in form.cssselect("input[type=hidden]")] == [
        ("reason", "payments"), ("region", "abroad"), ("card", "personal"), ("urgency", "soon")]
    assert form.cssselect("input[type=date]")[0].get("value") == (dt.date.today() + dt.timedelta(days=7)).isoformat()


# --- Bad input: 400 with the form and what to fix; script shown as text; never 5xx ---

@pytest.mark.parametrize("url, message", [
    ("/checklist?reason=fraud", "Unknown reason 'fraud': choose one or more reasons from the list."),
    ("/checklist?reason=", "Choose at least one reason for calling."),
    ("/checklist?region=us", "Choose at least one reason for calling."),
    ("/checklist?reason=dispute&region=mars",
     "'mars' is not an answer for where you are calling from: choose 'us' or 'abroad'."),
    ("/checklist.pdf", "Choose at least one reason for calling."),
    ("/checklist.pdf?reason=dispute&paper=a3", "Paper size must be 'letter' or 'a4'; 'a3' is neither."),
    ("/checklist/reminder.ics?reason=dispute", "Choose the date for your reminder (YYYY-MM-DD, for example"),
    ("/checklist/reminder.ics?reason=dispute&date=2026-02-30", "'2026-02-30' is not a date: write it as YYYY-MM-DD"),
    ("/checklist/reminder.ics?reason=dispute&date=2001-01-01",
     "The reminder date 2001-01-01 has passed: choose today or a later date."),
    ("/checklist/reminder.ics?reason=nope&date=2001-01-01", "Unknown reason 'nope'"),
])
def test_bad_parameters_get_400_with_the_form(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert response.content_type == "text/html; charset=utf-8"
    doc = _doc(response)
    problems = [_text(li) for li in doc.cssselect(".problems li")]
    assert any(p.startswith(message) for p in problems), problems
    form = doc.cssselect("form.questions")[0]
    assert form.get("action") == url.split("?")[0]  # fix it and go straight back where you were going


def test_the_form_keeps_what_was_valid(client):
    doc = _doc(client.get("/checklist?reason=dispute&reason=bogus&region=abroad&card=gold"))
    assert [i.get("value") for i in doc.cssselect("form.questions input[checked]")] == ["dispute", "abroad",
                                                                                         "personal", ""]
    doc = _doc(client.get("/checklist?reason=bogus&urgency=whenever"))
    assert doc.cssselect("form.questions input[name=urgency][checked]")[0].get("value") == "whenever"


def test_the_form_left_as_it_is_gives_a_lost_card_the_urgent_checklist(client):
    # What the form sends when only the reason is picked: urgency is blank.
    page = client.get("/checklist?reason=lost-card&region=us&card=personal&urgency=")
    assert page.status_code == 200
    assert '<input type="hidden" name="urgency" value="now">' in page.get_data(as_text=True)
    urgent = client.get("/checklist?reason=lost-card&region=us&card=personal&urgency=now").get_data(as_text=True)
    assert page.get_data(as_text=True) == urgent


def test_reminder_form_on_400_asks_for_the_date_again(client):
    doc = _doc(client.get("/checklist/reminder.ics?reason=dispute&date=tomorrow"))
    assert doc.cssselect("form.questions input[name=date]")[0].get("value") == "tomorrow"


SCRIPT = '<script>alert("x")</script>'


@pytest.mark.parametrize("param", ["reason", "region", "card", "urgency", "date", "paper"])
@pytest.mark.parametrize("path", ["/checklist", "/checklist.pdf", "/checklist/reminder.ics"])
def test_script_in_any_parameter_is_shown_as_text(client, path, param):
    params = {"reason": "dispute", "date": (dt.date.today() + dt.timedelta(days=3)).isoformat(), param: SCRIPT}
    response = client.get(path, query_string=params)
    body = response.data.decode("utf-8", "replace")
    # Each route reads only its own parameters: the page ignores date and paper, the reminder ignores paper.
    read = {"reason", "region", "card", "urgency"} | {"/checklist.pdf": {"paper"},
                                                      "/checklist/reminder.ics": {"date"}}.get(path, set())
    assert response.status_code == (400 if param in read else 200)
    assert "<script>alert" not in body
    if param in read:
        assert "&lt;script&gt;alert(" in body
        problems = " ".join(_text(li) for li in _doc(response).cssselect(".problems li"))
        assert '<script>alert("x")' in problems  # shown as text, escaped in the markup above


WEIRD = [
    b"reason=" + b"a" * 20000,
    b"reason=%ff%fe&region=%c0%af",
    b"reason=dispute&" + b"&".join(b"reason=lost-card" for _ in range(500)),
    b"reason[]=dispute",
    b"reason=dispute&date=9999-99-99",
    b"reason=dispute&date=0000-01-01",
    b"reason=dispute&date=%00",
    b"%%%%&&&==",
    b"reason=dispute&card=&region=&urgency=",
    "reason=dispute&region=ümlaut&date=２０２６-１２-０１".encode(),
]


@pytest.mark.parametrize("query", WEIRD)
@pytest.mark.parametrize("path", ["/checklist", "/checklist.pdf", "/checklist/reminder.ics"])
def test_no_5xx_on_any_input(client, path, query):
    response = client.get(f"{path}?{quote(query, safe='=&%[]')}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert b'<form class="questions"' in response.data


# --- The PDF: same template, text checked, one reason on one page ---

@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("reason", REASONS)
def test_pdf_for_each_reason_fits_one_page(client, reason, paper):
    # The longest case: abroad (collect numbers, one more answer), corporate, urgent.
    response = client.get(f"/checklist.pdf?reason={reason}&region=abroad&card=corporate&urgency=now&paper={paper}")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="checklist-{reason}.pdf"'
    pages, text = _pdf_text(response.data)
    assert pages == 1
    assert "+1-623-492-3932" in text
    assert "Collect calls are accepted from abroad." in text
    assert "The number on the back of your card is the one to trust." in text
    assert "Representative's name" in text and "Reference number" in text and "What was agreed" in text
    assert "Practice simulator: this is not American Express" in text
    # The screen-only parts stay off paper.
    assert "Practice this call" not in text and "Download reminder" not in text


def test_pdf_a4_and_letter_sizes(client):
    letter = PdfReader(io.BytesIO(client.get("/checklist.pdf?reason=complaint").data))
    a4 = PdfReader(io.BytesIO(client.get("/checklist.pdf?reason=complaint&paper=a4").data))
    assert [round(float(v)) for v in letter.pages[0].mediabox[2:]] == [612, 792]
    assert [round(float(v)) for v in a4.pages[0].mediabox[2:]] == [595, 842]
    assert len(letter.pages) == len(a4.pages) == 1


def test_pdf_text_for_a_dispute(client):
    _, text = _pdf_text(client.get("/checklist.pdf?reason=dispute").data)
    assert "Call checklist: Dispute a charge" in text
    assert "1-800-528-2122" in text
    assert "Best way: Online account." in text
    assert "Hello, I'd like to dispute a charge on my statement, dated ______, from ______, for ______." in text
    assert "The charge you're disputing - its date, the merchant's name and the amount." in text
    assert "P.O. Box 981535" in text
    assert re.search(r"press 2\s*\.", text)


@pytest.mark.parametrize("url, served", [
    ("http://practice-line.invalid/checklist/static/checklist.css", True),
    ("http://practice-line.invalid/checklist/static/../routes.py", False),
    ("http://practice-line.invalid/static/../__init__.py", False),
    ("http://practice-line.invalid/static/%2e%2e/__init__.py", False),
    ("http://practice-line.invalid/favicon.ico", False),
    ("https://fonts.example.com/static/font.woff2", False),
    ("file:///etc/passwd", False),
])
def test_pdf_fetches_only_static_files(app, url, served):
    from pathlib import Path

    from ivr.checklist.pdf import StaticFetcher
    from ivr.checklist.checklist_pages import static_roots

    with app.test_request_context():
        fetcher = StaticFetcher(static_roots())
    if served:
        response = fetcher.fetch(url)
        assert response.read() == (Path(app.root_path) / "checklist" / "static" / "checklist.css").read_bytes()
        assert response.headers["Content-Type"] == "text/css"
    else:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# --- The .ics reminder, parsed back with icalendar ---

def test_reminder_ics(client):
    day = dt.date.today() + dt.timedelta(days=10)
    response = client.get("/checklist/reminder.ics",
                          query_string=f"reason=dispute&region=abroad&card=personal&date={day.isoformat()}")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="follow-up-{day.isoformat()}.ics"'
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == day
    assert event.decoded("dtend") == day + dt.timedelta(days=1)
    assert str(event["summary"]) == "Follow up: Dispute a charge"
    description = str(event["description"])
    assert "call Card Member Customer Service at +1-623-492-5450 (24 hours a day, 7 days a week). " \
           "Collect calls are accepted from abroad." in description
    assert "The number on the back of your card is the one to trust. " + VERIFY in description
    # No PUBLIC_BASE_URL: a link to this machine would be useless on a phone's calendar, so none.
    assert "Your checklist:" not in description and "http" not in description
    assert "url" not in event
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == dt.timedelta(hours=9)


def test_reminder_links_to_the_public_base_url(make_app):
    client = make_app(PUBLIC_BASE_URL="https://line.example.org/").test_client()
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    [event] = Calendar.from_ical(client.get(f"/checklist/reminder.ics?reason=dispute&date={day}").data).walk("VEVENT")
    link = "https://line.example.org/checklist?reason=dispute&region=us&card=personal&urgency=soon"
    assert str(event["url"]) == link
    assert f"Your checklist: {link}" in str(event["description"])


def test_reminder_uid_is_stable_for_the_same_checklist_and_day(client):
    day = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    first = Calendar.from_ical(client.get(f"/checklist/reminder.ics?reason=rewards&date={day}").data)
    again = Calendar.from_ical(client.get(f"/checklist/reminder.ics?reason=rewards&date={day}").data)
    other = Calendar.from_ical(client.get(f"/checklist/reminder.ics?reason=payments&date={day}").data)
    uids = [str(c.walk("VEVENT")[0]["uid"]) for c in (first, again, other)]
    assert uids[0] == uids[1] != uids[2]

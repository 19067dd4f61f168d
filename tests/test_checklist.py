"""The checklist builder (no Flask): every reason in every situation, with exact numbers, channels and items."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest

from ivr.checklist.builder import BadRequest, Situation, build_checklist, parse_date, parse_situation

# (region, card) -> the number, its tel: link, and the collect-call note. Straight from the guide.
NUMBERS = {
    ("us", "personal"): ("Card Member Customer Service", "1-800-528-2122", "tel:+18005282122", ""),
    ("abroad", "personal"): ("Card Member Customer Service", "+1-623-492-5450", "tel:+16234925450",
                             "Collect calls are accepted from abroad."),
    ("us", "corporate"): ("Corporate Card Member Customer Service", "1-800-492-3932", "tel:+18004923932", ""),
    ("abroad", "corporate"): ("Corporate Card Member Customer Service", "+1-623-492-3932", "tel:+16234923932",
                              "Collect calls are accepted from abroad."),
}
HOURS = "24 hours a day, 7 days a week"
VERIFY = "Always check a number against the issuer's website or the back of your card before you call."
TRUST = "The number on the back of your card is the one to trust."
MAIL = ["American Express", "P.O. Box 981535", "El Paso, TX 79998-1535"]

# reason -> (best channel, best when urgent, other channels, other channels when urgent, items, FAQ ids, shortcut)
ALWAYS = ["references", "pen"]
EXPECTED = {
    "lost-card": ("phone", "phone", [], [], ["card-elsewhere", "last-seen"], ["lost-card"], ("1",)),
    "dispute": ("online", "phone", ["phone", "mail"], ["online", "mail"],
                ["card-code", "charge", "charge-why", "receipts"], ["dispute"], ("2",)),
    "rewards": ("online", "online", ["app", "phone"], ["app", "phone"], ["card"], ["rewards"], ("3",)),
    "payments": ("online", "online", ["app", "phone", "mail"], ["app", "phone", "mail"],
                 ["card", "payment"], ["payments"], ("4",)),
    "personal-info": ("online", "online", ["app", "phone"], ["app", "phone"],
                      ["card", "new-details", "name-documents"], ["personal-info"], ("5",)),
    "benefits": ("online", "online", ["chat", "app", "phone"], ["chat", "app", "phone"],
                 ["card", "benefit-question"], [], ("6",)),
    "applications": ("online", "online", ["phone"], ["phone"], ["card-if-any", "application"], [], ("7",)),
    "complaint": ("mail", "mail", ["phone", "chat"], ["phone", "chat"], ["card", "history", "outcome"], ["complaint"], ("8",)),
    "damaged-card": ("online", "online", ["phone"], ["phone"], ["card", "address-check"],
                     ["damaged-card"], ("#", "1")),
    "security-code": ("card", "card", ["phone"], ["phone"], ["card-code"], ["security-code"], ("#", "2")),
}
GUIDE = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "contacting-customer-service-guide.txt"
SITUATIONS = list(itertools.product(["us", "abroad"], ["personal", "corporate"], ["now", "soon", "whenever"]))


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    """Loaded once for the module: the builder only reads it, and 150 start-ups would cost seconds."""
    from ivr import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                       "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))}).extensions["practice_line"]


@pytest.fixture
def book(runtime):
    return runtime.reasons


@pytest.fixture
def contacts(runtime):
    return runtime.line.contacts


@pytest.mark.parametrize("reason", EXPECTED)
@pytest.mark.parametrize("region, card, urgency", SITUATIONS)
def test_every_reason_in_every_situation(book, contacts, reason, region, card, urgency):
    best, urgent_best, also, urgent_also, items, faq, shortcut = EXPECTED[reason]
    c = build_checklist(book, contacts, Situation((reason,), region, card, urgency))
    name, number, tel, collect = NUMBERS[(region, card)]

    assert (c.line.name, c.line.number, c.line.tel, c.line.hours, c.line.collect_note) == (
        name, number, tel, HOURS, collect)
    assert (c.line.trust_note, c.line.verify_note) == (TRUST, VERIFY)

    [plan] = c.reasons
    urgent = urgency == "now"
    assert plan.best.id == (urgent_best if urgent else best)
    assert [ch.id for ch in plan.also] == (urgent_also if urgent else also)
    assert [i.id for i in c.gather] == items + ALWAYS
    assert plan.shortcut == shortcut
    assert plan.practice_url == f"/phone?start={reason}"
    assert plan.opener == book.reasons[reason].opener

    region_faq = ["abroad"] if region == "abroad" else []
    assert [f.question for f in c.faq] == [book.file.faq[f].question for f in faq + region_faq + ["live-person"]]
    suggests_mail = "mail" in {plan.best.id, *(ch.id for ch in plan.also)}
    assert (c.mail.lines if c.mail else None) == (MAIL if suggests_mail else None)
    assert c.title == book.reasons[reason].title


@pytest.mark.parametrize("reason", ["dispute", "payments", "complaint"])
def test_mail_address_shown_when_mail_is_suggested(book, contacts, reason):
    c = build_checklist(book, contacts, Situation((reason,), "us", "personal", "soon"))
    assert c.mail.lines == MAIL


def test_channel_steps_for_chat_and_app(book, contacts):
    c = build_checklist(book, contacts, Situation(("benefits",), "us", "personal", "soon"))
    chat, app_channel = c.reasons[0].also[0], c.reasons[0].also[1]
    assert chat.steps == (
        "Log in to your account at americanexpress.com.",
        "Find the chat button; it usually sits in the page header, or in the help and contact pages.",
        "Start the chat and answer its questions. Afterwards, save or print the conversation as your record.")
    assert app_channel.steps[0] == "Get the American Express app for iOS or Android and log in."


def test_urgent_dispute_moves_to_the_phone_with_its_own_reason(book, contacts):
    c = build_checklist(book, contacts, Situation(("dispute",), "us", "personal", "now"))
    assert c.reasons[0].why.startswith("Call - a representative can look at the charge today.")
    assert c.urgency_label == "Urgent: today"
    assert c.urgency_note == "Urgent? The phone is the fastest way to a live representative: the number is below."


@pytest.mark.parametrize("reasons, urgency, note", [
    (("rewards",), "whenever", "No rush: the online account, the app or chat can save you a wait on hold."),
    (("rewards",), "soon", ""),
    (("rewards",), "now", "Urgent? The phone is the fastest way to a live representative: the number is below."),
    (("lost-card",), "whenever", ""),  # a lost card is never "no rush"
    (("rewards", "lost-card"), "whenever", ""),
    (("lost-card",), "now", "Urgent? The phone is the fastest way to a live representative: the number is below."),
])
def test_urgency_note(book, contacts, reasons, urgency, note):
    c = build_checklist(book, contacts, Situation(reasons, "us", "personal", urgency))
    assert c.urgency_note == note


def test_items_the_issue_asks_for(book, contacts):
    texts = {i.id: i.text for i in build_checklist(
        book, contacts, Situation(tuple(EXPECTED), "us", "personal", "soon")).gather}
    assert texts["card-elsewhere"].startswith("Your card number without the card - ")
    assert not any("password" in text.lower() or "user id" in text.lower() for text in texts.values())
    assert texts["charge"] == "The charge you're disputing - its date, the merchant's name and the amount."
    assert texts["references"] == "Reference numbers from any earlier calls, chats or letters about this."
    assert texts["name-documents"].startswith("Proof of a change of name")
    assert texts["pen"].startswith("A pen and this page")


FRAUD = "If you don't recognize the charge at all, it may be fraud: call now, the line is open 24 hours a day, 7 days a week."
CARD_NUMBER = "you'll be asked for the card number or its last four digits"


@pytest.mark.parametrize("reason", EXPECTED)
def test_the_card_comes_first_under_have_ready(book, contacts, reason):
    first = build_checklist(book, contacts, Situation((reason,), "us", "personal", "soon")).gather[0]
    if reason == "lost-card":  # no card in hand: where else its number is
        assert first.text == ("Your card number without the card - it's on your statements, paper or online, "
                              "and in the American Express app (at least its last four digits). If you can't "
                              "find it, they can confirm who you are another way.")
    else:
        assert first.text.startswith("Your card in hand") and CARD_NUMBER in first.text
    needs_code = reason in ("dispute", "security-code")
    assert ("the security code (the 4-digit CID on the front, above the number)" in first.text) == needs_code


@pytest.mark.parametrize("urgency", ["now", "soon", "whenever"])
def test_a_dispute_always_carries_the_fraud_line(book, contacts, urgency):
    for region, card in itertools.product(["us", "abroad"], ["personal", "corporate"]):
        [plan] = build_checklist(book, contacts, Situation(("dispute",), region, card, urgency)).reasons
        assert plan.note == FRAUD


def test_notes_have_room_for_two_references_and_names(book, contacts):
    notes = {n.id: n for n in build_checklist(book, contacts, Situation(("dispute",), "us", "personal", "soon")).notes}
    assert [notes[i].lines for i in ("representative", "when", "reference", "reference-2", "agreed")] == [2, 2, 1, 1, 4]


def test_several_reasons_merge_items_and_answers_without_repeats(book, contacts):
    c = build_checklist(book, contacts, Situation(("dispute", "rewards", "lost-card"), "abroad", "corporate", "soon"))
    assert c.title == "Dispute a charge and Rewards points and Lost or stolen card"
    # The lost card's item says where to find the number without the card, and it alone comes first.
    assert [i.id for i in c.gather] == ["card-elsewhere", "charge", "charge-why", "receipts", "last-seen",
                                        "references", "pen"]
    assert [f.question for f in c.faq] == [
        "How do I dispute a charge?", "How do I check my rewards points?", "How do I report a lost or stolen card?",
        "How do I call when I'm traveling abroad?", "How do I reach a live person quickly?"]
    assert [f.shows_number for f in c.faq] == [False, False, False, True, False]
    assert [p.shortcut for p in c.reasons] == [("2",), ("3",), ("1",)]
    assert c.line.number == "+1-623-492-3932"


def test_notes_and_escalation_ladder(book, contacts):
    c = build_checklist(book, contacts, Situation(("complaint",), "us", "personal", "soon"))
    assert [n.label for n in c.notes] == [
        "Representative's name (and a supervisor's)", "Date and time of the call", "Reference number",
        "Second reference number", "What was agreed",
        "Next steps (who does what, by when)", "Follow-up date (call again if you've heard nothing by then)"]
    assert [(s.title, s.practice_url) for s in c.escalation] == [
        ("Representative", "/phone?start=representative"),
        ("Supervisor or manager", "/phone?start=supervisor-hold"),
        ("Formal complaint", "/phone?start=complaint-formal")]


def test_situation_query_is_the_shareable_url():
    s = Situation(("dispute", "lost-card"), "abroad", "corporate", "now")
    assert s.query() == "reason=dispute&reason=lost-card&region=abroad&card=corporate&urgency=now"


def test_contacts_match_the_guide_exactly(contacts):
    if not GUIDE.exists():
        pytest.skip("the guide is not next to this checkout")
    guide = GUIDE.read_text(encoding="utf-8")
    numbers = [n for line in contacts.lines.values() for n in (line.us, line.abroad)]
    assert sorted(numbers) == sorted(n for _, n, _, _ in NUMBERS.values())
    assert all(n in guide for n in numbers)
    assert all(text in guide for text in contacts.mail.lines)
    # and no number in the guide is left out
    assert set(re.findall(r"\+?1-\d{3}-\d{3}-\d{4}", guide)) == set(numbers)


# --- Parameters -> Situation, and what a bad one gets told ---

def _params(query: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs
    return parse_qs(query, keep_blank_values=True)


@pytest.mark.parametrize("query, expected", [
    ("reason=dispute", Situation(("dispute",), "us", "personal", "soon")),
    ("reason=dispute&reason=dispute&reason=rewards", Situation(("dispute", "rewards"), "us", "personal", "soon")),
    ("reason=lost-card&region=ABROAD&card=corporate&urgency=now",
     Situation(("lost-card",), "abroad", "corporate", "now")),
    ("reason=+lost-card+&region=us&region=us&utm_source=mail", Situation(("lost-card",), "us", "personal", "now")),
])
def test_parse_situation(book, query, expected):
    assert parse_situation(_params(query), book) == expected


@pytest.mark.parametrize("query, problems", [
    ("", ["Choose at least one reason for calling."]),
    ("reason=", ["Choose at least one reason for calling."]),
    ("reason=fraud", ["Unknown reason 'fraud': choose one or more reasons from the list."]),
    ("reason=dispute&region=mars",
     ["'mars' is not an answer for where you are calling from: choose 'us' or 'abroad'."]),
    ("reason=dispute&card=gold",
     ["'gold' is not an answer for your card type: choose 'personal' or 'corporate'."]),
    ("reason=dispute&urgency=yesterday",
     ["'yesterday' is not an answer for how urgent it is: choose 'now' or 'soon' or 'whenever'."]),
    ("reason=dispute&region=us&region=abroad",
     ["Choose one answer for where you are calling from, not several ('us' or 'abroad')."]),
    ("reason=" + "x" * 100, [f"Unknown reason '{'x' * 40}...': choose one or more reasons from the list."]),
    ("reason=a%00b%0a", ["Unknown reason 'a?b': choose one or more reasons from the list."]),
    ("reason=nope&card=gold", ["Unknown reason 'nope': choose one or more reasons from the list.",
                               "'gold' is not an answer for your card type: choose 'personal' or 'corporate'."]),
])
def test_bad_parameters_say_what_to_fix(book, query, problems):
    with pytest.raises(BadRequest) as caught:
        parse_situation(_params(query), book)
    assert caught.value.problems == problems


TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize("value, expected", [
    ("2026-12-01", dt.date(2026, 12, 1)),
    ("2026-11-26", TODAY),
    ("2026-11-25", dt.date(2026, 11, 25)),  # a day's grace for callers behind our clock
    (" 2028-02-29 ", dt.date(2028, 2, 29)),
])
def test_parse_date(value, expected):
    assert parse_date({"date": [value]}, TODAY) == expected


@pytest.mark.parametrize("values, problem", [
    ([], "Choose the date for your reminder (YYYY-MM-DD, for example 2026-12-03)."),
    ([""], "Choose the date for your reminder (YYYY-MM-DD, for example 2026-12-03)."),
    (["12/01/2026"], "'12/01/2026' is not a date: write it as YYYY-MM-DD, for example 2026-12-03."),
    (["2026-02-30"], "'2026-02-30' is not a date: write it as YYYY-MM-DD, for example 2026-12-03."),
    (["2026-1-5"], "'2026-1-5' is not a date: write it as YYYY-MM-DD, for example 2026-12-03."),
    (["２０２６-１２-０１"], "'２０２６-１２-０１' is not a date: write it as YYYY-MM-DD, for example 2026-12-03."),
    (["2026-11-24"], "The reminder date 2026-11-24 has passed: choose today or a later date."),
    (["2029-01-01"], "The reminder date 2029-01-01 is more than two years away: choose an earlier date."),
    (["2026-12-01", "2026-12-02"], "Give one reminder date, not several."),
])
def test_bad_dates_say_what_to_fix(values, problem):
    with pytest.raises(BadRequest) as caught:
        parse_date({"date": values}, TODAY)
    assert caught.value.problems == [problem]

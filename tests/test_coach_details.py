"""The representative hears the details: amount, date and merchant taken from the caller's own words, read
back, asked for again when missing; the caller's facts win; a wrong "so to confirm" is corrected."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import Caller
from test_rehearsals import RecordingCaller, hang_up_in_the_browser

from ivr.coach.details import extract, number_words, read_back
from ivr.voice.desk import scenario_start_url

DEC_3 = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize("said, found", [
    ("like sixty something dollars from some website called quickmart", {"amount": "~60", "merchant": "Quickmart"}),
    ("it posted tuesday of last week", {"date": "2026-11-24"}),
    ("one forty nine ninety nine", {"amount": "149.99"}),
    ("212 dollars and 40 cents from Quikpay Online Services",
     {"amount": "212.40", "merchant": "Quikpay Online Services"}),
    ("it's from bright lake electronics on march third for eighty four dollars and twenty cents",
     {"amount": "84.20", "date": "2026-03-03", "merchant": "Bright Lake Electronics"}),
    ("my flight was delayed nine hours on august twentieth and the hotel cost a hundred and eighty dollars",
     {"amount": "180", "date": "2026-08-20"}),
    ("it was $45.50 at Corner Coffee yesterday",
     {"amount": "45.50", "merchant": "Corner Coffee", "date": "2026-12-02"}),
    ("three weeks ago", {"date": "2026-11-12"}),
    # A charge has happened: a day the parser would put ahead is the one before the call's day.
    ("last tuesday", {"date": "2026-12-01"}),
    ("it was on monday", {"date": "2026-11-30"}),
    ("thursday", {"date": "2026-11-26"}),
    ("november twenty fifth", {"date": "2026-11-25"}),
    ("december tenth", {"date": "2025-12-10"}),
    ("the 28th of november", {"date": "2026-11-28"}),
    ("3 days ago", {"date": "2026-11-30"}),
    ("in 30 days", {}),
    # Nothing to take down: a card number is never an amount, "now" and "may" are no dates.
    ("my card number is 3782 822463 10005", {}),
    ("put me through to a manager now", {}),
    ("it may be fraud", {}),
    ("i'm really frustrated with this situation i'd like the charge removed", {}),
])
def test_the_details_in_a_line_are_found_with_the_date_read_from_the_call_s_day(said, found):
    assert extract(said, DEC_3) == found


def test_the_read_back_says_what_was_heard_for_the_ear():
    heard = {"amount": "149.99", "merchant": "Quickmart", "date": "2026-11-24"}
    assert read_back(heard) == ("So that's one hundred and forty-nine dollars and ninety-nine cents at Quickmart, "
                                "on November 24th.")
    assert read_back({"amount": "~60"}) == "So that's about sixty dollars."


# --- Through the real webhooks -------------------------------------------------------------------

@pytest.fixture
def caller(client):
    return Caller(client)


def texts(line, *prompt_ids):
    return [line.text(p) for p in prompt_ids]


def last_tuesday_of_last_week(today: date) -> date:
    monday = today - timedelta(days=today.weekday() + 7)
    return monday + timedelta(days=1)


def test_details_are_read_back_and_only_what_is_missing_is_asked_for_again(caller, line, book):
    caller.start(scenario_start_url("unknown-charge"))
    caller.say("hi i'm calling about a charge on my statement that i don't recognize")
    # The merchant and an amount, no date: asked for the date alone.
    reply = caller.say("like sixty something dollars from some website called quickmart")
    assert reply.said == texts(line, "desk-got-part", "desk-ask-date")
    when = last_tuesday_of_last_week(date.today())
    reply = caller.say("it posted tuesday of last week")
    assert reply.said == [f"So that's about sixty dollars at Quickmart, on {when:%B} {_ordinal(when.day)}.",
                          line.text("desk-read-back-check")]
    # No: asked again, from the start, with an apology.
    reply = caller.say("no that's wrong")
    assert reply.said == [line.text("desk-details-wrong"), book.words("unknown-charge", "ask_details")]
    reply = caller.say("it was one forty nine ninety nine at quickmart on november twenty fourth")
    assert reply.said == ["So that's one hundred and forty-nine dollars and ninety-nine cents at Quickmart, "
                          "on November 24th.", line.text("desk-read-back-check")]
    assert caller.say("yes").said == texts(line, "desk-ask-outcome")


def test_a_missing_detail_is_asked_for_at_most_twice_then_the_call_goes_on(caller, line, book):
    caller.start(scenario_start_url("unknown-charge"))
    first = caller.say("hi i'm calling about a charge on my statement that i don't recognize")
    assert first.said == [book.words("unknown-charge", "ask_details")]
    assert caller.say("it was from quickmart").said == texts(line, "desk-got-part", "desk-ask-amount", "desk-ask-date")
    # Asked twice: the representative carries on without the rest.
    assert caller.say("it was quickmart i think, from quickmart").said == texts(line, "desk-ask-outcome")


def test_the_caller_s_facts_win_over_the_scenario_s_in_what_the_supervisor_offers(caller, line, book):
    """The issue's caller: reached the desk through the menu, gave their own charge, and restated wrongly."""
    caller.start()
    caller.press("2")  # disputes
    caller.press("0")
    caller.say("hi i'm calling about a charge i don't recognize")
    # Two of three details: the date is asked for alone, then all three are read back.
    reply = caller.say("212 dollars and 40 cents from Quikpay Online Services")
    assert reply.said == texts(line, "desk-got-part", "desk-ask-date")
    reply = caller.say("it was on november twenty fourth")
    assert reply.said[0] == ("So that's two hundred and twelve dollars and forty cents at Quikpay Online Services, "
                             "on November 24th.")
    caller.say("yes that's right")
    caller.say("i'd like the charge removed while it's investigated")
    # A wrong restatement of what was agreed is corrected, not confirmed.
    reply = caller.say("so to confirm the charge comes off while you investigate")
    assert reply.said[:2] == [line.text("desk-not-quite"),
                              f"{line.text('desk-as-i-said')} {book.words('unknown-charge', 'cannot')}"]
    assert line.text("desk-confirm") not in reply.said
    caller.say("could i speak to a supervisor please")
    offer = caller.say("can i have your name please")
    spoken = " ".join(offer.said)
    assert "two hundred and twelve dollars and forty cents" in spoken
    assert "eighty-four dollars" not in spoken
    # A restatement with the wrong amount is corrected with the amount agreed.
    reply = caller.say("so to confirm the credit is eighty four dollars")
    assert reply.said[:2] == [line.text("desk-not-quite"),
                              "So that's two hundred and twelve dollars and forty cents at Quikpay Online Services, "
                              "on November 24th."]


def test_a_rough_amount_agreed_in_the_read_back_is_the_one_the_supervisor_credits(caller, line, book):
    caller.start(scenario_start_url("unknown-charge"))
    caller.say("hi i'm calling about a charge on my statement i don't recognize")
    reply = caller.say("it was like sixty something dollars from some website called quickmart on november 24th")
    assert reply.said[0] == "So that's about sixty dollars at Quickmart, on November 24th."
    caller.say("yes")
    caller.say("i'd like it taken off my bill")
    caller.say("could i speak to a supervisor please")
    offer = " ".join(caller.say("can i have your name please").said)
    assert "a temporary credit of about sixty dollars today" in offer
    assert "eighty-four dollars" not in offer


def test_the_casual_rehearsal_from_the_issue_goes_well(caller, line, book, client):
    """In the caller's own words: no "I didn't quite follow", and the purpose is never asked for twice."""
    caller.start(scenario_start_url("unknown-charge"))
    heard = [caller.say(line_said) for line_said in (
        "yeah hi, um, so I got my statement and there's this thing on it I definitely didn't buy",
        "like sixty something dollars from some website called quickmart",
        "it posted tuesday of last week",
        "yeah",
        "um i guess i'd want it taken off",
    )]
    said = [text for reply in heard for text in reply.said]
    assert said.count(line.text("desk-ask-purpose")) <= 1
    assert line.text("desk-not-sure") not in said[2:]
    assert heard[-1].said == [book.words("unknown-charge", "can"), book.words("unknown-charge", "cannot")]


def test_the_report_shows_what_was_captured_with_no_account_digits(client, line):
    caller = RecordingCaller(client)
    caller.start(scenario_start_url("unknown-charge"))
    caller.say("hi i'm calling about a charge on my statement that i don't recognize")
    caller.say("it was one forty nine ninety nine at quickmart on november twenty fourth on card 3782 822463 10005")
    caller.say("yes")
    assert caller.say("thank you that's all").hung_up
    report = hang_up_in_the_browser(client, caller)["report"]
    assert report["details"] == {"amount": "$149.99", "date": "November 24th", "merchant": "Quickmart"}
    assert "3782" not in str(report) and "10005" not in str(report)
    # Nor in any state the line signed into its URLs.
    from urllib.parse import parse_qs, urlsplit

    from ivr.voice.desk import read_state

    with client.application.test_request_context():
        states = [read_state(token) for url, _speech, _digits in caller.sent
                  for token in parse_qs(urlsplit(url).query).get("state", [])]
    assert len(states) == 4 and all(state is not None for state in states)  # one per turn after the start
    assert not any("3782" in str(state.to_dict()) or "10005" in str(state.to_dict()) for state in states)
    assert states[-1].heard == {"amount": "149.99", "date": "2026-11-24", "merchant": "Quickmart"}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


@pytest.mark.parametrize("n, said", [
    (0, "zero"), (7, "seven"), (13, "thirteen"), (40, "forty"), (99, "ninety-nine"), (100, "one hundred"),
    (105, "one hundred and five"), (149, "one hundred and forty-nine"), (1005, "one thousand and five"),
    (2100, "two thousand one hundred"), (3200, "three thousand two hundred"),
    (101000, "one hundred and one thousand"), (999999, "nine hundred and ninety-nine thousand nine hundred and "
                                                       "ninety-nine"), (1000000, "one million"),
])
def test_numbers_are_said_in_words_as_num2words_said_them(n, said):
    assert number_words(n) == said


# --- Amounts said as people say them, impossible dates, corrections, "about" ----------------------

@pytest.mark.parametrize("said, found", [
    ("It's 84.20 from Bright Lake Electronics on March 3rd",
     {"amount": "84.20", "date": "2026-03-03", "merchant": "Bright Lake Electronics"}),
    ("it was 84.20", {"amount": "84.20"}),
    ("84 dollars 20", {"amount": "84.20"}),
    ("eighty four dollars and twenty at quickmart", {"amount": "84.20", "merchant": "Quickmart"}),
    ("eighty four twenty", {"amount": "84.20"}),
    ("it was eighty four twenty at quickmart", {"amount": "84.20", "merchant": "Quickmart"}),
    ("$84.20", {"amount": "84.20"}),
])
def test_common_ways_of_saying_an_amount_are_taken_down_with_their_cents(said, found):
    assert extract(said, DEC_3) == found


@pytest.mark.parametrize("said", [
    "the refund takes 2 business days",
    "my flight was delayed 9 hours",
    "the last four digits are 1234",
    "the last four digits are twelve thirty four",
    "it ends in forty four seventeen",
    "it was ten thirty at night",
    "i've called twelve fifteen times",
    "the rate went up to 24.99 percent",
    "it was twenty twenty five",  # a year
    "it was two fifty",  # $2.50 or $250 ("one forty nine" is 149), or ten to three: not taken down
])
def test_times_counts_and_card_digits_are_not_amounts(said):
    assert "amount" not in extract(said, DEC_3)


def test_a_count_after_dollars_is_not_its_cents():
    assert extract("it was 84 dollars 20 days ago", DEC_3) == {"amount": "84", "date": "2026-11-13"}


@pytest.mark.parametrize("said, found", [
    ("on the 31st of november at quickmart for $5", {"amount": "5", "merchant": "Quickmart"}),
    ("february 29th", {}),  # 2026 is not a leap year
    ("february 30th", {}),
    ("april 31st 20 dollars", {"amount": "20"}),
])
def test_an_impossible_date_is_not_taken_and_never_becomes_today(said, found):
    assert extract(said, DEC_3) == found


def test_february_29th_is_a_date_in_a_leap_year_and_not_the_28th_in_another():
    assert extract("february 29th", date(2028, 3, 5)) == {"date": "2028-02-29"}
    assert extract("february 29th", date(2027, 12, 3)) == {}


def test_an_impossible_date_is_asked_for_again(caller, line):
    caller.start(scenario_start_url("unknown-charge"))
    caller.say("hi i'm calling about a charge on my statement that i don't recognize")
    reply = caller.say("on the 31st of november at quickmart for $5")
    assert reply.said == texts(line, "desk-got-part", "desk-ask-date")


@pytest.mark.parametrize("said, found", [
    ("84 dollars, sorry, 94 dollars", {"amount": "94"}),
    ("march 3rd, no wait, march 4th", {"date": "2026-03-04"}),
    ("it was 84 dollars at quickmart, I mean 94 dollars", {"amount": "94", "merchant": "Quickmart"}),
    ("from quickmart, actually from corner coffee, on march 3rd",
     {"merchant": "Corner Coffee", "date": "2026-03-03"}),
    ("84 dollars or rather 94 dollars", {"amount": "94"}),
    ("it was 94 dollars rather than 84", {"amount": "94"}),
])
def test_a_correction_within_a_line_wins(said, found):
    assert extract(said, DEC_3) == found


@pytest.mark.parametrize("said, found", [
    ("I called on July 8th about 56 dollars", {"amount": "56", "date": "2026-07-08"}),
    ("i'm calling about 56 dollars from quickmart", {"amount": "56", "merchant": "Quickmart"}),
    ("calling about the 56 dollars charge", {"amount": "56"}),
    ("it was about 56 dollars", {"amount": "~56"}),
    ("about 56 dollars at quickmart", {"amount": "~56", "merchant": "Quickmart"}),
    ("i'm calling about a charge of about 56 dollars", {"amount": "~56"}),
    ("it posted on march 3rd for around 56 dollars", {"amount": "~56", "date": "2026-03-03"}),
])
def test_about_is_rough_only_right_before_an_amount_it_qualifies(said, found):
    assert extract(said, DEC_3) == found

"""Whole rehearsals at the representative's desk, through the real voice webhooks, and the coach's report.

For every scenario, a caller who follows the guide and one who doesn't, each with the exact report
items expected. The representative pushes back before any supervisor; a reference number is read only
when asked for; a hostile caller is told apart from a merely frustrated one; silence ends politely.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import Caller

from ivr.line.navigator import reference_number
from ivr.voice.desk import scenario_start_url

# A test that only calls the app (no settings, nothing rate-limited such as saving a call, nothing counted
# back from the database) shares one with the others so marked (conftest.py: shared_app).
CALLS_ONLY = pytest.mark.shared_app

ITEMS = ["stated-purpose", "gave-details", "stated-outcome", "stayed-polite", "asked-name", "asked-reference",
         "asked-next-steps", "confirmed", "escalated-well"]

# scenario: (purpose, details, outcome, confirmation), as a caller might say them (speech-recognition text).
GUIDE_WORDS = {
    "unknown-charge": (
        "hi i'm calling about a charge on my statement that i don't recognize",
        "it's from bright lake electronics on march third for eighty four dollars and twenty cents",
        "i'd like the charge removed while it's investigated",
        "so just to confirm you'll send a letter within thirty days"),
    "stolen-abroad": (
        "hi i'm calling because my card was stolen while i'm traveling abroad",
        "it happened this morning in lisbon and i last used it at a cafe yesterday",
        "please cancel it and send a replacement to my hotel",
        "so just to confirm the emergency card goes to my hotel"),
    "missing-points": (
        "i'm calling about rewards points that are missing from my account",
        "it was a flight from skyway air on april second and i expected three thousand two hundred points",
        "i'd like the missing points added to my account",
        "so just to confirm the points will show on my next statement"),
    "payment-not-posted": (
        "i'm calling about a payment that hasn't posted to my account",
        "i paid two hundred fifty dollars on may twenty eighth and i have a confirmation",
        "i'd like the late fee removed",
        "so just to confirm you'll trace the payment and waive the fee"),
    "name-change": (
        "hi i'm calling because i got married",
        "the account is in the name carter and since last month my name is rivera",
        "i'd like my name changed on my account",
        "so just to confirm you'll send an upload link"),
    "application-no-answer": (
        "i'm calling about an application i made that has had no answer",
        "i applied online on february tenth and it's been three weeks",
        "i'd like a decision on my application",
        "so just to confirm you'll email me the decision"),
    "call-went-nowhere": (
        "i'm calling about a duplicate charge that still hasn't been fixed",
        "my card ends in 3 3 4 8 and i called on july eighth and nobody called back",
        "i'd like the duplicate charge refunded",
        "so just to confirm the refund shows within three business days"),
    "trip-delay": (
        "i'm calling about a trip delay claim under my card benefits",
        "my flight was delayed nine hours on august twentieth and the hotel cost a hundred and eighty dollars",
        "i'd like the hotel cost refunded",
        "so just to confirm you'll email me a claim form"),
    "fraud-alert": (
        "hi i'm calling about a fraud alert for a charge i didn't make",
        "it's from northwind gadgets on december first for three hundred twelve dollars",
        "i'd like the charge blocked and a new card sent",
        "so just to confirm the new card arrives within five business days"),
    "late-fee": (
        "i'm calling about a late fee on a payment i made on time",
        "i paid one hundred twenty dollars online on october fourteenth",
        "i'd like the late fee removed",
        "so just to confirm the fee comes off within two business days"),
    "replacement-not-arrived": (
        "i'm calling because my replacement card never arrived",
        "my reference from last time is 6 2 4 1 8 0 5 3 and it was promised on november second",
        "i'd like the new card sent by express delivery",
        "so just to confirm the card arrives within two business days"),
}
# What the report quotes for the details: digit runs masked, long words cut at a word.
DETAILS_SAID = {
    "unknown-charge": "it's from bright lake electronics on march third for eighty four dollars and…",
    "stolen-abroad": "it happened this morning in lisbon and i last used it at a cafe yesterday",
    "missing-points": "it was a flight from skyway air on april second and i expected three thousand…",
    "payment-not-posted": "i paid two hundred fifty dollars on may twenty eighth and i have a confirmation",
    "name-change": "the account is in the name carter and since last month my name is rivera",
    "application-no-answer": "i applied online on february tenth and it's been three weeks",
    "call-went-nowhere": "my card ends in •••• and i called on july eighth and nobody called back",
    "trip-delay": "my flight was delayed nine hours on august twentieth and the hotel cost a…",
    "fraud-alert": "it's from northwind gadgets on december first for three hundred twelve dollars",
    "late-fee": "i paid one hundred twenty dollars online on october fourteenth",
    "replacement-not-arrived": "my reference from last time is •••• and it was promised on november second",
}
# What the representative reads back where the scenario takes the details down.
READ_BACK = {
    "unknown-charge": "So that's eighty-four dollars and twenty cents at Bright Lake Electronics, on March 3rd.",
    "payment-not-posted": "So that's two hundred and fifty dollars, on May 28th.",
    "trip-delay": "So that's one hundred and eighty dollars, on August 20th.",
    "fraud-alert": "So that's three hundred and twelve dollars at Northwind Gadgets, on December 1st.",
    "late-fee": "So that's one hundred and twenty dollars, on October 14th.",
}
YES = "yes that's right"
# The tips' examples come from each scenario: its facts (for the ear), and its goal in the caller's words.
TIP_DETAILS = {
    "unknown-charge": "eighty-four dollars and twenty cents, March 3rd, Bright Lake Electronics, "
                      "the card's last four digits.",
    "stolen-abroad": "the card's last four digits.",
    "missing-points": "six hundred and forty dollars, April 2nd, Skyway Air, the card's last four digits, "
                      "three thousand two hundred bonus points.",
    "payment-not-posted": "two hundred and fifty dollars, May 28th, the card's last four digits.",
    "name-change": "the card's last four digits.",
    "application-no-answer": "February 10th.",
    "call-went-nowhere": "fifty-six dollars, July 8th, Green Basket Grocery, the card's last four digits.",
    "trip-delay": "one hundred and eighty dollars, August 20th, the card's last four digits.",
    "fraud-alert": "three hundred and twelve dollars, December 1st, Northwind Gadgets, the card's last four digits.",
    "late-fee": "one hundred and twenty dollars, October 14th, the card's last four digits.",
    "replacement-not-arrived": "November 2nd, the card's last four digits, the reference from last time.",
}
TIP_OUTCOME = {
    "unknown-charge": "have the charge investigated, and not pay it while it is checked.",
    "stolen-abroad": "cancel the card, check for charges I didn't make, and get a replacement while I am still abroad.",
    "missing-points": "get the missing points added to my account.",
    "payment-not-posted": "find the payment, and have the late fee taken off.",
    "name-change": "have the name on my account and my card changed, with as little paperwork as possible.",
    "application-no-answer": "find out where my application stands, and when I'll get a decision.",
    "call-went-nowhere": "get the duplicate charge refunded, and complain about how the first call was handled.",
    "trip-delay": "claim the hotel cost back under the card's trip delay benefit.",
    "fraud-alert": "have the charge blocked as fraud, and get a new card.",
    "late-fee": "have the late fee removed, and the payment shown as on time.",
    "replacement-not-arrived": "give the reference from my first call, and get the replacement sent quickly this time.",
}
SUPERVISOR = "could i speak to a supervisor please"
NAME = "can i have your name please"
FORMAL = "i'd like to make a formal complaint"
REFERENCE = "could i have a reference number for this call"
NEXT_STEPS = "what happens next and by when"
GOODBYE = "thank you that's all"
EARLY = "put me through to a manager now"
HOSTILE = "you people are useless"
INSIST = "i want to speak to your manager"


class RecordingCaller(Caller):
    """A caller that also keeps what it sent to each webhook, as the browser phone does."""

    def __init__(self, client):
        super().__init__(client)
        self.sent: list[tuple[str, str | None, str | None]] = []

    def post(self, url, **params):
        self.sent.append((url, params.get("SpeechResult"), params.get("Digits")))
        return super().post(url, **params)


@pytest.fixture
def caller(client):
    return RecordingCaller(client)


def words(book, scenario_id, field):
    return book.words(scenario_id, field)


@CALLS_ONLY
def test_every_scenario_has_scripted_callers(book):
    assert list(GUIDE_WORDS) == list(book.scenarios)


@pytest.mark.parametrize("scenario_id", list(GUIDE_WORDS))
def test_a_caller_who_follows_the_guide(caller, client, line, book, scenario_id):
    purpose, details, outcome, confirmation = GUIDE_WORDS[scenario_id]
    scenario = book.get(scenario_id)
    start = caller.start(scenario_start_url(scenario_id))
    assert start.said[:2] == [words(book, scenario_id, "situation"), words(book, scenario_id, "goal")]
    assert line.text("representative-greeting") in start.said
    assert caller.say(purpose).said == [words(book, scenario_id, "ask_details")]
    if scenario.capture:  # the details taken down are read back, and agreed
        assert caller.say(details).said == [READ_BACK[scenario_id], line.text("desk-read-back-check")]
        assert caller.say(YES).said == [line.text("desk-ask-outcome")]
    else:
        assert caller.say(details).said == [line.text("desk-ask-outcome")]
    # Purpose, details and outcome known: the representative answers, and pushes back.
    assert caller.say(outcome).said == [words(book, scenario_id, "can"), words(book, scenario_id, "cannot")]
    transfer = caller.say(SUPERVISOR)
    assert transfer.said == [line.text("supervisor-hold"), line.text("supervisor-greeting")]
    offer = caller.say(NAME)
    assert offer.said == [line.text("desk-name-supervisor"), words(book, scenario_id, "supervisor")]
    # "Anything else?" each time, but never in the same words twice in a row.
    anything_else = [line.text("desk-anything-else"), line.text("desk-anything-else-v2")] * 3
    if not scenario.supervisor_resolves:
        assert caller.say(FORMAL).said == [words(book, scenario_id, "formal"), anything_else.pop(0)]
    digits = [line.text(f"digit-{d}") for d in reference_number(caller.call_sid, "representative-desk")]
    assert caller.say(REFERENCE).said == [line.text("reference-intro"), *digits, anything_else.pop(0)]
    after_offer = "next_steps_offered" if scenario.next_steps_offered else "next_steps"  # as the offer left them
    assert caller.say(NEXT_STEPS).said == [words(book, scenario_id, after_offer), anything_else.pop(0)]
    assert caller.say(confirmation).said == [line.text("desk-confirm"), anything_else.pop(0)]
    end = caller.say(GOODBYE)
    assert end.hung_up and end.gather is None
    assert end.said == [line.text(p) for p in (
        "desk-goodbye", "coach-intro", "coach-went-well", "well-stated-purpose", "well-gave-details",
        "coach-all-met", "coach-outro")]
    report = hang_up_in_the_browser(client, caller)["report"]
    assert report["scenario"] == scenario_id
    assert (report["score"], report["out_of"]) == (9, 9)
    assert [(i["id"], i["met"]) for i in report["items"]] == [(item, True) for item in ITEMS]
    said = {i["id"]: i["said"] for i in report["items"]}
    escalation = SUPERVISOR if scenario.supervisor_resolves else f"{SUPERVISOR} … {FORMAL}"
    assert said == {"stated-purpose": purpose, "gave-details": DETAILS_SAID[scenario_id],
                    "stated-outcome": outcome, "stayed-polite": "", "asked-name": NAME, "asked-reference": REFERENCE,
                    "asked-next-steps": NEXT_STEPS, "confirmed": confirmation, "escalated-well": escalation}


@pytest.mark.parametrize("scenario_id", list(GUIDE_WORDS))
def test_a_caller_who_does_not_follow_the_guide(caller, client, line, book, scenario_id):
    purpose = GUIDE_WORDS[scenario_id][0]
    caller.start(scenario_start_url(scenario_id))
    # Asked for a supervisor as the opening words: the representative tries first.
    assert caller.say(EARLY).said == [line.text("desk-try-first"), line.text("desk-ask-purpose")]
    assert caller.say(purpose).said == [words(book, scenario_id, "ask_details")]
    # Asked again straight after: the question alone, not the same words again.
    again = re.split(r"(?<=[.!?])\s+", words(book, scenario_id, "ask_details"))[-1]
    assert caller.say(HOSTILE).said == [line.text("desk-calm"), again]
    # Asked again, the supervisor comes anyway: nobody is kept from one.
    assert caller.say(INSIST).said == [line.text("supervisor-hold"), line.text("supervisor-greeting")]
    end = caller.say(GOODBYE)
    assert end.hung_up
    assert end.said == [line.text(p) for p in (
        "desk-goodbye", "coach-intro", "coach-went-well", "well-stated-purpose", "coach-try-next")] + [
        f"{line.text('tip-gave-details')} {TIP_DETAILS[scenario_id]}",
        f"{line.text('tip-helpful-stated-outcome')} I'd like to {TIP_OUTCOME[scenario_id]}", line.text("coach-outro")]
    assert line.text("reference-intro") not in [t for reply in caller.history for t in reply.said]
    report = hang_up_in_the_browser(client, caller)["report"]
    assert (report["score"], report["out_of"]) == (1, 9)
    assert [(i["id"], i["met"], i["said"]) for i in report["items"]] == [
        ("stated-purpose", True, purpose), ("gave-details", False, ""), ("stated-outcome", False, ""),
        ("stayed-polite", False, HOSTILE), ("asked-name", False, ""), ("asked-reference", False, ""),
        ("asked-next-steps", False, ""), ("confirmed", False, ""), ("escalated-well", False, EARLY)]
    # The report's tips quote the caller's own line about each item missed (the spoken summary leaves the
    # quotes out: it stays within its 30 seconds).
    tips = {i["id"]: i["tip"] for i in report["items"]}
    ended = "You ended the call with: “thank you that's all”"
    assert tips["gave-details"] == (f"Give the details up front, like: {TIP_DETAILS[scenario_id]} "
                                    "Asked for the details, you said: “you people are useless”")
    assert tips["stated-outcome"] == ("This representative sorts it out once you plainly say what you want, "
                                      f"like: I'd like to {TIP_OUTCOME[scenario_id]}")  # never asked for it
    assert tips["stayed-polite"] == ("Aim your frustration at the situation, not the person: I'm really frustrated "
                                     "with this situation. You said: “you people are useless”")
    assert tips["asked-name"] == "Ask who you're speaking with: Could I have your name, please?"
    assert tips["asked-reference"] == ("Always ask for a reference number: Could I have a reference number for "
                                       f"this call? {ended}")
    assert tips["asked-next-steps"] == f"Ask about next steps: What should I expect now, and by when? {ended}"
    assert tips["confirmed"].startswith("Repeat back what was agreed, like: So, just to confirm, ")
    assert tips["confirmed"].endswith(f"? {ended}")
    assert tips["escalated-well"] == ("If the answer is no, ask for a supervisor; if they can't help either, ask about "
                                      "the formal complaint route. You asked before they had answered: "
                                      "“put me through to a manager now”")


def hang_up_in_the_browser(client, caller) -> dict:
    """Post the call the way the browser phone does at hang-up (each webhook and what it was sent)."""
    body = {"call_sid": caller.call_sid, "duration_seconds": 60, "ended_by": "line",
            "requests": [{"url": url, "speech": speech, "digits": digits} for url, speech, digits in caller.sent],
            "transcript": [{"who": "line", "text": "Hello", "at": 0}]}
    response = client.post("/phone/calls", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- Telling callers apart, and the rules of the desk ---

def rehearse(caller, scenario_id, *answers):
    """Start a rehearsal and give each answer in turn ('-' is silence; keys are pressed; else words)."""
    return caller.walk(list(answers), start=scenario_start_url(scenario_id))


FRUSTRATED = "i'm really frustrated with this situation i'd like the charge removed"


def test_a_frustrated_caller_is_not_a_hostile_one(caller, client, line):
    purpose, details, _outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    reply = rehearse(caller, "unknown-charge", purpose, details, FRUSTRATED)
    assert line.text("desk-calm") not in reply.said
    assert reply.said[0] == line.text("unknown-charge-can")  # heard as the outcome wanted
    rehearse_end = caller.say(GOODBYE)
    assert rehearse_end.hung_up
    items = {i["id"]: (i["met"], i["said"]) for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["stayed-polite"] == (True, "")
    assert items["stated-outcome"] == (True, FRUSTRATED)


def test_a_hostile_caller_gets_a_calm_reply_and_loses_stayed_polite(caller, client, line):
    purpose, details, _outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    reply = rehearse(caller, "unknown-charge", purpose, details, "this is ridiculous you're an idiot")
    assert reply.said == [line.text("desk-calm"), line.text("desk-ask-outcome")]
    caller.say(GOODBYE)
    items = {i["id"]: (i["met"], i["said"]) for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["stayed-polite"] == (False, "this is ridiculous you're an idiot")


@CALLS_ONLY
def test_the_representative_pushes_back_before_any_supervisor(caller, line):
    purpose, details, outcome, _confirm = GUIDE_WORDS["payment-not-posted"]
    rehearse(caller, "payment-not-posted", purpose, details, outcome, SUPERVISOR)
    heard = [text for reply in caller.history for text in reply.said]
    pushback = heard.index(line.text("payment-not-posted-cannot"))
    assert heard.index(line.text("supervisor-greeting")) > pushback
    assert heard.index(line.text("supervisor-hold")) > pushback


@CALLS_ONLY
def test_a_reference_number_is_read_only_when_asked_for(caller, line):
    caller.call_sid = "CA" + "0123456789abcdef" * 2
    purpose, details, outcome, _confirm = GUIDE_WORDS["missing-points"]
    rehearse(caller, "missing-points", purpose, details, outcome)
    heard = [text for reply in caller.history for text in reply.said]
    assert line.text("reference-intro") not in heard
    reply = caller.say(REFERENCE)
    # A known CallSid gives a known reference: the representative's desk's own, digit by digit.
    assert reply.said == [line.text("reference-intro"), "Four.", "Zero.", "Seven.", "Four.", "Eight.", "Two.",
                          "Nine.", "Seven.", line.text("desk-anything-else")]


@CALLS_ONLY
def test_silence_at_the_desk_prompts_then_ends_politely(caller, line):
    reply = rehearse(caller, "name-change", "-")
    # After a silence, and only then, the keypad is offered again, in one sentence.
    assert reply.said == [line.text("desk-still-there"), line.text("desk-keypad-representative")]
    assert reply.gather is not None
    end = caller.silence()
    assert end.hung_up
    assert end.said[0] == line.text("desk-goodbye-silent")
    assert "call again" in end.said[0]  # says what to do next


@CALLS_ONLY
def test_a_silent_caller_from_the_welcome_is_done_within_sixty_webhooks(caller):
    reply = caller.start()
    for _ in range(59):
        if reply.hung_up:
            break
        reply = caller.silence()
    assert reply.hung_up
    assert len(caller.history) <= 60


@CALLS_ONLY
def test_nonsense_at_the_desk_ends_politely(caller, line):
    reply = rehearse(caller, "trip-delay", "banana bread recipe")
    # While the representative still needs the purpose: "sorry, I missed that", then that one question.
    assert reply.said == [line.text("desk-missed"), line.text("desk-ask-purpose")]
    reply = caller.say("purple monkey dishwasher")
    assert reply.said == [line.text("desk-missed-v2"), line.text("desk-ask-purpose-v2")]  # in other words
    end = caller.say("blah blah blah")
    assert end.hung_up and end.said[0] == line.text("desk-goodbye-unclear")


@CALLS_ONLY
def test_after_the_no_an_unclear_line_is_asked_again_with_one_question_not_two(caller, line):
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    rehearse(caller, "unknown-charge", purpose, details, YES, outcome)
    reply = caller.say("banana bread recipe")
    assert reply.said == [line.text("desk-not-sure")]  # no "is there anything else?" after the re-ask
    assert caller.say("I understand, but I'd still like it removed").said == [line.text("desk-insist")]


@CALLS_ONLY
def test_zero_at_the_desk_says_you_are_already_speaking_with_a_representative(caller, line):
    reply = rehearse(caller, "unknown-charge", "0")
    assert reply.said == [line.text("desk-already-representative")]
    caller.say(GUIDE_WORDS["unknown-charge"][0])
    caller.say(GUIDE_WORDS["unknown-charge"][1])
    caller.say(GUIDE_WORDS["unknown-charge"][2])
    caller.say(SUPERVISOR)
    assert caller.press("0").said == [line.text("desk-already-supervisor")]


@CALLS_ONLY
def test_star_at_the_desk_goes_back_to_the_menu(caller, line):
    reply = rehearse(caller, "unknown-charge", "*")
    assert reply.redirect == "/voice/node/main?turn=1&met=1"  # the call's webhook count goes on
    assert reply.gather is None and not reply.hung_up


@CALLS_ONLY
def test_keys_alone_can_escalate_and_finish(caller, line):
    reply = rehearse(caller, "call-went-nowhere", "1")
    assert reply.said == [line.text("desk-try-first"), line.text("desk-ask-purpose")]
    reply = caller.press("1")
    assert reply.said == [line.text("supervisor-hold"), line.text("supervisor-greeting")]
    reply = caller.press("1")  # at the supervisor's desk, 1 is the formal route
    assert reply.said[0] == line.text("call-went-nowhere-formal")
    assert caller.press("2").said[0] == line.text("desk-goodbye")


@CALLS_ONLY
def test_a_branch_gives_the_desk_its_scenario(caller, line):
    caller.start()
    caller.press("2")  # dispute
    reply = caller.press("0")
    assert reply.said[:2] == [line.text("representative-hold"), line.text("representative-greeting")]
    assert caller.say("i'm calling about a charge i don't recognize").said == [line.text("unknown-charge-details")]


@CALLS_ONLY
def test_zero_at_the_main_menu_asks_and_the_purpose_picks_the_scenario(caller, line):
    caller.start()
    caller.press("0")
    reply = caller.say("hi i'm calling because my card was stolen while i'm traveling abroad")
    assert reply.said == [line.text("stolen-abroad-details")]


@CALLS_ONLY
def test_a_state_we_did_not_sign_is_an_apology_not_an_error(caller, line):
    reply = caller.post("/voice/desk/input?state=forged.token", SpeechResult="hello")
    assert reply.status == 200
    assert reply.said[0] == line.text("apology")


@CALLS_ONLY
@pytest.mark.parametrize("quotes", [0, 40], ids=["short", "long"])
def test_a_state_token_round_trips_and_refuses_alteration(app, quotes):
    from ivr.coach.dialogue import DeskState
    from ivr.voice.desk import read_state, sign_state

    state = DeskState(scenario="unknown-charge")
    state.said.update({f"item-{n}": "I'd like the 45 dollar charge at Corner Coffee removed" for n in range(quotes)})
    with app.test_request_context("/voice/desk/input", method="POST"):
        token = sign_state(state)
        assert len(token) < 8000  # a long conversation still fits in a URL (compressed when long)
        assert read_state(token).to_dict() == state.to_dict()
        assert read_state(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None  # altered: refused


@CALLS_ONLY
def test_the_spoken_summary_is_about_thirty_seconds_at_most(caller, line, book):
    reply = rehearse(caller, "unknown-charge", GUIDE_WORDS["unknown-charge"][0], GOODBYE)
    summary = reply.said[reply.said.index(line.text("coach-intro")):]
    assert summary[-1] == line.text("coach-outro")
    # The longest a summary can be: the two longest "went well" lines and the two longest tips.
    persona_tips = [tip for persona in book.personas.personas.values() for tip in persona.tips.values()]

    def longest_two(kind):
        prompts = [getattr(w, kind) for w in book.file.rubric.values()] + (persona_tips if kind == "tip" else [])
        return sorted(len(line.text(p).split()) for p in prompts)[-2:]
    fixed = sum(len(line.text(p).split()) for p in ("coach-intro", "coach-went-well", "coach-try-next", "coach-outro"))
    assert fixed + sum(longest_two("well")) + sum(longest_two("tip")) <= 75  # 30 s at 150 words a minute


# --- Reports: stored, kept like call summaries, finished by Twilio's status callback ---

def test_the_browser_gets_a_stored_report_it_can_load(app, caller, client):
    rehearse(caller, "stolen-abroad", GUIDE_WORDS["stolen-abroad"][0], GOODBYE)
    body = hang_up_in_the_browser(client, caller)
    assert body["report"]["score"] == 2 and body["report"]["out_of"] == 8  # no pushback yet: no escalation item
    assert [s["node"] for s in body["summary"]["path"]] == ["representative-desk"]
    from ivr import store
    with app.test_request_context():
        loaded, _created = store.load_report(body["report_id"], 30)
    assert loaded == body["report"]


def test_a_call_that_never_reached_a_desk_has_no_report(client, caller):
    caller.walk(["#", "3", "2"])
    body = hang_up_in_the_browser(client, caller)
    assert "report" not in body and "report_id" not in body


def test_a_twilio_caller_who_hangs_up_mid_conversation_still_gets_a_report(app, client, line):
    caller = Caller(client)
    client.environ_base["HTTP_X_TWILIO_SIGNATURE"] = "unchecked-without-a-token"
    caller.start(scenario_start_url("unknown-charge"))
    caller.say(GUIDE_WORDS["unknown-charge"][0])
    caller.say(REFERENCE)
    reply = caller.post("/voice/status", CallStatus="completed")
    assert reply.status == 200 and reply.verbs == []
    from sqlalchemy import func, select

    from ivr import store
    assert store.call_recorder(app).flush(10)  # the call-log shipper finishes the report
    from ivr.store.models import open_rehearsals, rehearsal_reports
    with store.get_engine(app).connect() as connection:
        rows = connection.execute(select(rehearsal_reports.c.report)).scalars().all()
        assert connection.execute(select(func.count()).select_from(open_rehearsals)).scalar() == 0
    import json
    assert len(rows) == 1
    report = json.loads(rows[0])
    assert [(i["id"], i["met"]) for i in report["items"] if i["met"]] == [
        ("stated-purpose", True), ("stayed-polite", True), ("asked-reference", True)]


def test_reports_expire_with_the_call_summaries(app, monkeypatch):
    import time

    from ivr import store
    kept = {"scenario": "x", "score": 0, "out_of": 0, "items": []}
    with app.test_request_context():
        report_id, created = store.save_report(kept, 30, now=1000.0)
        assert created == 1000.0
        assert store.load_report(report_id, 30, now=1000.0 + 29 * 86400) == (kept, 1000.0)
        assert store.load_report(report_id, 30, now=1000.0 + 30 * 86400) is None
    with app.test_request_context():
        store.save_report(kept, 30)
        store.save_report(kept, 30)
    later = time.time() + 31 * 86400
    monkeypatch.setattr("ivr.store.kept.time.time", lambda: later)
    out = app.test_cli_runner().invoke(args=["calls", "purge"]).output
    assert out == "Removed 0 expired practice calls.\nRemoved 0 expired call-log records.\nRemoved 2 expired rehearsal reports.\n"


# --- The terminal ---

def test_a_reference_the_supervisor_read_is_labeled_with_the_supervisor(runner):
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    keys = f'"{purpose}" "{details}" "{outcome}" "{SUPERVISOR}" "{REFERENCE}" 2'
    result = runner.invoke(args=["practice", "--scenario", "unknown-charge", "--json", "--keys", keys])
    assert result.exit_code == 0, result.output
    import json
    out = json.loads(result.output)
    assert [p["node"] for p in out["path"]] == ["representative-desk", "supervisor-desk"]
    assert [r["label"] for r in out["references"]] == ["given by the supervisor"]

def test_practice_scenario_json_prints_one_object_with_the_report(runner, line):
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    keys = f'"{purpose}" "{details}" "{outcome}" "{REFERENCE}" 2'
    result = runner.invoke(args=["practice", "--scenario", "unknown-charge", "--json", "--keys", keys])
    assert result.exit_code == 0, result.output
    import json
    out = json.loads(result.output)  # one object, nothing else on stdout
    assert list(out) == ["transcript", "path", "references", "report", "report_id", "retry"]
    # Missed items after the pushback: the command that tries again from there.
    assert out["retry"] == f"flask --app app practice --retry {out['report_id']}"
    assert out["transcript"][0] == {"who": "line", "text": line.text("unknown-charge-situation")}
    assert {"who": "caller", "text": purpose} in out["transcript"]
    assert {"who": "caller", "text": "2"} in out["transcript"]
    assert out["path"] == [{"node": "representative-desk", "label": "speaking with a representative"}]
    assert [r["label"] for r in out["references"]] == ["given by the representative"]
    assert len(out["references"][0]["number"]) == 8
    report = out["report"]
    assert list(report) == ["score", "out_of", "items", "persona", "resume"]
    assert (report["persona"], report["resume"]) == ("helpful", True)
    assert (report["score"], report["out_of"]) == (5, 9)
    assert [i["id"] for i in report["items"] if i["met"]] == [
        "stated-purpose", "gave-details", "stated-outcome", "stayed-polite", "asked-reference"]
    assert all(set(i) == {"id", "met", "said", "tip"} for i in report["items"])


@CALLS_ONLY
def test_practice_scenario_starts_at_the_desk_after_the_situation(runner, line):
    result = runner.invoke(args=["practice", "--scenario", "trip-delay", "--keys", "2"])
    lines = result.output.splitlines()
    assert lines[1:3] == [f"  {line.text('trip-delay-situation')}", f"  {line.text('trip-delay-goal')}"]
    assert f"  {line.text('representative-greeting')}" in lines
    assert result.output.rstrip().endswith("(the line hangs up)")


@CALLS_ONLY
def test_practice_names_an_unknown_scenario(runner):
    result = runner.invoke(args=["practice", "--scenario", "nope", "--keys", "2"])
    assert result.exit_code == 2
    assert "unknown scenario 'nope' (known: unknown-charge, stolen-abroad," in result.output


# --- Whatever arrives at a desk, spoken TwiML that Twilio accepts ---

@CALLS_ONLY
def test_hostile_posts_to_a_real_desk_get_spoken_twiml(client, caller):
    from test_voice_robustness import HOSTILE, assert_spoken_twiml
    desk_url = caller.start(scenario_start_url("unknown-charge")).action
    for url in (desk_url, "/voice/desk/input?state=forged.state", "/voice/desk/input?state=" + "x" * 9000):
        for data in HOSTILE.values():
            assert_spoken_twiml(client.post(url, data=data))


def test_every_kind_of_desk_reply_is_valid_twiml_2016(caller, make_app):
    from lxml import etree
    from test_voice_robustness import ROOT, without_known_gaps
    schema = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "data" / "TwiML-2016.xsd")))
    caller.client = make_app(settings={"voice": {"hold_pause_seconds": 2}}).test_client()  # holds with a pause
    purpose, details, outcome, confirmation = GUIDE_WORDS["missing-points"]
    rehearse(caller, "missing-points", "0", "-", purpose, details, outcome, SUPERVISOR, FORMAL, REFERENCE,
             NEXT_STEPS, confirmation, "9", GOODBYE)
    assert len(caller.history) == 13 and caller.history[-1].hung_up
    assert any(r.root.find("Pause") is not None for r in caller.history)
    for reply in caller.history:
        root = without_known_gaps(ET.tostring(reply.root))
        assert schema.validate(root), schema.error_log.last_error
        verbs = reply.verbs
        if "Gather" in verbs:
            assert verbs[verbs.index("Gather") + 1] == "Redirect"

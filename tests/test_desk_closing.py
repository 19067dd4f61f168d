"""Lines that steer a rehearsal rather than carry it, through the real webhooks: a caller who is done (or says
they are not), one who asks "sorry, what?", an unclear answer while the representative is asking, and a
"so to confirm" that repeats the desk's own words or comes before anything was offered."""

from __future__ import annotations

import pytest
from test_rehearsals import RecordingCaller, hang_up_in_the_browser

from ivr.voice.desk import scenario_start_url

pytestmark = pytest.mark.shared_app  # calls only, each with a call of its own

LATE_FEE = ("i'm calling about a late fee on a payment i made on time", "i paid $120 online on october 14th", "yes",
            "i'd like the late fee removed")  # the representative then says what it can and cannot do
GOODBYE = "Thank you for calling, and have a good day."


@pytest.fixture
def caller(client):
    return RecordingCaller(client)


def at_the_pushback(caller, scenario: str = "late-fee", persona: str = "helpful", lines=LATE_FEE):
    """A rehearsal taken to the representative's answer and no; returns that reply."""
    caller.start(scenario_start_url(scenario, persona))
    for words in lines:
        reply = caller.say(words)
    return reply


def test_i_m_not_done_and_hold_on_keep_the_call_going(caller, book):
    pushback = at_the_pushback(caller)
    assert book.text("late-fee-cannot") in pushback.said
    going_on = {book.text("desk-go-on"), book.text("desk-go-on-v2")}
    for words in ("i'm not done", "okay thank you, hold on a second", "thanks for checking but i'm not done yet"):
        reply = caller.say(words)
        assert not reply.hung_up, words
        assert len(reply.said) == 1 and reply.said[0] in going_on, (words, reply.said)
    thanks = caller.say("thank you, that would help a lot")  # thanks for something is not a goodbye
    assert not thanks.hung_up and GOODBYE not in thanks.said


@pytest.mark.parametrize("goodbye", ["thats all", "ok bye", "no that's it", "thank you that is all", "nothing else"])
def test_a_goodbye_in_the_caller_s_own_words_ends_the_call(caller, goodbye):
    at_the_pushback(caller)
    reply = caller.say(goodbye)
    assert reply.hung_up and reply.said[0] == GOODBYE
    assert "Here's how that rehearsal went." in reply.said


def test_no_answers_anything_else_but_not_the_representative_s_no(caller, book):
    at_the_pushback(caller)
    assert not caller.say("no").hung_up  # "no" to "I can't remove the late fee myself" is pushing back
    asked = caller.say("could i have your name please")  # answered, then "anything else?"
    assert asked.said[-1] in {book.text(p) for p in ("desk-anything-else", "desk-anything-else-v2",
                                                     "desk-anything-else-v3")}
    reply = caller.say("no thanks")
    assert reply.hung_up and reply.said[0] == GOODBYE


def test_against_the_rushed_persona_no_to_its_wrap_up_is_a_goodbye(caller, book):
    pushback = at_the_pushback(caller, persona="rushed")
    assert pushback.said[-1] == book.text("persona-rushed-wrap-up")  # "Anything else before I let you go?"
    reply = caller.say("nope")
    assert reply.hung_up and reply.said[0] == GOODBYE


def test_sorry_what_says_the_no_again_and_is_not_taken_for_a_question(caller, client, book):
    at_the_pushback(caller)
    again = f"{book.text('desk-as-i-said')} {book.text('late-fee-cannot')}"  # said again as a person would
    first = caller.say("sorry can you repeat that")
    assert first.said[0] == again and book.text("late-fee-next-steps") not in first.said
    second = caller.say("what?")
    assert second.said[0] in (again, book.text("late-fee-cannot")) and not second.hung_up
    items = {i["id"]: i["met"] for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["asked-next-steps"] is False  # "what?" asked nothing about next steps


def test_an_unclear_line_while_asking_asks_for_the_missing_piece_alone(caller, book):
    caller.start(scenario_start_url("unknown-charge"))
    caller.say("i'm calling about a charge i don't recognize")
    partly = caller.say("it was on march 3rd at bright lake electronics")
    assert partly.said == [book.text("desk-got-part"), book.text("desk-ask-amount")]
    missed = caller.say("yes")  # nothing new: no "thanks, I've noted that", and not the same words again
    assert missed.said == [book.text("desk-missed"), book.text("desk-ask-amount-v2")]
    assert book.text("desk-got-part") not in missed.said and book.text("desk-as-i-said") not in missed.text


def test_repeating_the_supervisor_s_offer_word_for_word_is_confirmed(caller, client, book):
    at_the_pushback(caller, "payment-not-posted", "rushed", (
        "hi i am calling about a payment that has not posted", "on may 28th i paid 250 dollars from my checking",
        "yes", "i would like you to find the payment and take the late fee off"))
    caller.say("i understand. may i speak with a supervisor please?")
    offer = caller.say("i would like the late fee waived")
    assert book.text("payment-not-posted-supervisor") in offer.said  # "...I'll waive the 39 dollar late fee now..."
    confirmed = caller.say("so just to confirm, you will waive the 39 dollar late fee now, and it will come off "
                           "my next statement?")
    assert confirmed.said[0] in (book.text("desk-confirm"), book.text("desk-confirm-v2"))
    wrong = caller.say("so to confirm, you'll waive a 95 dollar fee?")
    assert wrong.said[0] in (book.text("desk-not-quite"), book.text("desk-not-quite-v2"))
    items = {i["id"]: i["met"] for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["confirmed"] is True


def test_a_restatement_before_the_offer_is_answered_with_the_offer_not_a_yes(caller, client, book):
    at_the_pushback(caller, "fraud-alert", "helpful", (
        "hi i'm calling about a fraud alert for a charge i didn't make",
        "it's from northwind gadgets on december first for three hundred twelve dollars", "yes",
        "i'd like the charge blocked and a new card sent"))
    caller.say("may i speak with a supervisor please")
    early = caller.say("so to confirm, you will send my new card by express delivery at no cost?")
    assert early.said == [book.text("fraud-alert-supervisor")]  # the offer, not "yes, that's right"
    items = {i["id"]: i["met"] for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["confirmed"] is False


def test_a_caller_who_only_greets_is_greeted_back_and_never_hung_up_on(caller, book):
    caller.walk(["0"])  # a representative, from the main menu
    hello = {book.text("desk-hello"), book.text("desk-hello-v2")}
    for words in ("hi", "hello?", "yes hi", "hi can you hear me", "good morning"):
        reply = caller.say(words)
        assert not reply.hung_up, words
        assert reply.said[0] in hello and reply.said[-1].endswith("?"), (words, reply.said)
    reply = caller.say("i'm calling about a charge i don't recognize")
    assert book.text("unknown-charge-details") in reply.said  # the call goes on as if greeted once

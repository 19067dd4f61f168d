"""Whole practice calls through the real webhooks, every call ending, and the never-stranded rules for every menu."""

import pytest

pytestmark = pytest.mark.shared_app  # its tests only call the app: they share one (conftest.py)

GOODBYE = "Thank you for practicing with Practice Line. Goodbye."
AGAIN = "To hear your reference number again, press 1."
NOTE = "Please write down that number and today's date and time."
NOTE_PERSON = "Please write down that number, the name of the person you spoke with, and today's date and time."
GIVE_UP = ("We haven't been able to hear what you need, so we'll end this practice call here. When you're ready, "
           "call again and press 0 at any menu to reach a representative, or print a pre-call checklist to plan "
           "what to say.")
# A known call: its reference numbers, worked out once and spelled out here.
KNOWN_SID = "CA0123456789abcdef0123456789abcdef"
DIGIT_WORDS = "Zero. One. Two. Three. Four. Five. Six. Seven. Eight. Nine.".split()

# reason, answers by key, answers by speech, the first words of the ending reached
WHOLE_CALLS = [
    ("lost or stolen card", ["1", "1234", "1", "2"], ["lost card", "1234", "on the front", "that's all"],
     "Your lost card report is complete."),
    ("dispute a charge", ["2", "1", "4321", "030526", "45", "Corner Coffee"],
     ["I want to dispute a charge", "by phone", "4 3 2 1", "030526", "45", "Corner Coffee"],
     "Your practice dispute is open. A real dispute can take a few weeks to settle, so set yourself a reminder to "
     "check on it."),
    ("rewards points", ["3", "1", "1111"], ["rewards", "balance", "1111"], "Your rewards question is answered."),
    ("make a payment", ["4", "1", "2222", "150"], ["I'd like to make a payment", "pay now", "2222", "150"],
     "Your practice payment is scheduled."),
    ("change of name", ["5", "1", "3333"], ["update my personal information", "name change", "3333"],
     "Your name change request is started."),
    ("address change online", ["5", "2", "2"], ["change my address", "email", "no"], "Thanks for calling."),
    ("card benefits", ["6", "1", "4444", "travel insurance"], ["benefits", "specific benefit", "4444", "lounges"],
     "Your benefit question is answered."),
    ("application status", ["7", "1", "123456"], ["application status", "check", "123456"],
     "Your application is still being reviewed. You'll hear back by mail or email."),
    ("apply for a card", ["7", "2", "2"], ["apply", "new card", "goodbye"], "Thanks for calling."),
    ("feedback", ["8", "1", "the app is great"], ["feedback", "feedback", "the app is great"],
     "Thank you. Your feedback is noted."),
    ("formal complaint", ["8", "2", "2"], ["complaint", "formal complaint", "done"],
     "You now know the formal complaint route."),
    ("damaged card", ["#", "1", "1", "5555"], ["more options", "damaged", "replace", "5555"],
     "A replacement card is on its way."),
    ("security code", ["#", "2", "2"], ["more options", "security code", "that's all"], "Thanks for calling."),
    ("calling from abroad", ["#", "3", "2"], ["more options", "abroad", "no"], "Thanks for calling."),
    ("corporate card", ["#", "4", "2"], ["more options", "corporate", "finished"], "Thanks for calling."),
    ("dispute documents by mail", ["2", "2", "2"], ["dispute", "mail", "no"], "Thanks for calling."),
    ("pay by check", ["4", "2", "2"], ["payments", "check", "no"], "Thanks for calling."),
    ("redeem points", ["3", "2", "2"], ["rewards", "redeem", "no"], "Thanks for calling."),
]
# Calls that reach a person become a conversation: tests/test_rehearsals.py follows them to the end.


def assert_ended(reply, first_words):
    """The call closes with the ending's words, eight reference digits, the note, the offer, goodbye, hang-up."""
    assert reply.status == 200
    assert reply.hung_up and reply.verbs[-1] == "Hangup"
    said = reply.said
    start = said.index(first_words)
    assert said[start + 1] == "Your reference number is"
    assert all(word in DIGIT_WORDS for word in said[start + 2:start + 10])
    assert said[start + 10:] == [NOTE, AGAIN, GOODBYE]  # no person on these calls: no name to note


@pytest.mark.parametrize("name, keys, phrases, first_words", WHOLE_CALLS, ids=[c[0] for c in WHOLE_CALLS])
def test_whole_call_by_keys(caller, name, keys, phrases, first_words):
    assert_ended(caller.walk(keys), first_words)


@pytest.mark.parametrize("name, keys, phrases, first_words", WHOLE_CALLS, ids=[c[0] for c in WHOLE_CALLS])
def test_whole_call_by_speech(caller, name, keys, phrases, first_words):
    assert_ended(caller.walk(phrases), first_words)


def test_a_known_call_gets_a_known_reference_read_digit_by_digit(client):
    from conftest import Caller
    caller = Caller(client, call_sid=KNOWN_SID)
    reply = caller.walk(["1", "1234", "1", "2"])
    assert reply.said == [
        "Your lost card report is complete.", "Your reference number is",
        "Eight.", "Four.", "One.", "Five.", "Six.", "Zero.", "Nine.", "One.",  # 84156091
        NOTE, AGAIN, GOODBYE]
    again = caller.press("1")
    assert again.said == ["Your reference number is", "Eight.", "Four.", "One.", "Five.", "Six.", "Zero.", "Nine.",
                          "One.", GOODBYE]
    assert again.verbs[-1] == "Hangup"


def test_a_known_dispute_ends_word_for_word(client):
    from conftest import Caller
    reply = Caller(client, call_sid=KNOWN_SID).walk(["2", "1", "4321", "030526", "45", "Corner Coffee"])
    assert reply.said == [
        "Your practice dispute is open. A real dispute can take a few weeks to settle, so set yourself a reminder "
        "to check on it.", "Your reference number is",
        "Nine.", "One.", "Five.", "Seven.", "Nine.", "Six.", "Six.", "Eight.",  # 91579668
        NOTE, AGAIN, GOODBYE]


def test_silence_at_an_ending_says_goodbye_in_the_same_reply(caller):
    reply = caller.walk(["5", "2", "2"])
    gather = reply.gather
    assert [v for v in reply.verbs[-3:]] == ["Gather", "Say", "Hangup"]  # Twilio runs on after a quiet <Gather>
    assert gather.get("numDigits") == "1"
    assert [el.text for el in gather.iter("Say")] == [AGAIN]


# --- Every call ends: the callers who give nothing ---

SILENT_GOODBYE = ("I haven't heard anything, so I'll end the call here. When you're ready, call again with your "
                  "details ready, and say what the call is about.")
UNCLEAR_GOODBYE = ("I'm sorry, I still can't follow, so I'll end the call here. When you're ready, call again and "
                   "start with what the call is about.")
TIME_LIMIT = ("This practice call has reached its time limit, so we'll end it here. Call again whenever you like to "
              "practice some more, or print a pre-call checklist to plan your real call.")


def follow(caller, answers, limit=60):
    """Give `answers` in turn, round and round ('-' is silence), following redirects as Twilio does, until the
    line hangs up or `limit` webhooks have been made."""
    reply = caller.start()
    turn = 0
    while not reply.hung_up and len(caller.history) < limit:
        if reply.gather is None and reply.redirect:
            reply = caller.post(reply.redirect)
            continue
        reply = caller.give(answers[turn % len(answers)])
        turn += 1
    return reply


def test_a_silent_caller_is_passed_to_a_person_then_told_goodbye(caller):
    reply = follow(caller, ["-"])
    assert reply.hung_up and reply.verbs[-1] == "Hangup"
    assert reply.said[0] == SILENT_GOODBYE
    # welcome, three silences at the main menu, then two silent turns at the representative's desk
    assert len(caller.history) == 6
    assert caller.history[3].said[:2] == ["Let me get someone to help you.", HOLD_MESSAGE]
    assert caller.history[4].said == ["Are you still there? Take your time, and tell me how I can help.",
                                      "You can also use your keypad: 1 for a supervisor, 2 when you're done."]


def test_a_caller_who_only_says_nonsense_is_told_goodbye(caller):
    reply = follow(caller, ["banana bread recipe"])
    assert reply.hung_up and reply.said[0] == UNCLEAR_GOODBYE
    assert len(caller.history) == 7  # three tries at the menu, a person offered, three more: goodbye


def test_a_caller_who_keeps_pressing_zero_hears_who_they_are_speaking_with_then_the_call_ends(caller):
    reply = follow(caller, ["0"])
    assert reply.hung_up and reply.said[0] == UNCLEAR_GOODBYE
    assert caller.history[2].said == ["You're already speaking with a representative. Just tell me how I can help."]
    assert len(caller.history) == 5


@pytest.mark.parametrize("answers", [["9"], ["*"], ["1234"], ["kumquat"], ["representative"], ["0", "*"],
                                     ["0", "1", "*", "*"], ["1", "*"], ["#", "9", "*"], ["0", "go back", "9"]],
                         ids=lambda a: " ".join(a))
def test_whatever_the_caller_does_the_call_ends_within_60_webhooks(caller, answers):
    reply = follow(caller, answers)
    assert reply.hung_up, f"still going after {len(caller.history)} webhooks"
    assert reply.verbs[-1] == "Hangup"
    assert any(goodbye in reply.said for goodbye in (SILENT_GOODBYE, UNCLEAR_GOODBYE, TIME_LIMIT, GOODBYE))


def test_a_long_call_hears_the_time_limit_goodbye(caller):
    reply = follow(caller, ["9"])  # repeat, repeat, repeat...
    assert len(caller.history) == 51
    assert reply.said == [TIME_LIMIT, GOODBYE]


def test_going_to_a_person_and_back_still_counts_towards_the_limit(caller):
    reply = follow(caller, ["0", "*"])
    assert reply.said == [TIME_LIMIT, GOODBYE]
    assert len(caller.history) <= 60


def test_someone_who_is_trying_is_never_hung_up_on(caller):
    # Silent once at the representative's desk, then asking for a supervisor: the line keeps listening.
    reply = follow(caller, ["0", "-", "1", "1"], limit=4 + 1)
    assert not reply.hung_up
    assert reply.said[0].startswith("Of course. Please hold while I find a supervisor.")


# --- Prompts that fit the moment ---

def test_every_call_starts_with_the_simulator_disclaimer_and_a_key_may_skip_it(caller):
    reply = caller.start()
    assert reply.verbs == ["Gather", "Redirect"]  # the welcome is said inside the main menu's <Gather>
    assert reply.said[:2] == ["Welcome to Practice Line, a practice phone line for calls to your card issuer.",
                              "This is a simulator. You are not connected to American Express, and nobody real will "
                              "answer. Never enter a real card number here: any digits will do."]
    assert reply.action == "/voice/node/main/input?failures=0&turn=1"
    skipped = caller.press("1")  # pressed during the welcome
    assert skipped.said[0].startswith("You've reached the lost and stolen card team.")


def test_the_identity_prompt_keeps_any_digits_will_do_and_is_never_skipped(caller):
    reply = caller.walk(["1"])
    assert reply.verbs[:2] == ["Say", "Gather"]  # the intro is outside: a key cannot skip the identity prompt
    assert [el.text for el in reply.gather.iter("Say")] == [
        "First, let's confirm who you are. Please enter the last four digits of your card. For practice, any four "
        "digits will do. Nothing you type is kept."]


def test_main_menu_offers_every_reason_lost_card_first(caller, line):
    reply = caller.start()
    gather = reply.gather
    assert gather.get("input") == "dtmf speech"
    assert gather.get("numDigits") == "1"
    assert "lost card" in gather.get("hints")
    assert reply.said[3] == "If your card is lost or stolen, press 1, or say lost card."
    # At the main menu star only repeats, so the footer does not offer it.
    assert reply.said[-2:] == ["To speak with a representative, press 0.", "To hear these options again, press 9."]


def test_a_person_does_not_offer_a_representative(caller):
    reply = caller.walk(["0"])
    # A person reads no menu: one sentence on the keypad after the greeting.
    assert reply.said[-1] == "You can also use your keypad: 1 for a supervisor, 2 when you're done."
    assert not [said for said in reply.said if "press" in said]


def test_a_call_with_no_person_does_not_ask_for_their_name(caller):
    reply = caller.walk(["3", "1", "1111"])
    assert NOTE in reply.said and NOTE_PERSON not in reply.said


def test_after_a_person_any_ending_asks_for_their_name(caller):
    caller.walk(["0"])
    back = caller.press("*")  # from the representative back to the menu
    caller.post(back.redirect)
    for key in ("3", "1", "1111"):
        reply = caller.press(key)
    assert NOTE_PERSON in reply.said


@pytest.mark.parametrize("keys", [["2", "2"], ["4", "2"]])
def test_the_mail_routes_do_not_ask_for_a_reference_that_does_not_exist(caller, keys):
    reply = caller.walk(keys)
    assert not any("include your reference number" in text.lower() for text in reply.said)
    assert not any("write your reference number" in text.lower() for text in reply.said)


def test_a_wrong_security_answer_teaches_and_offers_another_try_or_a_person(caller):
    reply = caller.walk(["1", "1234", "2"])
    assert reply.said[0] == ("Not quite. The three digit code on the back belongs to other card networks. On this card "
                             "the four digit code is on the front, above the card number. You can try the question "
                             "again, or speak with a representative.")
    assert "To try again, press 1, or say try again." in reply.said
    assert "To speak with a representative, press 0." in reply.said
    assert not any("cancel" in text for text in reply.said)
    retry = caller.press("1")
    assert retry.said[0] == "Now a security question. Where is the four digit card identification number on this card?"


@pytest.mark.parametrize("date", ["139926", "023026", "000026", "12", "1231999"])
def test_a_dispute_date_must_be_a_real_date(caller, date):
    caller.walk(["2", "1", "4321"])
    reply = caller.press(date)
    assert reply.said[0] == ("Sorry, that isn't a date that has already happened. Please enter the month, the day and "
                             "the last two digits of the year, as six digits.")
    assert reply.action.startswith("/voice/node/dispute-date/input?failures=1")


def test_a_dispute_date_in_the_future_is_refused(caller):
    caller.walk(["2", "1", "4321"])
    assert caller.press("123199").said[0].startswith("Sorry, that isn't a date that has already happened.")


@pytest.mark.parametrize("node_path", [["2", "1", "4321", "030526"], ["4", "1", "2222"]])
def test_an_amount_must_be_a_sensible_number_of_digits(caller, node_path):
    caller.walk(node_path)
    reply = caller.press("9" * 5000)
    assert reply.said[0] == ("Sorry, that doesn't look like an amount in whole dollars. Please enter up to six digits, "
                             "then press pound.")


def test_back_from_a_branch_returns_to_its_parent(caller):
    reply = caller.walk(["#", "*"])
    assert reply.action == "/voice/node/main/input?failures=0&turn=3"


def test_abroad_gives_both_collect_numbers_from_contacts(caller, line):
    reply = caller.walk(["#", "3"])
    text = reply.text
    assert "plus 1, 6 2 3, 4 9 2, 5 4 5 0, and collect calls are accepted" in text
    assert "plus 1, 6 2 3, 4 9 2, 3 9 3 2" in text


def test_mail_address_is_spoken_without_abbreviations(caller):
    reply = caller.walk(["2", "2"])
    assert "American Express, P O Box 9 8 1 5 3 5, El Paso, Texas 7 9 9 9 8, 1 5 3 5" in reply.text


# --- The never-stranded rules, generated from the config for every listening node ---

def listening_nodes(kind):
    """Menus or collects of the shipped flow, except the desks (a conversation, not a menu)."""
    from pathlib import Path

    import yaml

    from ivr.line.practice_line import load_line
    root = Path(__file__).resolve().parent.parent
    line = load_line(root / "config", root / "prompts")
    desks = set(yaml.safe_load((root / "config" / "scenarios.yaml").read_text())["desks"].values())
    found = sorted(n for n, c in line.nodes.items() if c.kind == kind and n not in desks)
    assert found, f"no {kind} nodes in the flow"  # a loop over nothing would test nothing
    return found


MENUS = listening_nodes("menu")
COLLECTS = listening_nodes("collect")
HOLD_MESSAGE = ("Please hold for a representative. The estimated wait is about two minutes. "
                "In this practice line the wait is shortened.")


def turn_url(node, failures, turn, **extra):
    """The URL a reply's <Gather> posts to."""
    query = f"failures={failures}&turn={turn}" + "".join(f"&{k}={v}" for k, v in extra.items())
    return f"/voice/node/{node}/input?{query}"


@pytest.mark.parametrize("node", MENUS + COLLECTS)
def test_zero_reaches_a_representative(caller, node):
    caller.start(f"/voice/node/{node}")
    reply = caller.press("0")
    assert reply.said[0] == HOLD_MESSAGE
    assert reply.action.startswith("/voice/desk/input?state=")


@pytest.mark.parametrize("node", MENUS + COLLECTS)
def test_saying_representative_reaches_one(caller, node):
    caller.start(f"/voice/node/{node}")
    reply = caller.say("representative please")
    assert reply.said[0] == HOLD_MESSAGE


@pytest.mark.parametrize("node", MENUS + COLLECTS)
def test_silence_reprompts_then_hands_over_never_hangs_up(caller, line, node):
    first = caller.start(f"/voice/node/{node}")
    assert first.redirect == turn_url(node, 0, 1)  # every gather is followed
    again = caller.silence()
    assert again.said[0] == "Sorry, I didn't hear anything."
    assert again.said[1:] == first.said
    assert again.action == turn_url(node, 1, 2)
    caller.silence()
    handed_over = caller.silence()
    assert not handed_over.hung_up
    assert handed_over.said[0] == "Let me get someone to help you."
    target = getattr(line.flow.nodes[node], "on_failure", None) or "representative"
    assert handed_over.said[1] == line.nodes[target].segments[0].text
    assert handed_over.gather is not None


INVALID_INPUTS = [(node, kind) for node in MENUS for kind in ("unused key", "nonsense words", "several keys")
                  if kind != "unused key" or node != "main"]  # on the main menu every key means something


@pytest.mark.parametrize("node, invalid", INVALID_INPUTS)
def test_invalid_input_says_so_and_replays_the_menu(caller, line, node, invalid):
    first = caller.start(f"/voice/node/{node}")
    if invalid == "unused key":
        reply = caller.press(next(k for k in "12345678" if k not in line.nodes[node].choices))
    elif invalid == "nonsense words":
        reply = caller.say("banana bread recipe")
    else:
        reply = caller.press("12")
    notice = line.flow.nodes[node].invalid_prompt or "invalid-choice"
    if node == line.flow.defaults.home and invalid == "nonsense words":
        # The ear: a short re-prompt that says what can be said (and that 9 replays the options).
        assert reply.said == [line.text(line.flow.defaults.out_of_scope_prompt)]
    else:
        assert reply.said[0] == line.text(notice)
        assert reply.said[1:] == first.said
    assert reply.action.startswith(f"/voice/node/{node}/input?failures=1&turn=2")


@pytest.mark.parametrize("node", MENUS)
def test_nine_repeats_the_menu(caller, node):
    first = caller.start(f"/voice/node/{node}")
    assert caller.press("9").said == first.said


# --- Footers: each sentence is said only where its key really does that ---

FOOTER = {"0": "To speak with a representative, press 0.", "9": "To hear these options again, press 9.",
          "*": "To go back, press star."}


@pytest.mark.parametrize("node", MENUS)
def test_the_footer_says_exactly_what_the_keys_do_here(caller, node):
    first = caller.start(f"/voice/node/{node}")
    offered = {key for key, sentence in FOOTER.items() if sentence in first.said}
    pressed = {}
    for key in FOOTER:
        caller.start(f"/voice/node/{node}")
        pressed[key] = caller.press(key)
    does = {
        "0": pressed["0"].said[0] == HOLD_MESSAGE,
        "9": pressed["9"].said == first.said,
        # Back leads somewhere else: a different menu, not this one again.
        "*": pressed["*"].action is not None and not pressed["*"].action.startswith(f"/voice/node/{node}/"),
    }
    assert offered == {key for key, works in does.items() if works}
    assert "9" in offered
    assert first.said[-len(offered):] == [FOOTER[k] for k in FOOTER if k in offered]  # last, in this order


def test_status_callback_is_acknowledged_with_empty_twiml(caller):
    reply = caller.post("/voice/status", CallStatus="completed", CallDuration="42")
    assert reply.status == 200 and reply.verbs == []


def test_hold_pause_comes_from_settings(make_app):
    slow = make_app(settings={"voice": {"hold_pause_seconds": 4}})
    body = slow.test_client().post("/voice/node/representative").get_data(as_text=True)
    assert '<Pause length="4" />' in body


@pytest.mark.parametrize("desk, person", [("representative-desk", "a representative"),
                                          ("supervisor-desk", "a supervisor")])
def test_zero_on_a_desk_menu_url_says_who_is_speaking_not_an_apology(caller, caplog, desk, person):
    # A desk's old menu URL (a bookmark, a replayed webhook) with 0: the desk answers, naming its person.
    reply = caller.post(f"/voice/node/{desk}/input?failures=0", Digits="0")
    assert reply.said[0].startswith(f"You're already speaking with {person}.")
    assert reply.action.startswith("/voice/desk/input?state=")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("node", ["main", "dispute", "payments"])
def test_asking_for_help_hears_the_menu_s_options_again_and_never_counts_as_a_failure(caller, client, node):
    fresh = type(caller)(client).start(f"/voice/node/{node}").said  # the menu as it is first spoken
    assert any("press 1" in said for said in fresh)
    caller.start(f"/voice/node/{node}")
    for words in ("help", "can you help me please", "i need help", "help", "what are my options"):
        reply = caller.say(words)
        assert reply.said == fresh, words
    assert caller.say("help").action.startswith(f"/voice/node/{node}/input")  # still here: nobody handed off


@pytest.mark.parametrize("node, wrong, says", [("lost-card-identity", "12", "Sorry, that isn't four digits."),
                                               ("damaged-card-identity", "12345", "Sorry, that isn't four digits."),
                                               ("application-status", "12345", "Sorry, that isn't six digits.")])
def test_digits_of_the_wrong_length_are_told_how_many_are_wanted(caller, node, wrong, says):
    caller.start(f"/voice/node/{node}")
    reply = caller.press(wrong)
    assert reply.said[0] == says and "isn't one of the options" not in reply.text
    assert reply.action.startswith(f"/voice/node/{node}/input")  # asked again, at the same question

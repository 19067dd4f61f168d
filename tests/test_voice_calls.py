"""Whole practice calls through the real webhooks, and the never-stranded rules for every menu."""

import pytest

from ivr.line.engine import reference_number

# reason, answers by key, answers by speech, the ending reached
WHOLE_CALLS = [
    ("lost or stolen card", ["1", "1234", "1", "2"], ["lost card", "1234", "on the front", "that's all"],
     "end-lost-card"),
    ("dispute a charge", ["2", "1", "4321", "0305", "45", "Corner Coffee"],
     ["I want to dispute a charge", "by phone", "4 3 2 1", "0305", "45", "Corner Coffee"], "end-dispute"),
    ("rewards points", ["3", "1", "1111"], ["rewards", "balance", "1111"], "end-rewards"),
    ("make a payment", ["4", "1", "2222", "150"], ["I'd like to make a payment", "pay now", "2222", "150"],
     "end-payment"),
    ("change of name", ["5", "1", "3333"], ["update my personal information", "name change", "3333"],
     "end-name-change"),
    ("address change online", ["5", "2", "2"], ["change my address", "email", "no"], "end-goodbye"),
    ("card benefits", ["6", "1", "4444", "travel insurance"], ["benefits", "specific benefit", "4444", "lounges"],
     "end-benefits"),
    ("application status", ["7", "1", "123456"], ["application status", "check", "123456"], "end-application"),
    ("apply for a card", ["7", "2", "2"], ["apply", "new card", "goodbye"], "end-goodbye"),
    ("feedback", ["8", "1", "the app is great"], ["feedback", "feedback", "the app is great"], "end-feedback"),
    ("formal complaint", ["8", "2", "2"], ["complaint", "formal complaint", "done"], "end-complaint"),
    ("damaged card", ["#", "1", "1", "5555"], ["more options", "damaged", "replace", "5555"], "end-damaged-card"),
    ("security code", ["#", "2", "2"], ["more options", "security code", "that's all"], "end-goodbye"),
    ("calling from abroad", ["#", "3", "2"], ["more options", "abroad", "no"], "end-goodbye"),
    ("corporate card", ["#", "4", "2"], ["more options", "corporate", "finished"], "end-goodbye"),
    ("dispute documents by mail", ["2", "2", "2"], ["dispute", "mail", "no"], "end-goodbye"),
    ("pay by check", ["4", "2", "2"], ["payments", "check", "no"], "end-goodbye"),
    ("redeem points", ["3", "2", "2"], ["rewards", "redeem", "no"], "end-goodbye"),
]
# Calls that reach a person become a conversation: tests/test_rehearsals.py follows them to the end.


def assert_ended_at(caller, reply, line, end_node):
    """The call closes with exactly the end node's words, its reference read digit by digit, then hangs up."""
    assert reply.status == 200
    assert reply.hung_up
    digits = [line.text(f"digit-{d}") for d in reference_number(caller.call_sid, end_node)]
    expected = []
    for segment in line.nodes[end_node].segments:
        expected += digits if segment.prompt_id == "$reference" else [segment.text]
    assert reply.said[-len(expected):] == expected


@pytest.mark.parametrize("name, keys, phrases, end_node", WHOLE_CALLS, ids=[c[0] for c in WHOLE_CALLS])
def test_whole_call_by_keys(caller, line, name, keys, phrases, end_node):
    reply = caller.walk(keys)
    assert_ended_at(caller, reply, line, end_node)


@pytest.mark.parametrize("name, keys, phrases, end_node", WHOLE_CALLS, ids=[c[0] for c in WHOLE_CALLS])
def test_whole_call_by_speech(caller, line, name, keys, phrases, end_node):
    reply = caller.walk(phrases)
    assert_ended_at(caller, reply, line, end_node)


def test_every_call_starts_with_the_simulator_disclaimer(caller, line):
    reply = caller.start()
    assert reply.said[:2] == [line.text("welcome"), line.text("disclaimer")]
    assert "not connected to American Express" in reply.said[1]
    assert reply.action == "/voice/node/main/input?failures=0"


def test_main_menu_offers_every_reason_lost_card_first(caller, line):
    reply = caller.start()
    gather = reply.gather
    assert gather.get("input") == "dtmf speech"
    assert gather.get("numDigits") == "1"
    assert "lost card" in gather.get("hints")
    offered = [s.text for s in line.nodes["main"].segments]
    assert reply.said[2:] == offered
    assert offered[1] == "If your card is lost or stolen, press 1, or say lost card."
    assert offered[-1].startswith("To speak with a representative, press 0.")


def test_the_security_question_teaches_front_four_digits(caller, line):
    reply = caller.walk(["1", "1234", "2"])
    assert line.text("security-answer-wrong") in reply.said
    assert "four digit code is on the front" in line.text("security-answer-wrong")


def test_back_from_a_branch_returns_to_its_parent(caller, line):
    reply = caller.walk(["#", "*"])
    assert reply.action == "/voice/node/main/input?failures=0"


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

    from ivr.line.compiled import load_line
    root = Path(__file__).resolve().parent.parent
    line = load_line(root / "config", root / "prompts")
    desks = set(yaml.safe_load((root / "config" / "scenarios.yaml").read_text())["desks"].values())
    found = sorted(n for n, c in line.nodes.items() if c.kind == kind and n not in desks)
    assert found, f"no {kind} nodes in the flow"
    return found


MENUS = listening_nodes("menu")
COLLECTS = listening_nodes("collect")


@pytest.mark.parametrize("node", MENUS + COLLECTS)
def test_zero_reaches_a_representative(caller, line, node):
    caller.start(f"/voice/node/{node}")
    reply = caller.press("0")
    assert reply.said[0] == line.text("representative-hold")
    assert reply.action.startswith("/voice/desk/input?state=")


@pytest.mark.parametrize("node", MENUS + COLLECTS)
def test_saying_representative_reaches_one(caller, line, node):
    caller.start(f"/voice/node/{node}")
    reply = caller.say("representative please")
    assert reply.said[0] == line.text("representative-hold")


@pytest.mark.parametrize("node", MENUS + COLLECTS)
def test_silence_reprompts_then_hands_over_never_hangs_up(caller, line, node):
    first = caller.start(f"/voice/node/{node}")
    assert first.redirect == f"/voice/node/{node}/input?failures=0"  # every gather is followed
    again = caller.silence()
    assert again.said[0] == line.text("no-input")
    assert again.said[1:] == first.said
    assert again.action == f"/voice/node/{node}/input?failures=1"
    caller.silence()
    handed_over = caller.silence()
    assert not handed_over.hung_up
    assert handed_over.said[0] == line.text("too-many-tries")
    target = getattr(line.flow.nodes[node], "on_failure", None) or "representative"
    first_prompt = line.nodes[target].segments[0].text
    assert handed_over.said[1] == first_prompt
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
    assert reply.said[0] == line.text(notice)
    assert reply.said[1:] == first.said
    assert reply.action == f"/voice/node/{node}/input?failures=1"


@pytest.mark.parametrize("node", MENUS)
def test_nine_repeats_the_menu(caller, node):
    first = caller.start(f"/voice/node/{node}")
    assert caller.press("9").said == first.said


def test_status_callback_is_acknowledged_with_empty_twiml(caller):
    reply = caller.post("/voice/status", CallStatus="completed", CallDuration="42")
    assert reply.status == 200 and reply.verbs == []


def test_hold_pause_comes_from_settings(make_app):
    slow = make_app(settings={"voice": {"hold_pause_seconds": 4}})
    body = slow.test_client().post("/voice/node/representative").get_data(as_text=True)
    assert '<Pause length="4" />' in body

"""The engine alone: node + input -> next node, with no Flask in sight."""

from pathlib import Path

import pytest

from ivr.line.practice_line import load_line
from datetime import date

from ivr.line.navigator import Call, Turn, answer, reference_number, silence
from ivr.line.matching import spoken_key, tokens

pytestmark = pytest.mark.shared_app  # its tests only call the app: they share one (conftest.py)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def line():
    return load_line(ROOT / "config", ROOT / "prompts")


@pytest.mark.parametrize("node, digits, expected", [
    ("main", "1", "lost-card"),
    ("main", "2", "dispute"),
    ("main", "3", "rewards"),
    ("main", "4", "payments"),
    ("main", "5", "personal-info"),
    ("main", "6", "benefits"),
    ("main", "7", "applications"),
    ("main", "8", "complaint"),
    ("main", "#", "more-options"),
    ("main", "0", "representative"),
    ("dispute", "*", "main"),
    ("lost-card-security", "*", "lost-card"),
    ("more-options", "3", "abroad"),
    ("representative-desk", "1", "supervisor-hold"),
    ("supervisor-desk", "1", "complaint-formal"),
    ("lost-card-security", "2", "lost-card-security-wrong"),
    ("lost-card-security-wrong", "1", "lost-card-security"),
])
def test_keys_lead_to_the_configured_node(line, node, digits, expected):
    assert answer(line, node, digits, None) == Turn(expected)


@pytest.mark.parametrize("speech, expected", [
    ("um, I lost my card", "lost-card"),
    ("My card was STOLEN!", "lost-card"),
    ("I want to dispute a charge", "dispute"),
    ("there's a charge I don't recognize", "dispute"),
    ("how many points do I have", "rewards"),
    ("I'd like to make a payment", "payments"),
    ("I need to change my address", "personal-info"),
    ("what benefits come with my card", "benefits"),
    ("application status please", "applications"),
    ("I want to make a complaint", "complaint"),
    ("more options", "more-options"),
    ("representative", "representative"),
    ("Agent.", "representative"),
    ("can I talk to a real person", "representative"),
    ("press two", "dispute"),
    ("8", "complaint"),
])
def test_phrases_reach_the_right_branch_from_the_main_menu(line, speech, expected):
    assert answer(line, "main", None, speech) == Turn(expected)


def test_repeat_replays_the_same_menu_keeping_the_failure_count(line):
    assert answer(line, "main", "9", None, failures=1) == Turn("main", failures=1)
    assert answer(line, "main", None, "say that again") == Turn("main")


def test_main_menu_phrase_goes_home_from_a_branch(line):
    assert answer(line, "rewards", None, "main menu") == Turn("main")


def test_invalid_key_and_silence_count_towards_the_same_limit(line):
    first = answer(line, "dispute", "7", None)
    assert first == Turn("dispute", failures=1, notice="invalid-choice")
    second = silence(line, "dispute", first.failures)
    assert second == Turn("dispute", failures=2, notice="no-input")
    third = answer(line, "dispute", None, "banana bread", second.failures)
    assert third == Turn("representative", failures=0, notice="too-many-tries", call=Call(handoffs=1))


def test_the_representative_desk_escalates_instead_of_giving_up(line):
    turn = Turn("representative-desk")
    for _ in range(3):
        turn = answer(line, turn.node, None, "my bill is wrong and nobody helps", turn.failures)
    assert turn == Turn("supervisor-hold", notice="too-many-tries", call=Call(handoffs=1))
    assert answer(line, "representative-desk", None, "it's wrong") == Turn(
        "representative-desk", failures=1, notice="representative-acknowledge")


@pytest.mark.parametrize("digits, speech, expected", [
    ("1234", None, Turn("dispute-date")),
    ("0000", None, Turn("dispute-date")),
    (None, "one two three four", Turn("dispute-date")),
    (None, "1 2 3 4", Turn("dispute-date")),
    ("12", None, Turn("dispute-identity", failures=1, notice="invalid-last-four")),
    ("12345", None, Turn("dispute-identity", failures=1, notice="invalid-last-four")),
    ("12a4", None, Turn("dispute-identity", failures=1, notice="invalid-last-four")),
    ("0", None, Turn("representative")),
    (None, "agent please", Turn("representative")),
])
def test_identity_check_accepts_any_four_digits(line, digits, speech, expected):
    assert answer(line, "dispute-identity", digits, speech) == expected


@pytest.mark.parametrize("amount, ok", [("125", True), ("999999", True), ("1000000", False), ("9" * 5000, False)])
def test_an_amount_is_at_most_six_digits(line, amount, ok):
    expected = Turn("end-payment") if ok else Turn("payment-amount", failures=1, notice="invalid-amount")
    assert answer(line, "payment-amount", amount, None) == expected


@pytest.mark.parametrize("mmddyy, ok", [
    ("030526", True), ("112626", True),  # today counts as past
    ("112726", False),  # tomorrow
    ("022924", True), ("022925", False),  # a leap day only in a leap year
    ("139926", False), ("003126", False), ("043126", False), ("0305", False), ("03052026", False),
])
def test_a_dispute_date_is_a_real_date_not_in_the_future(line, mmddyy, ok):
    today = date(2026, 11, 26)
    expected = Turn("dispute-amount") if ok else Turn("dispute-date", failures=1, notice="invalid-date")
    assert answer(line, "dispute-date", mmddyy, None, today=today) == expected


def test_silence_at_a_persons_desk_twice_in_a_row_ends_the_call(line):
    first = silence(line, "representative-desk")
    assert first == Turn("representative-desk", failures=1, notice="no-input", call=Call(quiet=1))
    assert silence(line, "representative-desk", first.failures, first.call) == Turn("end-no-response",
                                                                                     call=Call(quiet=2))


def test_speaking_resets_the_silence_count(line):
    turn = answer(line, "representative-desk", None, "my card was charged twice", 1, Call(quiet=1))
    assert turn.call.quiet == 0 and turn.node == "representative-desk"


def test_zero_at_a_persons_desk_is_not_progress(line):
    turn = answer(line, "supervisor-desk", "0", None)
    assert turn == Turn("supervisor-desk", failures=1, notice="already-speaking")


def test_a_third_pass_to_a_person_ends_the_call(line):
    assert answer(line, "main", "x", None, failures=2, call=Call(handoffs=2)) == Turn("end-no-response",
                                                                                      call=Call(handoffs=3))


def test_the_time_limit_ends_any_call(line):
    assert answer(line, "main", "1", None, call=Call(turns=50)) == Turn("end-time-limit", call=Call(turns=50))
    assert answer(line, "main", "1", None, call=Call(turns=49)) == Turn("lost-card", call=Call(turns=49))


@pytest.mark.parametrize("query, expected", [
    ({}, Call()), ({"turn": "7", "quiet": "1", "handoffs": "2", "met": "1"}, Call(7, 1, 2, True)),
    ({"turn": "-1", "quiet": "x", "handoffs": "99999", "met": "yes"}, Call()),
])
def test_the_call_state_is_read_from_the_url_and_odd_values_count_as_zero(query, expected):
    assert Call.from_query(query) == expected


@pytest.mark.parametrize("node, words", [
    ("feedback", "the person who answered was very helpful"),
    ("feedback", "go back to the old app design"),
    ("dispute-merchant", "Human Bean coffee"),
    ("dispute-merchant", "Back Yard Burgers"),
    ("benefit-question", "can I add someone to my card"),
])
def test_free_answers_that_contain_command_words_are_still_answers(line, node, words):
    assert answer(line, node, None, words) == Turn(line.flow.nodes[node].next)


@pytest.mark.parametrize("words, expected", [("representative", "representative"), ("Agent, please.", "representative"),
                                             ("go back", "main"), ("main menu", "main")])
def test_a_free_answer_that_is_only_a_command_obeys_it(line, words, expected):
    assert answer(line, "dispute-merchant", None, words) == Turn(expected)


def test_oh_alone_is_not_zero_but_counts_in_digits(line):
    assert answer(line, "main", None, "Oh.") == Turn("main", failures=1, notice="invalid-choice")
    assert answer(line, "dispute-identity", None, "one oh two three") == Turn("dispute-date")


def test_speech_collect_accepts_any_words(line):
    assert answer(line, "dispute-merchant", None, "Corner Coffee Shop") == Turn("end-dispute")
    assert answer(line, "dispute-merchant", "5", None) == Turn(
        "dispute-merchant", failures=1, notice="invalid-choice")


def test_unknown_node_goes_home_with_an_apology(line):
    assert answer(line, "no-such-node", "1", None) == Turn("main", notice="apology")


def test_huge_or_absurd_failure_counts_are_clamped(line):
    assert answer(line, "main", "x", None, failures=10**9) == Turn("representative", notice="too-many-tries",
                                                                  call=Call(handoffs=1))
    assert answer(line, "main", "x", None, failures=-5) == Turn("main", failures=1, notice="invalid-choice")


def test_input_at_a_node_that_does_not_listen_replays_it(line):
    assert answer(line, "welcome", "1", None) == Turn("welcome")


def test_ten_kilobytes_of_speech_is_handled_like_any_unmatched_phrase(line):
    assert answer(line, "main", None, "blah " * 2000) == Turn("main", failures=1, notice="invalid-choice")


def test_tokens_drop_fillers_punctuation_and_plurals():
    assert tokens("Um, I'd like to check my POINTS, please.") == ("check", "point")
    assert tokens("I don't recognize these charges") == ("don't", "recognize", "these", "charge")


@pytest.mark.parametrize("said, key", [("press one", "1"), ("Two.", "2"), ("0", "0"), ("star", "*"),
                                       ("pound", "#"), ("one two", None), ("lost card", None)])
def test_spoken_keys(said, key):
    assert spoken_key(said) == key


def test_reference_numbers_are_eight_digits_stable_per_call_and_ending():
    first = reference_number("CA123", "end-dispute")
    assert len(first) == 8 and first.isdigit()
    assert reference_number("CA123", "end-dispute") == first
    assert reference_number("CA124", "end-dispute") != first
    assert reference_number("CA123", "end-payment") != first


@pytest.mark.parametrize("words, expected", [
    ("someone charged my card twice", "dispute"),  # "someone" is in ordinary sentences: not a way to a person
    ("someone stole my card", "lost-card"),
    ("I'd like to speak to a representative", "representative"),
])
def test_the_main_menu_routes_ordinary_sentences_by_what_they_are_about(line, words, expected):
    assert answer(line, "main", None, words).node == expected

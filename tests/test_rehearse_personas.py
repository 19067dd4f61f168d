"""Every scenario against every persona, through the real webhooks: a good caller and a poor one, each
item's verdict spelled out; a person who talks like a person; and trying again, from the pushback and
from where it first went wrong, on the phone page, the saved report and the terminal."""

from __future__ import annotations

import json
import re

import pytest
from test_rehearsals import (
    EARLY,
    FORMAL,
    GOODBYE,
    GUIDE_WORDS,
    HOSTILE,
    INSIST,
    NAME,
    NEXT_STEPS,
    REFERENCE,
    SUPERVISOR,
    YES,
    RecordingCaller,
    hang_up_in_the_browser,
)

from ivr.coach.state import DeskState, Fact
from ivr.coach.tips import fitted_tip
from ivr.line.practice_line import Segment
from ivr.voice.desk import scenario_start_url

PERSONAS = ["helpful", "by-the-book", "rushed"]
BASE_ITEMS = ["stated-purpose", "gave-details", "stated-outcome", "stayed-polite", "asked-name", "asked-reference",
              "asked-next-steps", "confirmed", "escalated-well"]
# The items each persona adds to the rubric.
PERSONA_ITEMS = {"helpful": [], "by-the-book": ["escalated-calmly"], "rushed": ["held-the-line"]}


@pytest.fixture
def caller(client):
    return RecordingCaller(client)


def sentences(reply) -> list[str]:
    return [part for said in reply.said for part in re.split(r"(?<=[.!?])\s+", said) if part]


def check_like_a_person(caller) -> None:
    """No desk reply repeats the one before word for word, and none reads a menu's "press N" line except
    the keypad's one sentence (after the greeting, and after a silence)."""
    replies = [reply for reply in caller.history if reply.said]
    for before, after in zip(replies, replies[1:]):
        assert after.said != before.said, after.said
    for reply in replies[1:]:  # the first is the situation and the greeting
        for said in reply.said:
            assert not re.search(r"\bpress \d\b", said), said


def good_call(caller, book, scenario_id: str, persona: str) -> list:
    """A caller who follows the guide, holding the line against each persona's way of saying no."""
    purpose, details, outcome, confirmation = GUIDE_WORDS[scenario_id]
    scenario = book.get(scenario_id)
    caller.start(scenario_start_url(scenario_id, persona))
    caller.say(purpose)
    caller.say(details)
    if scenario.capture:
        caller.say(YES)
    caller.say(outcome)
    if persona == "by-the-book":  # the second no, then a calm ask
        refusal = caller.say(SUPERVISOR)
        assert refusal.said == [book.text("persona-by-the-book-second-no")]
    transfer = caller.say(SUPERVISOR)
    assert book.text("supervisor-greeting") in transfer.said
    caller.say(NAME)
    if not scenario.supervisor_resolves:
        caller.say(FORMAL)
    caller.say(REFERENCE)
    caller.say(NEXT_STEPS)
    caller.say(confirmation)
    assert caller.say(GOODBYE).hung_up
    return caller.history


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("scenario_id", list(GUIDE_WORDS))
def test_a_caller_who_follows_the_guide_scores_every_item_against_every_persona(caller, client, book,
                                                                                 scenario_id, persona):
    good_call(caller, book, scenario_id, persona)
    check_like_a_person(caller)
    report = hang_up_in_the_browser(client, caller)["report"]
    expected = BASE_ITEMS + PERSONA_ITEMS[persona]
    assert [(item["id"], item["met"]) for item in report["items"]] == [(item, True) for item in expected]
    assert (report["score"], report["out_of"]) == (len(expected), len(expected))
    assert (report["persona"], report["persona_title"]) == (persona, book.persona(persona).title)
    assert "resume" not in report and "resume_early" not in report  # nothing missed: nothing to try again


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("scenario_id", list(GUIDE_WORDS))
def test_a_caller_who_does_not_follow_the_guide_scores_at_most_forty_percent(caller, client, book,
                                                                              scenario_id, persona):
    purpose = GUIDE_WORDS[scenario_id][0]
    caller.start(scenario_start_url(scenario_id, persona))
    for said in (EARLY, purpose, HOSTILE, INSIST):
        caller.say(said)
    assert caller.say(GOODBYE).hung_up
    check_like_a_person(caller)
    report = hang_up_in_the_browser(client, caller)["report"]
    verdicts = {item["id"]: item["met"] for item in report["items"]}
    expected = {item: item == "stated-purpose" for item in BASE_ITEMS}
    if persona == "rushed":  # never asked for a reference or the next steps
        expected["held-the-line"] = False
    assert verdicts == expected
    assert report["score"] <= 0.4 * report["out_of"]


def test_against_the_rushed_persona_no_reference_is_marked_on_holding_the_line(caller, client, book):
    purpose, details, outcome, confirmation = GUIDE_WORDS["stolen-abroad"]
    start = caller.start(scenario_start_url("stolen-abroad", "rushed"))
    assert book.text("persona-rushed-greeting") in start.said
    caller.say(purpose)
    caller.say(details)
    answer = caller.say(outcome)
    # The answer, the pushback, and straight away an attempt to wrap up.
    assert answer.said == [book.words("stolen-abroad", "can"), book.words("stolen-abroad", "cannot"),
                           book.text("persona-rushed-wrap-up")]
    caller.say(NEXT_STEPS)
    caller.say(GOODBYE)
    items = {i["id"]: (i["met"], i["said"]) for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["held-the-line"] == (False, "")
    assert items["asked-reference"] == (False, "")
    tips = {i["id"]: i["tip"] for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    # The tips for this persona say what to do against it, and quote the line the caller hung up on.
    ended = "You ended the call with: “thank you that's all”"
    assert tips["held-the-line"] == f"Calmly, politely: Could I have a reference number and the next steps? {ended}"
    assert tips["asked-reference"] == ("They'll try to wrap up. Before any goodbye, ask: "
                                       f"Could I have a reference number for this call? {ended}")
    # Asked for, so met: the persona's advice, with nothing quoted.
    assert tips["asked-next-steps"] == ("They'll try to wrap up. Before any goodbye, ask: What should I expect now, "
                                        "and by when?")


def test_the_rushed_persona_talks_over_a_vague_line(caller, book):
    caller.start(scenario_start_url("unknown-charge", "rushed"))
    reply = caller.say("banana bread recipe")
    assert reply.said in ([book.text("persona-rushed-talk-over")], [book.text("persona-rushed-talk-over-v2")])


def test_by_the_book_hears_a_hostile_ask_after_the_second_no_as_no(caller, client, book):
    purpose, details, outcome, _confirm = GUIDE_WORDS["name-change"]
    start = caller.start(scenario_start_url("name-change", "by-the-book"))
    assert book.text("persona-by-the-book-greeting") in start.said
    for said in (purpose, details, outcome):
        caller.say(said)
    assert caller.say(SUPERVISOR).said == [book.text("persona-by-the-book-second-no")]
    hostile = caller.say("get me your useless manager now you idiot")
    assert hostile.said[0] in (book.text("desk-calm"), book.text("desk-calm-v2"))  # one of the calm wordings
    assert book.text("supervisor-greeting") not in hostile.said
    assert book.text("supervisor-greeting") in caller.say(SUPERVISOR).said
    caller.say(GOODBYE)
    items = {i["id"]: (i["met"], i["said"]) for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["escalated-calmly"] == (True, SUPERVISOR)
    assert items["stayed-polite"][0] is False


def test_a_persona_says_its_own_name(caller, book):
    caller.start(scenario_start_url("trip-delay", "by-the-book"))
    assert caller.say(NAME).said[0] == "My name is Casey, that's C A S E Y."


def test_the_keypad_is_one_sentence_after_the_greeting_and_again_only_after_a_silence(caller, book):
    start = caller.start(scenario_start_url("unknown-charge"))
    keypad = book.text("desk-keypad-representative")
    assert start.said[-2:] == [book.text("representative-greeting"), keypad]
    assert keypad == "You can also use your keypad: 1 for a supervisor, 2 when you're done."
    assert keypad not in caller.say(GUIDE_WORDS["unknown-charge"][0]).said
    assert caller.silence().said == [book.text("desk-still-there"), keypad]


def test_an_unknown_persona_plays_the_default_one(caller, book):
    start = caller.start("/voice/rehearse/unknown-charge?persona=no-such-persona")
    assert book.text("representative-greeting") in start.said


# --- Surfaces: /rehearse cards, /phone, coach scenarios ------------------------------------------

def test_the_rehearse_cards_offer_each_persona(client, book):
    html = client.get("/rehearse").get_data(as_text=True)
    card = html.split('id="scenario-payment-not-posted"')[1].split("</article>")[0]
    for persona_id, persona in book.personas.personas.items():
        assert f'href="/phone?scenario=payment-not-posted&amp;persona={persona_id}"' in card
        assert persona.title in card and persona.blurb in card


def test_the_phone_page_names_the_persona_and_starts_with_it(client):
    html = client.get("/phone?scenario=unknown-charge&persona=rushed").get_data(as_text=True)
    config = json.loads(html.split('<script id="phone-config" type="application/json">')[1].split("</script>")[0])
    assert config["startUrl"] == "/voice/rehearse/unknown-charge?persona=rushed"
    assert config["persona"] == "rushed"
    assert "Representative: <strong>Rushed</strong>." in html
    # The desk's keys beside the captions.
    keys = html.split('id="desk-keys"')[1].split("</div>")[0]
    assert "<kbd>1</kbd> ask for a supervisor" in keys and "<kbd>2</kbd> when you&#39;re done" in keys
    default = client.get("/phone?scenario=unknown-charge").get_data(as_text=True)
    assert '"startUrl": "/voice/rehearse/unknown-charge"' in default  # existing URLs start as before
    unknown = client.get("/phone?scenario=unknown-charge&persona=grumpy").get_data(as_text=True)
    assert "There is no representative called “grumpy”" in unknown


# --- Try again: from the pushback, and from where it first went wrong -------------------------

def missed_after_the_pushback(caller, client, persona: str = "helpful") -> dict:
    """A rehearsal that reaches the pushback, then hangs up without a reference or the next steps."""
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    caller.start(scenario_start_url("unknown-charge", persona))
    for said in (purpose, details, YES, outcome):
        caller.say(said)
    caller.say(GOODBYE)
    return hang_up_in_the_browser(client, caller)


def test_try_again_on_the_phone_page_starts_at_the_pushback_and_links_the_new_report(client, book):
    first = missed_after_the_pushback(RecordingCaller(client), client, "rushed")
    assert first["report"]["resume"]["f"] == ["answered", "details", "details-ok", "outcome", "purpose", "read-back"]
    html = client.get(f"/phone?retry={first['report_id']}").get_data(as_text=True)
    config = json.loads(html.split('<script id="phone-config" type="application/json">')[1].split("</script>")[0])
    assert config["startUrl"].startswith("/voice/rehearse/unknown-charge?persona=rushed&resume=")
    assert "Trying again from the pushback" in html
    again = RecordingCaller(client)
    start = again.start(config["startUrl"])
    assert start.said[0] == book.text("desk-try-again")
    assert start.said[1:3] == [book.words("unknown-charge", "can"), book.words("unknown-charge", "cannot")]
    for said in (SUPERVISOR, REFERENCE, NEXT_STEPS, GOODBYE):
        again.say(said)
    second = hang_up_in_the_browser(client, again)
    assert second["report"]["retry_of"] == first["report_id"]
    verdicts = {item["id"]: item["met"] for item in second["report"]["items"]}
    assert verdicts["held-the-line"] and verdicts["escalated-well"] and verdicts["stated-purpose"]
    gone = client.get("/phone?retry=no-such-report").get_data(as_text=True)
    assert "There is no saved rehearsal “no-such-report” to try again from its pushback" in gone
    assert '"startUrl": "/voice/incoming"' in gone
    # A forged resume state is refused: the rehearsal starts from the beginning.
    forged = RecordingCaller(client).start("/voice/rehearse/unknown-charge?resume=not.ours")
    assert forged.said[0] == book.words("unknown-charge", "situation")


def test_try_again_is_on_the_saved_report(client):
    first = missed_after_the_pushback(RecordingCaller(client), client)
    html = client.get(f"/rehearse/reports/{first['report_id']}").get_data(as_text=True)
    link = f'<a class="button" id="try-again" href="/phone?retry={first["report_id"]}">Try again from the pushback</a>'
    assert link in html
    assert 'id="try-again-early"' not in html  # nothing was missed before the pushback
    assert "with the\n  <strong>helpful</strong> representative" in html


def test_try_again_in_the_terminal(runner, book):
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    keys = f'"{purpose}" "{details}" "yes" "{outcome}" 2'
    first = json.loads(runner.invoke(args=["practice", "--scenario", "unknown-charge", "--persona", "by-the-book",
                                           "--json", "--keys", keys]).output)
    assert first["report"]["persona"] == "by-the-book"
    assert first["retry"] == f"flask --app app practice --retry {first['report_id']}"
    result = runner.invoke(args=["practice", "--retry", first["report_id"], "--json", "--keys",
                                 f'"{SUPERVISOR}" "{SUPERVISOR}" "{REFERENCE}" 2'])
    assert result.exit_code == 0, result.output
    again = json.loads(result.output)
    said = [entry["text"] for entry in again["transcript"] if entry["who"] == "line"]
    assert said[:2] == [book.text("desk-try-again"), book.words("unknown-charge", "can")]
    assert book.text("persona-by-the-book-second-no") in said
    verdicts = {item["id"]: item["met"] for item in again["report"]["items"]}
    assert verdicts["escalated-calmly"] is True
    plain = runner.invoke(args=["practice", "--scenario", "unknown-charge", "--keys", keys])
    assert "Try again from the pushback: flask --app app practice --retry " in plain.output
    alone = runner.invoke(args=["practice", "--persona", "rushed"])
    assert alone.exit_code == 2 and "give --scenario too" in alone.output
    unknown = runner.invoke(args=["practice", "--retry", "no-such-report"])
    assert unknown.exit_code == 2 and "no saved rehearsal 'no-such-report'" in unknown.output


def tips_and_verdicts(client, caller) -> tuple[dict, dict]:
    """The finished call's report (as saved) and its items: id -> (met, said, tip)."""
    body = hang_up_in_the_browser(client, caller)
    return body, {i["id"]: (i["met"], i["said"], i["tip"]) for i in body["report"]["items"]}


def details_first(caller, client) -> dict:
    """A rehearsal that opens with the details, never saying what the call is about, then hangs up after the
    pushback: stated-purpose, due at the start, is the first item missed."""
    _purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    caller.start(scenario_start_url("unknown-charge"))
    for said in (details, YES, outcome, GOODBYE):
        caller.say(said)
    return hang_up_in_the_browser(client, caller)


def phone_config(html: str) -> dict:
    return json.loads(html.split('<script id="phone-config" type="application/json">')[1].split("</script>")[0])


def test_a_miss_at_the_start_offers_both_starts_on_the_phone_page(client, book):
    """The first item missed was due at the start: "Try again from the pushback" still starts at the no,
    and "Try again from where it first went wrong" (from=first-miss) starts at the start of the call."""
    first = details_first(RecordingCaller(client), client)
    items = {item["id"]: item["met"] for item in first["report"]["items"]}
    assert (items["stated-purpose"], items["gave-details"], items["stated-outcome"]) == (False, True, True)
    assert first["report"]["resume"]["f"] == ["answered", "details", "details-ok", "outcome", "read-back"]
    assert first["report"]["resume_early"]["f"] == [] and first["report"]["resume_early"]["q"] == {}
    report_id = first["report_id"]
    # The report panel's two links, as the page's script fills them in.
    config = phone_config(client.get("/phone?scenario=unknown-charge").get_data(as_text=True))
    assert (config["retryUrl"], config["retryLabel"]) == ("/phone?retry=REPORT_ID", "Try again from the pushback")
    assert (config["retryEarlyUrl"], config["retryEarlyLabel"]) == (
        "/phone?retry=REPORT_ID&from=first-miss", "Try again from where it first went wrong")

    # From the pushback, even though the purpose was missed before it.
    html = client.get(f"/phone?retry={report_id}").get_data(as_text=True)
    notice = html.split('id="retrying">')[1].split("</p>")[0]
    assert notice == "Trying again from the pushback: the call starts where the\n    representative said no."
    again = RecordingCaller(client)
    start = again.start(phone_config(html)["startUrl"])
    assert start.said == ["Let's pick up where the representative turned you down. Here it is again.",
                          book.words("unknown-charge", "can"), book.words("unknown-charge", "cannot")]

    # From where it first went wrong: the start of the call, nothing known yet.
    html = client.get(f"/phone?retry={report_id}&from=first-miss").get_data(as_text=True)
    config = phone_config(html)
    assert config["startUrl"].startswith("/voice/rehearse/unknown-charge?resume=")
    assert html.split('id="retrying">')[1].split("</p>")[0] == (
        "Trying again from where it first went wrong: the call\n    starts where the representative asked for "
        "the first thing you missed.")
    again = RecordingCaller(client)
    start = again.start(config["startUrl"])
    assert start.said == ["Let's go back to the start of the call. Here's the representative again.",
                          "Could you tell me what the call is about?"]
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    assert again.say(purpose).said == [book.words("unknown-charge", "ask_details")]
    for said in (details, YES):
        again.say(said)
    assert again.say(outcome).said == [book.words("unknown-charge", "can"), book.words("unknown-charge", "cannot")]
    for said in (SUPERVISOR, REFERENCE, GOODBYE):
        again.say(said)
    second = hang_up_in_the_browser(client, again)
    assert second["report"]["retry_of"] == report_id  # its own report, linked to the first
    verdicts = {item["id"]: item["met"] for item in second["report"]["items"]}
    assert verdicts["stated-purpose"] and verdicts["gave-details"] and verdicts["escalated-well"]
    assert "resume_early" not in second["report"]  # nothing missed before the pushback this time
    # It counts: the progress page shows the purpose learned across the two attempts.
    progress = client.get(f"/rehearse/progress?ids={report_id},{second['report_id']}").get_data(as_text=True)
    row = progress.split('<th scope="row">Said what the call is about</th>')[1].split("</tr>")[0]
    assert re.findall(r"<td[^>]*>([^<]+)</td>", row) == ["Not met", "Met", "Learned"]


def test_an_unknown_start_is_a_bad_request_that_says_what_to_fix(client):
    first = details_first(RecordingCaller(client), client)
    response = client.get(f"/phone?retry={first['report_id']}&from=the-middle")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert ("There is no try-again start called “the-middle”. Use from=first-miss to try again from where it "
            "first went wrong, or leave out from= to try again from the pushback.") in html
    assert f'<a href="/phone?retry={first["report_id"]}">Try again from the pushback</a>' in html
    assert phone_config(html)["startUrl"] == "/voice/incoming"  # nothing is started from a wrong address
    # A report with nothing missed before the pushback offers no early start.
    later = missed_after_the_pushback(RecordingCaller(client), client)
    assert "resume" in later["report"] and "resume_early" not in later["report"]
    gone = client.get(f"/phone?retry={later['report_id']}&from=first-miss")
    assert gone.status_code == 200
    assert (f"There is no saved rehearsal “{later['report_id']}” to try again from where it first went wrong"
            in gone.get_data(as_text=True))


def test_a_partial_details_line_offers_both_starts_on_the_saved_report(client, book):
    """Details given in part (no amount): the saved report links both starts; the pushback one is the same
    link as ever and starts at the no, the other starts where the representative asked for the details,
    with the purpose already said."""
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    caller = RecordingCaller(client)
    caller.start(scenario_start_url("unknown-charge"))
    caller.say(purpose)
    assert caller.say("it was at bright lake electronics on march third").said == [
        "Thank you, I have that.", "How much was it?"]
    caller.say(outcome)  # asked twice already: the representative answers without the amount
    caller.say(GOODBYE)
    first, items = tips_and_verdicts(client, caller)
    assert items["gave-details"][:2] == (False, "it was at bright lake electronics on march third")
    assert first["report"]["resume_early"]["f"] == ["purpose"] and "h" not in first["report"]["resume_early"]
    report_id = first["report_id"]
    html = client.get(f"/rehearse/reports/{report_id}").get_data(as_text=True)
    assert f'<a class="button" id="try-again" href="/phone?retry={report_id}">Try again from the pushback</a>' in html
    assert (f'<a class="button secondary" id="try-again-early" href="/phone?retry={report_id}&amp;from=first-miss">'
            f"Try again from where it first went wrong</a>") in html

    pushback = phone_config(client.get(f"/phone?retry={report_id}").get_data(as_text=True))
    assert RecordingCaller(client).start(pushback["startUrl"]).said[:2] == [
        "Let's pick up where the representative turned you down. Here it is again.",
        book.words("unknown-charge", "can")]

    early = phone_config(client.get(f"/phone?retry={report_id}&from=first-miss").get_data(as_text=True))
    again = RecordingCaller(client)
    assert again.start(early["startUrl"]).said == [
        "Let's go back to where the representative asked for the details. Here it is again.",
        book.words("unknown-charge", "ask_details")]
    assert again.say(details).said == [
        "So that's eighty-four dollars and twenty cents at Bright Lake Electronics, on March 3rd.", "Is that right?"]
    for said in (YES, outcome, GOODBYE):
        again.say(said)
    second, verdicts = tips_and_verdicts(client, again)
    assert second["report"]["retry_of"] == report_id
    assert verdicts["stated-purpose"][:2] == (True, purpose)  # kept from the first attempt
    assert verdicts["gave-details"][0] is True
    saved = client.get(f"/rehearse/reports/{second['report_id']}").get_data(as_text=True)
    assert f'This attempt started again partway through\n  <a href="/rehearse/reports/{report_id}">' in saved


def test_a_call_that_missed_only_an_early_item_still_offers_the_pushback(caller, client, book):
    """Everything after the no done well, only the amount never given: both starts are offered."""
    purpose, _details, outcome, confirmation = GUIDE_WORDS["unknown-charge"]
    caller.start(scenario_start_url("unknown-charge"))
    for said in (purpose, "it was at bright lake electronics on march third", outcome, SUPERVISOR, NAME,
                 REFERENCE, NEXT_STEPS, confirmation):
        caller.say(said)
    assert caller.say(GOODBYE).hung_up
    body = hang_up_in_the_browser(client, caller)
    assert [item["id"] for item in body["report"]["items"] if not item["met"]] == ["gave-details"]
    assert body["report"]["resume"]["f"] == ["answered", "details", "outcome", "purpose", "skip-details"]
    assert body["report"]["resume_early"]["f"] == ["purpose"]
    config = phone_config(client.get(f"/phone?retry={body['report_id']}").get_data(as_text=True))
    assert RecordingCaller(client).start(config["startUrl"]).said[0] == book.text("desk-try-again")


def test_a_missed_outcome_offers_both_starts_in_the_terminal(runner, book):
    """Never said what they wanted: --retry starts at the no; --retry --from first-miss where the
    representative asked, the purpose and the details kept."""
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    keys = f'"{purpose}" "{details}" "yes" "{purpose}" "{purpose}" 2'
    first = json.loads(runner.invoke(args=["practice", "--scenario", "unknown-charge", "--json", "--keys", keys]).output)
    verdicts = {item["id"]: item["met"] for item in first["report"]["items"]}
    assert (verdicts["stated-purpose"], verdicts["gave-details"], verdicts["stated-outcome"]) == (True, True, False)
    tips = {item["id"]: item["tip"] for item in first["report"]["items"]}
    assert tips["stated-outcome"].endswith(f"Asked what you wanted done, you said: “{purpose}”")
    report_id = first["report_id"]
    assert list(first)[-2:] == ["retry", "retry_early"]
    assert first["retry"] == f"flask --app app practice --retry {report_id}"
    assert first["retry_early"] == f"flask --app app practice --retry {report_id} --from first-miss"
    plain = runner.invoke(args=["practice", "--scenario", "unknown-charge", "--keys", keys]).output.splitlines()
    plain_id = plain[-1].split("--retry ")[1].split()[0]
    assert plain[-2:] == [f"Try again from the pushback: flask --app app practice --retry {plain_id}",
                          "Try again from where it first went wrong: flask --app app practice --retry "
                          f"{plain_id} --from first-miss"]

    result = runner.invoke(args=["practice", "--retry", report_id, "--json", "--keys", f'"{SUPERVISOR}" 2'])
    assert result.exit_code == 0, result.output
    said = [entry["text"] for entry in json.loads(result.output)["transcript"] if entry["who"] == "line"]
    assert said[:3] == ["Let's pick up where the representative turned you down. Here it is again.",
                        book.words("unknown-charge", "can"), book.words("unknown-charge", "cannot")]

    result = runner.invoke(args=["practice", "--retry", report_id, "--from", "first-miss", "--json", "--keys",
                                 f'"{outcome}" 2'])
    assert result.exit_code == 0, result.output
    again = json.loads(result.output)
    said = [entry["text"] for entry in again["transcript"] if entry["who"] == "line"]
    assert said[:4] == ["Let's go back to where the representative asked what you'd like done. Here it is again.",
                        "And what would you like us to do about it?", book.words("unknown-charge", "can"),
                        book.words("unknown-charge", "cannot")]
    verdicts = {item["id"]: item["met"] for item in again["report"]["items"]}
    assert (verdicts["stated-purpose"], verdicts["gave-details"], verdicts["stated-outcome"]) == (True, True, True)
    assert "retry_early" not in again and again["retry"] == f"flask --app app practice --retry {again['report_id']}"

    wrong = runner.invoke(args=["practice", "--retry", report_id, "--from", "the-middle"])
    assert wrong.exit_code == 2
    assert "Invalid value for '--from': 'the-middle' is not one of 'pushback', 'first-miss'." in wrong.output
    alone = runner.invoke(args=["practice", "--from", "first-miss"])
    assert alone.exit_code == 2 and "give --retry too" in alone.output
    none_early = runner.invoke(args=["practice", "--retry", again["report_id"], "--from", "first-miss"])
    assert none_early.exit_code == 2
    assert f"no saved rehearsal '{again['report_id']}' to try again from where it first went wrong" in none_early.output


# --- Tips fit the call; a re-ask acknowledges --------------------------------------------------

def test_against_the_rushed_persona_the_purpose_tip_quotes_the_vague_opening(caller, client):
    _purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    caller.start(scenario_start_url("unknown-charge", "rushed"))
    assert caller.say("something weird happened with 4417").said in (
        ["Okay, sure. So, is there anything else?"], ["Right, got it. Anything else today?"])  # talked over
    for said in (details, YES, outcome, GOODBYE):
        caller.say(said)
    body, items = tips_and_verdicts(client, caller)
    # The line is quoted as the desk kept it: digits masked.
    assert items["stated-purpose"] == (False, "", "This representative talks over vague answers: open with your "
                                       "purpose in one sentence, like: I'm calling about a charge I don't recognize. "
                                       "You began with: “something weird happened with ••••”")
    assert "4417" not in json.dumps(body["report"])
    # Spoken, the tip leaves the quote out: the summary stays within its 30 seconds.
    end = caller.history[-1].said
    assert ("This representative talks over vague answers: open with your purpose in one sentence, like: "
            "I'm calling about a charge I don't recognize.") in end


def test_a_details_tip_quotes_the_line_that_gave_only_part_of_them(caller, client):
    purpose, _details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    caller.start(scenario_start_url("unknown-charge"))
    for said in (purpose, "it was at bright lake electronics on march third", outcome, GOODBYE):
        caller.say(said)
    _body, items = tips_and_verdicts(client, caller)
    assert items["gave-details"] == (
        False, "it was at bright lake electronics on march third",
        "Give the details up front, like: eighty-four dollars and twenty cents, March 3rd, Bright Lake Electronics, "
        "the card's last four digits. You gave only part of them: “it was at bright lake electronics on march third”")
    # Against the helpful persona, the outcome's advice is to say it plainly (met here: nothing quoted).
    assert items["stated-outcome"] == (True, outcome, "This representative sorts it out once you plainly say what "
                                       "you want, like: I'd like to have the charge investigated, and not pay it "
                                       "while it is checked.")


def test_against_by_the_book_the_tips_quote_the_hostile_ask_after_the_second_no(caller, client):
    purpose, details, outcome, _confirm = GUIDE_WORDS["unknown-charge"]
    hostile = "get me your useless manager now you idiot"
    caller.start(scenario_start_url("unknown-charge", "by-the-book"))
    for said in (purpose, details, YES, outcome, SUPERVISOR, hostile, GOODBYE):
        caller.say(said)
    _body, items = tips_and_verdicts(client, caller)
    assert items["escalated-calmly"] == (False, "", "After a second no, ask calmly: I understand. Could I speak "
                                         f"with a supervisor, please? You said: “{hostile}”")
    assert items["stayed-polite"] == (False, hostile, "Blame the situation, not the person: this one refuses "
                                      "hostile asks. Try: I'm really frustrated with this situation. "
                                      f"You said: “{hostile}”")
    assert items["escalated-well"] == (False, "", "Let them answer, then ask for a supervisor. Expect a second "
                                       f"no, then ask again, calmly. You said: “{hostile}”")
    assert items["asked-name"] == (False, "", "Ask who you're speaking with: Could I have your name, please?")



def test_the_confirm_tip_quotes_what_was_agreed_in_this_scenario(caller, client, book):
    """The stolen-card rehearsal's tip names its own hotel in Lisbon, never another scenario's letter."""
    purpose, details, outcome, _confirm = GUIDE_WORDS["stolen-abroad"]
    caller.start(scenario_start_url("stolen-abroad"))
    for said in (purpose, details, outcome, SUPERVISOR, NAME, REFERENCE, NEXT_STEPS, GOODBYE):
        caller.say(said)
    tips = {i["id"]: i["tip"] for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert tips["confirmed"] == ("Repeat back what was agreed, like: So, just to confirm, you can arrange an "
                                 "emergency replacement card, delivered to my hotel in Lisbon within 2 business days? "
                                 "You ended the call with: “thank you that's all”")


@pytest.mark.parametrize("scenario_id", list(GUIDE_WORDS))
def test_no_tip_names_another_scenario_s_facts(client, book, scenario_id):
    caller = RecordingCaller(client)
    caller.start(scenario_start_url(scenario_id))
    caller.say(GOODBYE)
    tips = " ".join(i["tip"] for i in hang_up_in_the_browser(client, caller)["report"]["items"])
    for other_id, other in book.scenarios.items():
        if other_id != scenario_id and other.facts.merchant:
            assert other.facts.merchant not in tips
    assert "letter" not in tips or "letter" in book.words(scenario_id, "next_steps")


def test_a_re_ask_acknowledges_what_the_caller_did_say(caller, book):
    caller.start(scenario_start_url("name-change"))
    caller.say(GUIDE_WORDS["name-change"][0])
    reply = caller.say("i'd like my name changed on my account")  # the outcome, before the details
    assert reply.said[0] == book.text("desk-ack-outcome")
    assert reply.said[1] == re.split(r"(?<=[.!?])\s+", book.words("name-change", "ask_details"))[-1]


# --- The coach's own examples are heard as the moves they teach ---

# The rubric item -> the move its tip's example sentence must be heard as (ivr.coach.rubric.BY_FACT and the
# desk's events; escalated-calmly and held-the-line teach a supervisor request and a reference number too).
TAUGHT = {"stated-purpose": "purpose", "stated-outcome": "outcome", "asked-name": "ask-name",
          "asked-reference": "ask-reference", "asked-next-steps": "ask-next-steps", "confirmed": "confirm",
          "escalated-well": "ask-supervisor", "escalated-calmly": "ask-supervisor", "held-the-line": "ask-reference"}
# The confirm tip repeats back what the conversation reached: the answer before any pushback, the
# representative's answer, or the supervisor's offer.
STAGES = (set(), {Fact.ANSWERED}, {Fact.ANSWERED, Fact.OFFERED})


def tip_example(book, state, item_id: str) -> str | None:
    """The example sentence a tip offers for `item_id` in this call: the words after the tip's last colon
    ("Say what you want done, like: I'd like to ..."), or None when the tip gives none."""
    tip = fitted_tip(book, state, item_id)
    text = tip.text if isinstance(tip, Segment) else book.text(tip)
    _advice, colon, example = text.rpartition(": ")
    return example.strip() if colon and example.strip() else None


@pytest.mark.parametrize("scenario_id", list(GUIDE_WORDS))
def test_every_tip_s_example_is_heard_as_the_move_it_teaches(app, book, scenario_id):
    ear = app.extensions["practice_line"].recognizer
    unheard, taught = [], set()
    for persona in PERSONAS:
        for facts in STAGES:
            state = DeskState(scenario=scenario_id, persona=persona, facts=set(facts))
            for item_id, move in TAUGHT.items():
                example = tip_example(book, state, item_id)
                if example is None:
                    continue
                taught.add(item_id)
                if move not in ear.recognize(example):
                    unheard.append((persona, item_id, example, ear.recognize(example)))
    assert unheard == []
    # Every item's tips give an example, but escalated-well's, which only advise when to ask.
    assert taught >= set(TAUGHT) - {"escalated-well"}


@pytest.mark.parametrize("scenario_id", list(GUIDE_WORDS))
def test_the_stayed_polite_tip_s_example_is_never_hostile(app, book, scenario_id):
    ear = app.extensions["practice_line"].recognizer
    for persona in PERSONAS:
        example = tip_example(book, DeskState(scenario=scenario_id, persona=persona), "stayed-polite")
        assert example == "I'm really frustrated with this situation."
        assert "hostile" not in ear.recognize(example)


def test_a_plain_yes_at_the_end_of_the_call_does_not_earn_confirmed(caller, client):
    purpose, details, outcome, _confirm = GUIDE_WORDS["missing-points"]
    caller.start(scenario_start_url("missing-points"))
    for said in (purpose, details, outcome, SUPERVISOR, NAME, REFERENCE, NEXT_STEPS, YES):
        caller.say(said)
    assert caller.say(GOODBYE).hung_up
    items = {i["id"]: i["met"] for i in hang_up_in_the_browser(client, caller)["report"]["items"]}
    assert items["confirmed"] is False
    assert items["asked-next-steps"] is True

"""The rehearsal pages without a browser: the scenario list, the phone's rehearsal start, a saved report,
the progress chart parsed as SVG, and the checklist's link to a scenario."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from ivr import store

SVG = "{http://www.w3.org/2000/svg}"
NOV_20 = 1795132800.0  # 2026-11-20 00:00 UTC
DAY = 86400
KEEP_DAYS = 30  # settings.yaml's phone.keep_days


@pytest.fixture
def cards(app) -> list:
    """The scenarios the app offers (the tests that loop over them fail when there are none)."""
    found = list(app.extensions["practice_line"].scenarios.cards())
    assert len(found) >= 8
    return found


def report(scenario: str, score: int, out_of: int) -> dict:
    """A coach's report as the dialogue returns it."""
    return {"scenario": scenario, "score": score, "out_of": out_of, "summary": "You gave the details clearly.",
            "items": [
                {"id": "gave-details", "met": True, "said": "it was on march third for eighty four dollars",
                 "tip": "Dates and amounts first make the representative's search quick."},
                {"id": "asked-reference", "met": False, "said": "",
                 "tip": "Before you hang up, ask: could I have a reference number for this call?"},
            ]}


def save(app, body: dict, created: float) -> str:
    with app.test_request_context():
        report_id, _ = store.save_report(body, KEEP_DAYS, now=created)
    return report_id


def chart_of(html: str) -> ET.Element:
    """The progress page's inline SVG, parsed."""
    return ET.fromstring(re.search(r"<svg .*?</svg>", html, re.S).group(0))


def text(response) -> str:
    return response.get_data(as_text=True)


# --- /rehearse ------------------------------------------------------------------------------------

def test_the_list_shows_every_scenario_card_with_its_start_link(client, cards):
    html = text(client.get("/rehearse"))
    assert "Practice simulator: this is not American Express" in html
    assert html.count('<article class="scenario"') == len(cards)
    for card in cards:
        section = html.split(f'id="scenario-{card.id}"')[1].split("</article>")[0]
        for words in (card.title, card.situation, card.goal):
            assert _escaped(words) in section
        assert f'href="/phone?scenario={card.id}"' in section
        assert '<p class="practice-mark">Practice situation</p>' in section
        assert "Practice scenario, with invented facts." in section


def _escaped(words: str) -> str:
    return words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace('"', "&#34;")


# --- /phone?scenario= -----------------------------------------------------------------------------

def phone_config(html: str) -> dict:
    return json.loads(html.split('<script id="phone-config" type="application/json">')[1].split("</script>")[0])


def test_a_scenario_link_starts_a_rehearsal_and_shows_its_situation(client, cards):
    [card] = [c for c in cards if c.id == "unknown-charge"]
    html = text(client.get("/phone", query_string={"scenario": "unknown-charge", "start": "dispute"}))
    config = phone_config(html)
    assert config["startUrl"] == "/voice/rehearse/unknown-charge"  # the scenario wins over a start node
    assert config["scenario"] == "unknown-charge"
    assert "<h2 id=\"situation-title\">Rehearsal: A charge you don&#39;t recognize</h2>" in html
    assert "This call starts at" not in html
    assert config["reportUrl"] == "/rehearse/reports/REPORT_ID"
    assert config["progressUrl"] == "/rehearse/progress"
    assert config["keepReports"] == 50
    assert config["itemTitles"]["asked-reference"] == "Asked for a reference number"
    assert f"Rehearsal: {_escaped(card.title)}" in html and _escaped(card.situation) in html


@pytest.mark.parametrize(("scenario", "shown"), [
    ("no-such-scenario", "There is no practice scenario called “no-such-scenario”, so this call starts at the welcome."),
    ("<b>", "There is no practice scenario called “&lt;b&gt;”, so this call starts at the welcome."),
])
def test_an_unknown_scenario_is_named_and_the_call_starts_at_the_welcome(client, scenario, shown):
    html = text(client.get("/phone", query_string={"scenario": scenario}))
    assert shown in html
    assert phone_config(html)["startUrl"] == "/voice/incoming"
    assert phone_config(html)["scenario"] is None


def test_the_rehearsal_scripts_are_served_and_the_pages_have_no_inline_script(client, cards):
    for path in ("/rehearse/static/report-panel.js", "/rehearse/static/attempts.js", "/rehearse/static/progress.js",
                 "/rehearse/static/report.css", "/rehearse/static/rehearse.css"):
        assert client.get(path).status_code == 200
    seen = 0
    for url in ("/rehearse", "/rehearse/progress", "/rehearse/progress?ids=a,b", f"/phone?scenario={cards[0].id}"):
        scripts = re.findall(r"<script([^>]*)>", text(client.get(url)))
        seen += len(scripts)
        # A CSP without inline script must still run them: only files, and data in a JSON block.
        assert [a for a in scripts if "src=" not in a and 'type="application/json"' not in a] == [], url
    assert seen == 4  # progress.js twice, phone.js and the phone's config block


# --- /rehearse/progress ---------------------------------------------------------------------------

def test_progress_draws_one_point_per_attempt_oldest_first(app, client, cards):
    first, second = cards[0], cards[1]
    later = save(app, report(second.id, 7, 9), NOV_20 + DAY)
    earlier = save(app, report(first.id, 4, 9), NOV_20)
    html = text(client.get("/rehearse/progress", query_string={"ids": f"{later},{earlier}"}))
    svg = chart_of(html)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-title chart-desc"
    assert svg.find(f"{SVG}title").text == "Score per attempt"
    assert svg.find(f"{SVG}desc").text == (f"2 attempts, from 4 of 9 on 2026-11-20 ({first.title}) "
                                           f"to 7 of 9 on 2026-11-21 ({second.title}).")
    points = svg.findall(f".//{SVG}circle")
    assert [(p.get("data-score"), p.get("data-out-of"), p.get("data-date")) for p in points] == [
        ("4", "9", "2026-11-20"), ("7", "9", "2026-11-21")]
    assert [(p.get("cx"), p.get("cy")) for p in points] == [("80", "153.4"), ("592", "77.3")]
    assert [p.find(f"{SVG}title").text for p in points] == [
        f"Attempt 1, 2026-11-20, {first.title}: 4 of 9", f"Attempt 2, 2026-11-21, {second.title}: 7 of 9"]
    assert svg.find(f".//{SVG}polyline").get("points") == "80,153.4 592,77.3"
    # The same figures as a table, each score linking to its report.
    rows = re.findall(r'<th scope="row">(\d+)</th>\s*<td>([^<]+)</td>\s*<td>[^<]+</td>\s*<td><a href="([^"]+)">([^<]+)</a>', html)
    assert rows == [("1", "2026-11-20 00:00 UTC", f"/rehearse/reports/{earlier}", "4 of 9"),
                    ("2", "2026-11-21 00:00 UTC", f"/rehearse/reports/{later}", "7 of 9")]


def test_progress_skips_unknown_malformed_and_expired_ids_with_a_note(app, client, cards, monkeypatch):
    kept = save(app, report(cards[0].id, 5, 8), NOV_20)
    expired = save(app, report(cards[0].id, 2, 8), NOV_20 - 31 * DAY)
    monkeypatch.setattr("time.time", lambda: NOV_20 + DAY)
    response = client.get("/rehearse/progress", query_string={"ids": f"{kept},no-such-id,{expired},bad/id!, ,{kept}"})
    html = text(response)
    assert response.status_code == 200
    assert len(chart_of(html).findall(f".//{SVG}circle")) == 1
    assert ("3 saved rehearsals were\n  not found and are left out: reports are deleted 30 days after the call,\n"
            "  so they may have expired.") in html
    assert f'data-missing="no-such-id,{expired},bad/id!"' in html


def test_progress_with_no_ids_says_there_is_nothing_yet(client):
    html = text(client.get("/rehearse/progress"))
    assert "No rehearsals in this browser yet." in html
    assert "<svg" not in html


def test_progress_refuses_more_ids_than_it_reads(client):
    ids = ",".join(f"id{n}" for n in range(51))
    response = client.get("/rehearse/progress", query_string={"ids": ids})
    assert response.status_code == 400
    assert ("Too many report ids: 51 were sent and at most 50 are read at once. Send the 50 most recent."
            in text(response))
    assert client.get("/rehearse/progress", query_string={"ids": ids.rsplit(",", 1)[0]}).status_code == 200


# --- /rehearse/reports/<id> -----------------------------------------------------------------------

def test_a_saved_report_has_its_own_page(app, client, cards):
    card = cards[0]
    report_id = save(app, report(card.id, 1, 2), NOV_20)
    html = text(client.get(f"/rehearse/reports/{report_id}"))
    assert f"<h1>Coach's report: {_escaped(card.title)}</h1>" in html
    assert "on 2026-11-20 00:00 UTC" in html
    assert "<strong>Score: 1 of 2</strong>" in html
    assert ('<span class="verdict">Met:</span> Gave the details (date, amount, merchant, card&#39;s last digits)</p>\n'
            '    <p class="said">You said: “it was on march third for eighty four dollars”</p>') in html
    assert '<span class="verdict">Not met:</span> Asked for a reference number' in html
    assert f'href="/phone?scenario={card.id}">Rehearse this again</a>' in html


@pytest.mark.parametrize("report_id", ["no-such-report", "x" * 65, "bad.id"])
def test_an_unknown_report_is_404_with_a_page(client, report_id):
    response = client.get(f"/rehearse/reports/{report_id}")
    assert response.status_code == 404
    assert "There is no coach's report at this address." in text(response)


# --- the checklist ------------------------------------------------------------------------------

def test_the_checklist_offers_the_scenario_for_each_reason_that_has_one(client, cards):
    html = text(client.get("/checklist", query_string={"reason": "dispute"}))
    assert ('<a href="/phone?scenario=unknown-charge">Rehearse talking to a representative: '
            "A charge you don&#39;t recognize</a>") in html
    first = {}
    for card in cards:
        first.setdefault(card.reason, card.id)
    assert len(first) >= 6
    for reason, scenario in first.items():
        html = text(client.get("/checklist", query_string={"reason": reason}))
        links = re.findall(r'<a href="/phone\?scenario=([^"]+)">Rehearse talking to a representative: ', html)
        assert links == [scenario], reason


# --- POST /rehearse/moves ----------------------------------------------------------------------

def test_the_moves_of_each_caller_line_are_named_for_the_transcript(client):
    lines = ["hi I'm calling about a charge I don't recognize", "can I get a reference number",
             "you're useless", "how are you doing"]
    reply = client.post("/rehearse/moves", json={"lines": lines})
    assert reply.status_code == 200
    assert reply.get_json() == {"moves": [["purpose"], ["ask-reference"], ["hostile"], []]}


@pytest.mark.parametrize(("body", "message"), [
    ({"lines": "one line"}, 'Send JSON like {"lines": ["what the caller said", ...]}.'),
    ({"lines": [1, 2]}, 'Send JSON like {"lines": ["what the caller said", ...]}.'),
    ({"lines": ["yes"] * 201}, "Too many lines: 201 were sent and at most 200 are read at once."),
    ({"lines": ["a" * 2001]}, "A line is too long: at most 2000 characters each."),
])
def test_bad_moves_requests_get_400_saying_what_to_fix(client, body, message):
    reply = client.post("/rehearse/moves", json=body)
    assert (reply.status_code, reply.get_json()) == (400, {"error": message})
    assert client.post("/rehearse/moves", data="not json").status_code == 400


def test_the_cards_show_each_fact_for_the_eye_and_the_line_says_it_for_the_ear(client, app):
    html = text(client.get("/rehearse"))
    missing_points = html.split('id="scenario-missing-points"')[1].split("</article>")[0]
    assert "a flight costing $640 from Skyway Air with your card ending in 8831." in missing_points
    assert "The offer promised 3,200 bonus points." in missing_points
    unknown = html.split('id="scenario-unknown-charge"')[1].split("</article>")[0]
    assert "a charge of $84.20 from Bright Lake Electronics, dated March 3rd, on your card ending in 4417." in unknown
    for spoken in ("six hundred and forty dollars", "8 8 3 1", "eighty-four dollars", "4 4 1 7", "hundred",
                   "6 2 4 1 8 0 5 3"):
        assert spoken not in html
    # The line says the same facts, written once in scenarios.yaml, for the ear.
    book = app.extensions["practice_line"].scenarios
    assert "costing six hundred and forty dollars from Skyway Air with your card ending in 8 8 3 1." \
        in book.words("missing-points", "situation")


def test_progress_shows_each_item_across_attempts_learned_or_missed(app, client):
    first = report("unknown-charge", 1, 2)  # gave-details met, asked-reference missed
    second = {**report("unknown-charge", 2, 2), "items": [
        {"id": "gave-details", "met": False, "said": "", "tip": ""},
        {"id": "asked-reference", "met": True, "said": "could i have a reference", "tip": ""}]}
    third = {**report("unknown-charge", 1, 2), "items": [
        {"id": "gave-details", "met": False, "said": "", "tip": ""},
        {"id": "asked-reference", "met": True, "said": "a reference please", "tip": ""},
        {"id": "held-the-line", "met": False, "said": "", "tip": ""}]}
    ids = [save(app, body, NOV_20 + n * DAY) for n, body in enumerate((first, second, third))]
    html = text(client.get("/rehearse/progress", query_string={"ids": ",".join(reversed(ids))}))
    table = html.split('id="item-progress"')[1].split("</table>")[0]
    rows = {row.split('data-item="')[1].split('"')[0]: re.findall(r"<td[^>]*>([^<]*)</td>", row)
            for row in table.split("<tr ")[1:]}
    assert rows == {"gave-details": ["Met", "Not met", "Not met", "Keeps being missed"],
                    "asked-reference": ["Not met", "Met", "Met", "Learned"],
                    "held-the-line": ["—", "—", "Not met", "Missed"]}
    assert "Held the call until a reference and next steps were given" in table

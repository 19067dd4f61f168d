"""Whatever arrives, a voice route answers 200 with spoken TwiML; and the TwiML is well formed."""

import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT
from lxml import etree

pytestmark = pytest.mark.shared_app  # its tests only call the app: they share one (conftest.py)

ROUTES = ["/voice/incoming", "/voice/node/main", "/voice/node/main/input", "/voice/node/dispute-identity/input",
          "/voice/node/dispute-merchant/input", "/voice/node/end-dispute/input", "/voice/node/no-such-node",
          "/voice/node/no-such-node/input", "/voice/", "/voice/not/a/route", "/voice/node/%00%ff",
          "/voice/node/..%2F..%2Fetc%2Fpasswd/input", "/voice/node/" + "x" * 3000,
          "/voice/rehearse/unknown-charge", "/voice/rehearse/%00%ff", "/voice/desk/input"]

HOSTILE = {
    "no parameters at all": {},
    "missing CallSid": {"Digits": "1"},
    "letters as digits": {"CallSid": "CA1", "Digits": "abc"},
    "500 digits": {"CallSid": "CA1", "Digits": "1" * 500},
    "10 kB of speech": {"CallSid": "CA1", "SpeechResult": "representative " * 700},
    "markup in speech": {"CallSid": "CA1", "SpeechResult": "<Hangup/>]]>&amp;<script>alert(1)</script>"},
    "both digits and speech": {"CallSid": "CA1", "Digits": "2", "SpeechResult": "lost card"},
    "huge CallSid": {"CallSid": "CA" + "f" * 5000, "Digits": "1"},
    "control characters": {"CallSid": "CA\x00\x01", "Digits": "\x00\x7f", "SpeechResult": "\x1b[31m"},
    "negative confidence": {"CallSid": "CA1", "SpeechResult": "agent", "Confidence": "-7"},
}


def assert_spoken_twiml(response):
    assert response.status_code == 200, response.data[:200]
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    spoken = [el for el in root.iter() if el.tag in ("Say", "Play") and (el.text or "").strip()]
    assert spoken, "the caller must hear something"
    # A way forward: listening, redirecting, or a spoken goodbye.
    assert root.find("Gather") is not None or root.find("Redirect") is not None or root.find("Hangup") is not None


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_form_posts_get_spoken_twiml(client, route, name):
    assert_spoken_twiml(client.post(route, data=HOSTILE[name]))


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_any_method_gets_spoken_twiml(client, route, method):
    assert_spoken_twiml(client.open(route, method=method, query_string={"Digits": "1", "failures": "2"}))


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body, content_type", [
    (b"CallSid=CA1&Digits=\xff\xfe\xfd&SpeechResult=caf\xe9", "application/x-www-form-urlencoded"),
    (b"\x00\x01\x02\x03\xff", "application/x-www-form-urlencoded"),
    (b'{"Digits": "1"}', "application/json"),
    (b"--x\r\nContent-Disposition: form-data; name=Digits\r\n\r\n1\r\n--x--", "multipart/form-data; boundary=x"),
    (b"Digits=1", "text/plain; charset=nonsense-8"),
])
def test_non_utf8_and_odd_bodies_get_spoken_twiml(client, route, body, content_type):
    assert_spoken_twiml(client.post(route, data=body, content_type=content_type))


@pytest.mark.parametrize("failures", ["-1", "abc", "99999999999999999999", "1e9", "", "%00"])
def test_nonsense_failure_counts_are_ignored(client, failures):
    response = client.post(f"/voice/node/main/input?failures={failures}", data={"CallSid": "CA1", "Digits": "1"})
    assert_spoken_twiml(response)
    assert b"lost and stolen card team" in response.data


def test_an_unexpected_error_still_answers_with_an_apology(make_app, monkeypatch, line):
    from ivr.voice import twiml

    client = make_app().test_client()  # an app of its own: the shared one may have this reply cached,
    # and would never render it

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(twiml, "render", broken)
    response = client.post("/voice/incoming", data={"CallSid": "CA1"})
    assert_spoken_twiml(response)
    root = ET.fromstring(response.data)
    assert root.find("Say").text == line.text("apology")
    assert root.find("Redirect").text == "/voice/node/main"


def test_unknown_node_apologises_and_offers_the_main_menu(client, line):
    response = client.post("/voice/node/no-such-node", data={"CallSid": "CA1"})
    root = ET.fromstring(response.data)
    says = [el.text for el in root.iter("Say")]
    assert says[0] == line.text("apology")
    assert root.find("Gather").get("action") == "/voice/node/main/input?failures=0&turn=1"


# --- Structure against Twilio's 2016 schema, allowing what it predates ---

# Valid today but unknown to the 2016 schema: speech input and newer voices/languages.
SCHEMA_GAPS = {
    "Gather": {"input": {"dtmf", "speech", "dtmf speech"}, "hints": None, "speechTimeout": None,
               "speechModel": {"phone_call"}, "enhanced": {"true"},
               "language": {"en-US"}, "actionOnEmptyResult": {"true", "false"}},
    "Say": {"voice": None, "language": {"en-US"}},
}


@pytest.fixture(scope="module")
def schema():
    # Twilio's 2016 schema (from twilio-csharp, Apache-2.0), kept in tests/data so the check
    # does not depend on anything outside this repository.
    return etree.XMLSchema(etree.parse(str(ROOT / "tests" / "data" / "TwiML-2016.xsd")))


def without_known_gaps(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    for el in root.iter():
        for attr, allowed in SCHEMA_GAPS.get(el.tag, {}).items():
            if attr in el.attrib:
                assert allowed is None or el.attrib[attr] in allowed, (el.tag, attr, el.attrib[attr])
                del el.attrib[attr]
    return root


def every_reply(client, line):
    """The reply to fetching every node, and to 0, 9, silence and nonsense at every listening node."""
    yield client.post("/voice/incoming", data={"CallSid": "CA1"})
    for node_id, node in line.nodes.items():
        yield client.post(f"/voice/node/{node_id}", data={"CallSid": "CA1"})
        if node.kind in ("menu", "collect"):
            for data in ({"Digits": "0"}, {"Digits": "9"}, {}, {"SpeechResult": "kumquat"}):
                yield client.post(f"/voice/node/{node_id}/input?failures=2", data={"CallSid": "CA1", **data})


def test_every_reply_is_valid_twiml_2016_structure(client, line, schema):
    checked = 0
    for response in every_reply(client, line):
        root = without_known_gaps(response.data)
        assert schema.validate(root), (response.request.path, schema.error_log.last_error)
        checked += 1
    listening = sum(1 for n in line.nodes.values() if n.kind in ("menu", "collect"))
    assert checked == 1 + len(line.nodes) + 4 * listening


def test_every_gather_is_followed_by_a_way_on_after_silence(client, line):
    gathers = endings = 0
    for response in every_reply(client, line):
        verbs = [el.tag for el in ET.fromstring(response.data)]
        if "Gather" in verbs:
            gathers += 1
            after = verbs[verbs.index("Gather") + 1:]
            if after[0] != "Redirect":
                # An ending's "hear it again" offer: silence runs on to the goodbye and the hang-up.
                assert after[-1] == "Hangup" and set(after[:-1]) <= {"Say", "Play"}, verbs
                endings += 1
    listening = sum(1 for n in line.nodes.values() if n.kind in ("menu", "collect"))
    assert gathers >= 1 + 5 * listening  # a test that saw no <Gather> would prove nothing
    assert endings >= 1


def test_replies_stay_far_below_twilios_64_kb_limit(client, line):
    largest = max(len(r.data) for r in every_reply(client, line))
    assert largest < 16_000


@pytest.mark.parametrize("bad", ['<Response><gather numdigits="1"><Say>x</Say></gather></Response>',
                                 "<Response><Gather><Hangup/></Gather></Response>",
                                 '<Response><Say loop="-1">x</Say></Response>'])
def test_the_schema_check_does_catch_wrong_case_and_nesting(schema, bad):
    assert not schema.validate(etree.fromstring(bad))


@pytest.mark.parametrize("method, url, status, title", [
    ("GET", "/no-such-page", 404, "Page not found"),
    ("DELETE", "/checklist", 405, "Not allowed"),
])
def test_web_errors_are_pages_with_the_simulator_notice(client, method, url, status, title):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    assert "Practice simulator: this is not American Express" in page


def test_voice_urls_that_match_no_route_still_speak(client, line):
    response = client.post("/voice", data={"CallSid": "CA1"})
    assert_spoken_twiml(response)


@pytest.mark.parametrize("route", ["/voice/incoming", "/voice/node/main/input"])
def test_a_body_too_large_to_read_still_gets_spoken_twiml(client, line, route):
    response = client.post(route, data={"CallSid": "CA1", "SpeechResult": "x" * (3 * 1024 * 1024)})
    assert_spoken_twiml(response)
    assert ET.fromstring(response.data).find("Say").text == line.text("apology")


def test_a_body_too_large_logs_one_warning_and_no_traceback(client, caplog):
    import logging
    with caplog.at_level(logging.INFO):
        client.post("/voice/node/main/input", data={"CallSid": "CA1", "SpeechResult": "x" * (3 * 1024 * 1024)})
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert caplog.records[0].getMessage() == ("voice request refused: 413 Request Entity Too Large on "
                                              "/voice/node/main/input")
    assert caplog.records[0].exc_info is None

"""The browser phone with the audio library built: it plays the recorded prompts and captions them."""

from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app, audio_dir):
    """Every prompt has espeak-ng audio, so the line answers with <Play>."""
    return make_app(audio_dir=audio_dir, settings={"phone": {"browser_speech": False, "caption_seconds_per_word": 0}})


def test_recorded_prompts_play_with_captions_and_a_key_cuts_them_short(page, live_server, client, line):
    menu = client.post("/voice/node/main", data={"CallSid": "CA1"}).get_data(as_text=True)
    assert "<Play>" in menu and "<Say" not in menu  # the line really is answering with audio

    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(f"{r.status} {r.url}") if "/audio/" in r.url else None)
    page.goto(f"{live_server}/phone?start=main")
    page.keyboard.press("Enter")
    # <Play> is captioned with the prompt's words, taken from /audio/captions.json.
    expect(page.locator("#caption")).to_have_text(line.text("main-intro"))
    page.keyboard.press("1")  # barge in while the menu's audio plays
    expect(page.locator("#transcript li.who-line", has_text=line.text("lost-card-intro")).first).to_be_visible()
    expect(page.locator("#transcript li.who-line", has_text="(recorded prompt)")).to_have_count(0)

    played = [f for f in fetched if f.endswith(".mp3")]
    assert played and all(f.split()[0] in ("200", "206") for f in played), fetched
    assert any(f.startswith("200 ") and f.endswith("/audio/captions.json") for f in fetched), fetched
    # The menu's closing words were never fetched: the key press cut the menu short.
    captions = client.get("/audio/captions.json").get_json()
    file_of = {text: name for name, text in captions.items() if name.endswith(".mp3")}
    footer = file_of[line.nodes["main"].segments[-1].text]
    first = file_of[line.text("main-intro")]
    assert any(f.endswith(f"/audio/{first}") for f in fetched), fetched
    assert not any(f.endswith(f"/audio/{footer}") for f in fetched), fetched

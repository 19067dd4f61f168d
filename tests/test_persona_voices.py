"""Each persona's representative speaks in its own voice for the whole call, built as files of their own by
`audio build`; the line (situation, holds, keypad aside, coach) and the supervisor keep the line's voice; the
default persona's audio is as before, and a voice espeak-ng lacks stops start-up."""

from __future__ import annotations

import pytest
from conftest import Caller
from test_rehearsals import GUIDE_WORDS, NAME, NEXT_STEPS, REFERENCE, SUPERVISOR, YES
from test_scenarios import broken, config_copy  # noqa: F401 - the fixture: a copy of config/ and prompts/

from ivr.audio.build import Builder
from ivr.audio.cache import WEB
from ivr.audio.renderers import EspeakEngine, GttsEngine
from ivr.cli.audio_commands import build_items
from ivr.coach.state import HOLD
from ivr.coach.who_speaks import LINE, REP, SUP, speakers, voice_of, voiced_texts
from ivr.line.settings import AudioSettings, Voice
from ivr.voice.desk import scenario_start_url

RUSHED = Voice(espeak="en-us+f3", say="Polly.Salli")
BY_THE_BOOK = Voice(espeak="en-us+m3", say="Polly.Matthew")
ESPEAK = EspeakEngine(AudioSettings())


def file_of(text: str, voice: Voice | None = None) -> str:
    return ESPEAK.spec(phone=True, voice=voice).filename(text, WEB)


def test_personas_yaml_gives_the_rushed_and_by_the_book_personas_us_voices_of_their_own(book):
    personas = book.personas
    assert personas.personas["rushed"].voice == RUSHED
    assert personas.personas["by-the-book"].voice == BY_THE_BOOK
    assert personas.personas["helpful"].voice is None
    # The representative talks in the persona's voice; the supervisor and the line in the line's.
    assert voice_of(book, "rushed", REP) == RUSHED
    assert voice_of(book, "by-the-book", REP) == BY_THE_BOOK
    assert voice_of(book, "rushed", SUP) is None and voice_of(book, "rushed", LINE) is None
    assert voice_of(book, "", REP) is None  # the default (helpful) has the line's voice


def test_who_says_each_part_of_a_reply(book):
    scenario = book.get("unknown-charge")
    start = [scenario.situation, scenario.goal, "representative-hold", HOLD, "persona-rushed-greeting",
             "desk-keypad-representative"]
    assert speakers(book, start, REP) == [LINE, LINE, LINE, LINE, REP, LINE]
    # Put on hold for the supervisor: the representative says "please hold", the supervisor answers.
    transfer = ["supervisor-hold", HOLD, "supervisor-greeting"]
    assert speakers(book, transfer, SUP, desk_before=REP) == [REP, LINE, SUP]
    assert speakers(book, ["reference-intro", "$reference", scenario.next_steps], REP) == [REP, REP, REP]
    assert speakers(book, ["desk-try-again", scenario.can, scenario.cannot], REP) == [LINE, REP, REP]
    assert speakers(book, ["desk-goodbye", "coach-intro", "well-asked-name", "tip-confirmed"], REP) == [
        REP, LINE, LINE, LINE]


def test_the_build_renders_what_each_representative_says_in_its_voice_and_no_other_persona_s_words(book):
    voiced = voiced_texts(book)
    rushed = {text for text, voice in voiced if voice == RUSHED}
    by_the_book = {text for text, voice in voiced if voice == BY_THE_BOOK}
    for prompt_id in ("desk-ask-purpose", "desk-anything-else-v2", "persona-rushed-wrap-up", "reference-intro",
                      "digit-7", "supervisor-hold", "unknown-charge-cannot", "late-fee-next-steps"):
        assert book.text(prompt_id) in rushed, prompt_id
    assert book.text("persona-by-the-book-second-no") in by_the_book
    assert book.text("persona-by-the-book-second-no") not in rushed  # another persona's own words
    for prompt_id in ("desk-keypad-representative", "unknown-charge-situation", "coach-intro", "representative-hold",
                      "supervisor-greeting"):
        assert book.text(prompt_id) not in rushed, prompt_id  # the line's or the supervisor's


def test_the_build_renders_a_persona_s_prompts_as_separate_files_in_its_voice(espeak_library, book):
    greeting = book.text("persona-rushed-greeting")
    own, usual = espeak_library / file_of(greeting, RUSHED), espeak_library / file_of(greeting)
    assert own.name != usual.name
    assert own.read_bytes() != usual.read_bytes()  # a different voice, so different audio
    name = book.text("persona-by-the-book-name")
    assert (espeak_library / file_of(name, BY_THE_BOOK)).exists()
    assert not (espeak_library / file_of(name, RUSHED)).exists()  # only the persona's own voice


def test_the_same_words_in_two_gtts_accents_are_two_requests_and_two_files(google, tmp_path):
    settings = AudioSettings(telephone_copy=False, throttle_seconds=0)
    items = {"Thank you for holding.": "usual", ("Thank you for holding.", Voice(gtts="com")): "com"}
    report = Builder(settings, tmp_path, engine="gtts").run(items, progress=False)
    assert sorted(report.rendered) == ["com", "usual"]
    assert sorted(r.host for r in google.requests) == ["translate.google.com", "translate.google.us"]
    engine = GttsEngine(settings)
    names = {engine.spec(False, voice).filename("Thank you for holding.", WEB) for voice in (None, Voice(gtts="com"))}
    assert len(names) == 2 and all((tmp_path / name).exists() for name in names)


def test_a_rushed_rehearsal_greets_in_another_file_than_the_helpful_one(make_app, audio_dir, book):
    app = make_app(audio_dir=audio_dir)
    rushed = Caller(app.test_client()).start(scenario_start_url("unknown-charge", "rushed"))
    helpful = Caller(app.test_client()).start(scenario_start_url("unknown-charge"))
    rushed_greeting = file_of(book.text("persona-rushed-greeting"), RUSHED)
    helpful_greeting = file_of(book.text("representative-greeting"))
    assert rushed.said == [] and helpful.said == []  # every prompt played
    assert rushed.played[-2].endswith(f"/audio/{rushed_greeting}")
    assert helpful.played[-2].endswith(f"/audio/{helpful_greeting}")
    # The situation before the representative is the line's voice in both; the keypad sentence too.
    assert rushed.played[:-2] == helpful.played[:-2] and rushed.played[-1] == helpful.played[-1]


def test_a_persona_s_own_words_later_in_the_call_are_in_its_voice(make_app, audio_dir, book):
    caller = Caller(make_app(audio_dir=audio_dir).test_client())
    caller.start(scenario_start_url("trip-delay", "by-the-book"))
    name = caller.say("May I have your name, please?")
    assert name.played[0].endswith(f"/audio/{file_of(book.text('persona-by-the-book-name'), BY_THE_BOOK)}")


def test_the_default_persona_s_audio_is_unchanged(make_app, audio_dir, line, book):
    app = make_app(audio_dir=audio_dir)
    start = Caller(app.test_client()).start(scenario_start_url("unknown-charge"))
    # The line's own files, keyed as before (no voice in the key), and nothing in a persona's voice.
    spoken = {file_of(text): text for text in line.spoken()}
    assert [spoken[url.rsplit("/", 1)[1]] for url in start.played][-2:] == [
        book.text("representative-greeting"), book.text("desk-keypad-representative")]
    assert ESPEAK.spec(phone=True) == ESPEAK.spec(phone=True, voice=Voice())
    items = build_items(app.extensions["practice_line"])
    assert {key: label for key, label in items.items() if isinstance(key, str)} == line.spoken()


def test_without_audio_a_persona_s_own_prompts_use_its_twilio_voice(client, book):
    reply = Caller(client).start(scenario_start_url("unknown-charge", "rushed"))
    voices = {(el.text or "").strip(): el.get("voice") for el in reply.root.iter("Say")}
    assert voices[book.text("persona-rushed-greeting")] == "Polly.Salli"
    assert voices[book.text("desk-keypad-representative")] == "Polly.Joanna"  # the line's voice


def rushed_call(caller) -> list:
    """A rushed rehearsal by phone: purpose, details, yes, outcome, reference, next steps, name, supervisor."""
    purpose, details, outcome, _confirmation = GUIDE_WORDS["unknown-charge"]
    caller.start(scenario_start_url("unknown-charge", "rushed"))
    for words in (purpose, details, YES, outcome, REFERENCE, NEXT_STEPS, NAME):
        caller.say(words)
    transfer = caller.say(SUPERVISOR)
    return caller.history[1:-1], transfer


def test_without_audio_the_rushed_representative_keeps_its_voice_for_the_whole_call(client, book):
    turns, transfer = rushed_call(Caller(client))
    said = [(el.text or "").strip() for reply in turns for el in reply.root.iter("Say")]
    voices = {el.get("voice") for reply in turns for el in reply.root.iter("Say")}
    assert len(said) >= 12 and voices == {"Polly.Salli"}, said  # every word, read-backs and digits too
    in_transfer = {(el.text or "").strip(): el.get("voice") for el in transfer.root.iter("Say")}
    assert in_transfer[book.text("supervisor-hold")] == "Polly.Salli"  # "please hold", by the representative
    assert in_transfer[book.text("supervisor-greeting")] == "Polly.Joanna"  # the supervisor, another person


def test_with_audio_every_line_the_rushed_representative_says_plays_in_its_own_voice(make_app, audio_dir, book):
    turns, transfer = rushed_call(Caller(make_app(audio_dir=audio_dir).test_client()))
    played = [url.rsplit("/", 1)[1] for reply in turns for url in reply.played]
    own = {file_of(text, RUSHED) for text, voice in voiced_texts(book) if voice == RUSHED}
    assert len(played) >= 15 and set(played) <= own, sorted(set(played) - own)
    assert file_of(book.text("reference-intro"), RUSHED) in played
    assert {el.get("voice") for reply in turns for el in reply.root.iter("Say")} <= {"Polly.Salli"}  # read-backs
    assert [url.rsplit("/", 1)[1] for url in transfer.played][:2] == [
        file_of(book.text("supervisor-hold"), RUSHED), file_of(book.text("supervisor-greeting"))]


def start_up_problems(config_copy, voice) -> list[str]:
    return broken(config_copy, lambda data: data["personas"]["rushed"].update(voice=voice), "personas.yaml")


def test_an_espeak_voice_not_installed_stops_start_up_naming_file_and_persona(config_copy):
    problems = start_up_problems(config_copy, {"espeak": "en-us+nosuchvariant"})
    assert problems == [f"{config_copy / 'config' / 'personas.yaml'}: persona rushed, voice.espeak: espeak-ng has "
                        "no variant 'nosuchvariant' (see espeak-ng --voices=variant)"]
    problems = start_up_problems(config_copy, {"espeak": "xx-yy"})
    assert problems[0].endswith("persona rushed, voice.espeak: espeak-ng has no language 'xx-yy' "
                                "(see espeak-ng --voices=en)")


def test_a_misspelt_voice_stops_start_up_naming_file_and_persona(config_copy):
    problems = start_up_problems(config_copy, {"espeek": "en-us+f3"})
    assert len(problems) == 1
    assert str(config_copy / "config" / "personas.yaml") in problems[0]
    assert "rushed" in problems[0] and "espeek" in problems[0]

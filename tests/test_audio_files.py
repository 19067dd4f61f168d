"""Audio bytes are checked before they are stored, keys cover every setting, writes are atomic."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from conftest import ROOT, Caller, silent_mp3

from ivr import ConfigError
from ivr.audio.cache import PHONE, WEB, AudioLibrary, NotAudio, RenderSpec, mark_built, normalize, write_atomic
from ivr.audio.renderers import mulaw_wav
from ivr.audio.probe import probe

SPEC = RenderSpec("gtts", "gtts 2.5.4", "en", "us", "normal", "lame 3.100; sox 14.4.2")


def test_probe_reads_gtts_style_mp3():
    info = probe(silent_mp3(50))
    assert (info.kind, info.mimetype, info.sample_rate, info.channels) == ("mp3", "audio/mpeg", 24000, 1)
    assert info.seconds == pytest.approx(50 * 576 / 24000)


def test_probe_reads_phone_wav():
    info = probe(mulaw_wav(bytes(4000)))
    assert (info.kind, info.mimetype, info.sample_rate, info.encoding) == ("wav", "audio/wav", 8000, "mu-law")
    assert info.seconds == pytest.approx(0.5)


@pytest.mark.parametrize("data, why", [
    (b"", "empty"),
    (b"<html><body>Sign in</body></html>", "an HTML page"),
    (silent_mp3(50)[:-10], "a cut-off last frame"),
    (silent_mp3(1), "one frame: shorter than a tenth of a second"),
    (silent_mp3(20) + b"trailing junk", "junk after the frames"),
    (mulaw_wav(bytes(4000))[:-100], "a WAV shorter than its header says"),
    (b"RIFF\xff\xff\xff\x7fWAVEfmt " + bytes(40), "a WAV header written to a pipe, no data"),
    (mulaw_wav(bytes(4000))[:30], "a WAV cut off inside its format chunk"),
])
def test_probe_rejects(data, why):
    assert probe(data) is None, why


def test_probe_skips_id3_tag():
    tag_body = b"TXXX" + bytes(20)
    tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(tag_body)]) + tag_body
    assert probe(tag + silent_mp3(10)).seconds == pytest.approx(10 * 576 / 24000)


def test_normalise_collapses_spaces_only():
    assert normalize("  Press  1,\n or say   help. ") == "Press 1, or say help."
    assert normalize("Press\t1 now") == "Press 1 now"


@pytest.mark.parametrize("change", [
    {"lang": "fr"}, {"accent": "co.uk"}, {"speed": "slow"}, {"engine": "espeak-ng"}, {"version": "gtts 2.5.5"},
])
def test_key_changes_with_every_setting(change):
    other = RenderSpec(**{**SPEC.__dict__, **change})
    assert other.key("Press 1.", WEB) != SPEC.key("Press 1.", WEB)


def test_key_covers_text_and_format_but_not_spacing():
    assert SPEC.key("Press 1.", WEB) != SPEC.key("Press 2.", WEB)
    assert SPEC.key("Press 1.", WEB) != SPEC.key("Press 1.", PHONE)
    assert SPEC.key("Press  1. ", WEB) == SPEC.key("Press 1.", WEB)
    assert SPEC.filename("Press 1.", WEB).endswith(".mp3") and SPEC.filename("Press 1.", PHONE).endswith(".wav")
    assert len(SPEC.key("Press 1.", WEB)) == 40


def test_phone_key_changes_with_phone_tools_only():
    newer_sox = RenderSpec(**{**SPEC.__dict__, "phone_version": "lame 3.100; sox 14.5"})
    assert newer_sox.key("Hi there.", PHONE) != SPEC.key("Hi there.", PHONE)
    assert newer_sox.key("Hi there.", WEB) == SPEC.key("Hi there.", WEB)


def test_write_atomic_stores_exact_bytes_readable_by_all(tmp_path):
    data = silent_mp3(30, signature=7)
    info = write_atomic(tmp_path, "a.mp3", data, WEB)
    assert (tmp_path / "a.mp3").read_bytes() == data
    assert info.seconds == pytest.approx(30 * 576 / 24000)
    assert stat.S_IMODE(os.stat(tmp_path / "a.mp3").st_mode) == 0o644


@pytest.mark.parametrize("data, fmt", [(b"", WEB), (b"<html>busy</html>", WEB), (silent_mp3(20)[:-3], WEB),
                                       (silent_mp3(20), PHONE)])
def test_write_atomic_refuses_what_is_not_audio(tmp_path, data, fmt):
    with pytest.raises(NotAudio):
        write_atomic(tmp_path, "a.mp3", data, fmt)
    assert list(tmp_path.iterdir()) == []  # no empty file, no temp file


def test_write_atomic_keeps_the_old_file_when_the_new_bytes_are_bad(tmp_path):
    good = silent_mp3(30)
    write_atomic(tmp_path, "a.mp3", good, WEB)
    with pytest.raises(NotAudio):
        write_atomic(tmp_path, "a.mp3", good[:-5], WEB)
    assert (tmp_path / "a.mp3").read_bytes() == good


def _write_many(folder: str, signature: int) -> None:
    data = silent_mp3(400, signature=signature)
    for _ in range(60):
        write_atomic(Path(folder), "same.mp3", data, WEB)


def test_two_processes_writing_the_same_prompt_never_corrupt_it(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(tmp_path), sig)) for sig in (1, 2)]
    for worker in workers:
        worker.start()
    seen = set()
    while any(w.is_alive() for w in workers):  # a reader during the writes sees whole files only
        try:
            data = (tmp_path / "same.mp3").read_bytes()
        except FileNotFoundError:
            continue
        seen.add(data)
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    final = (tmp_path / "same.mp3").read_bytes()
    assert final in {silent_mp3(400, signature=1), silent_mp3(400, signature=2)}
    assert seen <= {silent_mp3(400, signature=1), silent_mp3(400, signature=2)}
    assert [p.name for p in tmp_path.iterdir()] == ["same.mp3"]  # no temp files left


def test_library_prefers_the_first_spec_and_drops_deleted_files(tmp_path):
    espeak = RenderSpec("espeak-ng", "espeak-ng 1.51; lame 3.100", "en-us", "en-us", "160wpm", None)
    text = "Welcome."
    write_atomic(tmp_path, espeak.filename(text, WEB), silent_mp3(20, 1), WEB)
    library = AudioLibrary(tmp_path, [text, "Not rendered."], lambda: [SPEC, espeak])
    assert library.playable(text).name == espeak.filename(text, WEB)
    assert library.playable("Not rendered.") is None
    write_atomic(tmp_path, SPEC.filename(text, WEB), silent_mp3(20, 2), WEB)
    write_atomic(tmp_path, SPEC.filename(text, PHONE), mulaw_wav(bytes(4000)), PHONE)
    library.refresh()
    assert library.playable(text).name == SPEC.filename(text, WEB)
    assert library.playable(text, phone=True).name == SPEC.filename(text, PHONE)
    assert library.captions() == {SPEC.filename(text, WEB): text, SPEC.filename(text, PHONE): text}
    os.remove(tmp_path / SPEC.filename(text, PHONE))
    library.refresh()  # as after a build (its stamp)
    assert library.playable(text, phone=True).name == SPEC.filename(text, WEB)  # the MP3 still plays
    os.remove(tmp_path / SPEC.filename(text, WEB))
    assert library.file(SPEC.filename(text, WEB)) is None  # never served once gone, even before a build
    library.refresh()
    assert library.playable(text).name == espeak.filename(text, WEB)  # the next spec's file, still there


@pytest.mark.parametrize("line_in_yaml, message", [
    ("  lang: en", "audio.lang: Value error, gTTS does not speak 'xx'"),
    ("  tld: us", "audio.tld: String should match pattern"),
    ("  engine: gtts", "audio.engine: Input should be 'gtts' or 'espeak'"),
])
def test_bad_audio_settings_stop_start_up_naming_the_file(make_app, tmp_path, line_in_yaml, message):
    config = tmp_path / "config"
    config.mkdir()
    for path in (ROOT / "config").glob("*.yaml"):
        (config / path.name).write_text(path.read_text())
    settings = (config / "settings.yaml").read_text()
    bad = {"  lang: en": "  lang: xx", "  tld: us": "  tld: not a host", "  engine: gtts": "  engine: festival"}
    assert line_in_yaml in settings
    (config / "settings.yaml").write_text(settings.replace(line_in_yaml, bad[line_in_yaml], 1))
    with pytest.raises(ConfigError) as raised:
        make_app(CONFIG_DIR=config)
    assert any(p.startswith(f"{config / 'settings.yaml'}: {message}") for p in raised.value.problems), raised.value.problems


def test_an_unreadable_audio_folder_is_logged_once_as_a_warning(make_app, tmp_path, caplog):
    import logging
    not_a_folder = tmp_path / "audio-is-a-file"
    not_a_folder.write_text("not a folder")
    with caplog.at_level(logging.INFO):
        app = make_app(audio_dir=not_a_folder)
        caller = Caller(app.test_client())
        caller.start()
        app.extensions["practice_line"].audio.refresh()
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert [r.getMessage() for r in warnings] == [
        f"the audio folder {not_a_folder} cannot be read (Not a directory), so every prompt is spoken with <Say>"]
    assert caller.history[0].played == [] and caller.history[0].said  # <Say>, as the warning says


def test_a_missing_audio_folder_is_not_a_warning(make_app, tmp_path, caplog):
    import logging
    with caplog.at_level(logging.INFO):
        make_app(audio_dir=tmp_path / "not-built-yet")
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []


def test_one_request_reindexes_after_a_build_while_the_others_keep_the_old_index(tmp_path, monkeypatch):
    import threading
    import time

    from ivr.audio import cache
    library = AudioLibrary(tmp_path, ["One."], lambda: [])
    old_index = library.by_text
    scans, scanning, finish = [], threading.Event(), threading.Event()

    def slow_specs():  # a scan that takes a while, like 46 ms over the real library
        scans.append(threading.current_thread().name)
        scanning.set()
        finish.wait(30)
        return []

    library._specs = slow_specs
    (tmp_path / ("0" * 40 + ".mp3")).write_bytes(silent_mp3())  # the build wrote a file...
    mark_built(tmp_path)  # ...and its stamp
    # Two webhooks look at the build stamp at the same moment, before either has started to re-index.
    both_looked = threading.Barrier(2)
    real_stamp = cache.AudioLibrary._stamp_time
    looks = []

    def stamp_time(self):
        looks.append(1)
        if len(looks) <= 2:
            both_looked.wait(5)
        else:
            time.sleep(0.2)  # the re-index starts a moment later, after both have seen the new stamp
        return real_stamp(self)

    monkeypatch.setattr(cache.AudioLibrary, "_stamp_time", stamp_time)
    monkeypatch.setattr(cache, "RECHECK_SECONDS", -1.0)  # both look now, whatever the clock says
    seen = {}

    def webhook(name):
        library.refresh_if_rebuilt()
        seen[name] = library.by_text

    first = threading.Thread(target=webhook, args=("first",), name="first")
    second = threading.Thread(target=webhook, args=("second",), name="second")
    first.start(), second.start()
    assert scanning.wait(5)
    other = second if scans[0] == "first" else first
    other.join(5)
    assert len(scans) == 1  # one re-index...
    assert not other.is_alive()  # ...the other request did not wait for it...
    assert seen[other.name] is old_index  # ...and answered from the old index
    finish.set()
    first.join(5), second.join(5)
    assert len(scans) == 1  # one re-index in all

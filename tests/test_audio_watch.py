"""The audio folder watch: a change is noticed at the next look, and looks are at most CHECK_SECONDS apart."""

from __future__ import annotations

import pytest

from ivr.audio import watch


@pytest.fixture
def clock(monkeypatch):
    """A monotonic clock the test moves by hand (seconds)."""
    now = [1000.0]
    monkeypatch.setattr(watch.time, "monotonic", lambda: now[0])
    return now


def test_a_change_is_noticed_at_the_next_look_not_before(tmp_path, clock):
    folder_watch = watch.FolderWatch(tmp_path)
    assert folder_watch.changed() is True  # nothing was watched before the first look
    clock[0] += watch.CHECK_SECONDS
    assert folder_watch.changed() is False  # nothing happened
    (tmp_path / "new.mp3").write_bytes(b"ID3")
    clock[0] += watch.CHECK_SECONDS / 2
    assert folder_watch.changed() is False  # too soon to look: no system call on this webhook
    clock[0] += watch.CHECK_SECONDS / 2
    assert folder_watch.changed() is True  # the write, at the next look
    clock[0] += watch.CHECK_SECONDS
    assert folder_watch.changed() is True  # watching afresh (a folder made again is watched): "maybe" once more
    clock[0] += watch.CHECK_SECONDS
    assert folder_watch.changed() is False  # then quiet
    folder_watch.close()


def test_a_deleted_file_is_a_change(tmp_path, clock):
    (tmp_path / "old.mp3").write_bytes(b"ID3")
    folder_watch = watch.FolderWatch(tmp_path)
    folder_watch.changed()
    (tmp_path / "old.mp3").unlink()
    clock[0] += watch.CHECK_SECONDS
    assert folder_watch.changed() is True
    folder_watch.close()


def test_a_missing_folder_always_may_have_changed_but_is_looked_at_sparingly(tmp_path, clock):
    folder_watch = watch.FolderWatch(tmp_path / "not-built-yet")
    assert folder_watch.changed() is True
    assert folder_watch.changed() is False  # within CHECK_SECONDS
    clock[0] += watch.CHECK_SECONDS
    assert folder_watch.changed() is True  # can't be watched: "maybe", at every look

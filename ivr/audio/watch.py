"""Has anything in a folder changed since we last asked? Linux inotify, read without blocking: one system
call instead of a stat of every file a reply plays. Where inotify is missing the answer is always "maybe"."""

from __future__ import annotations

import os
import time
from pathlib import Path

# inotify(7): a file written, replaced, moved, deleted or changed in attributes; the folder itself going.
_EVENTS = (0x002 | 0x004 | 0x008 | 0x040 | 0x080 | 0x100 | 0x200 | 0x400 | 0x800)
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
# Looked at most this often. The read is a system call, and a system call lets the worker's other
# threads take the interpreter: asked on every webhook, it was an eighth of a loaded worker's time.
CHECK_SECONDS = 0.25


def _libc():
    import ctypes  # only once a reply plays audio: ctypes is slow to import
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc if hasattr(libc, "inotify_init1") else None
    except OSError:
        return None


class FolderWatch:
    """changed() is True when a file in `folder` may have changed since it last said so (noticed within
    CHECK_SECONDS)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._fd: int | None = None
        self._looked = 0.0  # time.monotonic() of the last look
        # A forked worker must not share the parent's queue: whoever read an event would hide it from the rest.
        os.register_at_fork(after_in_child=self._forget)

    def changed(self) -> bool:
        """True if anything happened in the folder since the last look (or if that cannot be known)."""
        now = time.monotonic()
        if now - self._looked < CHECK_SECONDS:
            return False  # a change now is reported at the next look, a moment later
        self._looked = now
        if self._fd is None:
            self._fd = self._open()
            return True  # nothing was watched before now
        if self._fd < 0:
            return True
        try:
            if not os.read(self._fd, 65536):
                return False
        except BlockingIOError:
            return False
        except OSError:
            pass
        # Something changed. Watch afresh, so a folder deleted and made again is still watched.
        self.close()
        return True

    def close(self) -> None:
        """Stop watching (the next changed() starts again)."""
        if self._fd is not None and self._fd >= 0:
            os.close(self._fd)
        self._fd = None

    def _forget(self) -> None:
        self.close()  # closes the child's copy only; the child opens its own watch when asked

    def _open(self) -> int:
        libc = _libc()
        if libc is None:
            return -1
        fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            return -1
        if libc.inotify_add_watch(fd, os.fsencode(self.folder), _EVENTS) < 0:  # no folder yet, or no watches left
            os.close(fd)
            return -1
        return fd

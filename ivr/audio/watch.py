"""Has anything in a folder changed since we last asked? Linux inotify, read without blocking: one system
call instead of a stat of every file a reply plays. Where inotify is missing the answer is always "maybe"."""

from __future__ import annotations

import os
from pathlib import Path

# inotify(7): a file written, replaced, moved, deleted or changed in attributes; the folder itself going.
_EVENTS = (0x002 | 0x004 | 0x008 | 0x040 | 0x080 | 0x100 | 0x200 | 0x400 | 0x800)
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC


def _libc():
    import ctypes  # only once a reply plays audio: ctypes is slow to import
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc if hasattr(libc, "inotify_init1") else None
    except OSError:
        return None


class FolderWatch:
    """changed() is True when a file in `folder` may have changed since the previous call."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._fd: int | None = None
        # A forked worker must not share the parent's queue: whoever read an event would hide it from the rest.
        os.register_at_fork(after_in_child=self._forget)

    def changed(self) -> bool:
        """True if anything happened in the folder since the last call (or if that cannot be known)."""
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

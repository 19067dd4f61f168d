"""The app's Flask class: Flask, with the check for async hooks and views made once per function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from .routing import RememberingMap

# Hooks and views are a few dozen functions for the app's life; a function added per request
# (after_this_request) must not grow the table without bound.
_MAX_KNOWN = 256


class PracticeFlask(Flask):
    """Flask, remembering which functions are plain `def`s.

    Flask asks inspect.iscoroutinefunction() of every hook and view on every request (ensure_sync),
    which cost a webhook about as much as its own hook. The answer never changes for a function.
    """

    url_map_class = RememberingMap

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` as Flask would run it (async functions wrapped), worked out once per function."""
        found = self._sync.get(func)
        if found is None:
            if len(self._sync) >= _MAX_KNOWN:
                self._sync.clear()
            found = self._sync[func] = super().ensure_sync(func)
        return found

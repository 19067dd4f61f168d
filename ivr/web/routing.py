"""URL routing that remembers where each path led: Twilio posts the same few webhook paths all day."""

from __future__ import annotations

import functools

from werkzeug.routing import Map
from werkzeug.routing.matcher import StateMachineMatcher

# Paths seen at once on a line: about two per menu node (the node and its input), a few pages and
# static files. Any path can arrive, so the table is bounded; an unusual path just costs a match.
MATCHES_KEPT = 2048


class RememberingMatcher(StateMachineMatcher):
    """Werkzeug's matcher, keeping each successful match by (domain, path, method, websocket).

    A match depends only on those and the rules; adding a rule forgets every match. Failed matches
    (404, 405, a slash redirect) are raised afresh each time: they are rare, and never kept.
    """

    def __init__(self, merge_slashes: bool) -> None:
        super().__init__(merge_slashes)
        self._kept = functools.lru_cache(maxsize=MATCHES_KEPT)(super().match)

    def add(self, rule) -> None:
        """Add `rule`, forgetting the matches kept so far."""
        self._kept.cache_clear()
        super().add(rule)

    def update(self) -> None:
        """Re-sort the rules, forgetting the matches kept so far."""
        self._kept.cache_clear()
        super().update()

    def match(self, domain: str, path: str, method: str, websocket: bool):
        """(rule, its arguments) for this request; the arguments are the caller's own copy to change."""
        rule, arguments = self._kept(domain, path, method, websocket)
        return rule, dict(arguments)


class RememberingMap(Map):
    """A URL map whose matcher remembers matches (see RememberingMatcher)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        matcher = RememberingMatcher(self.merge_slashes)
        for rule in self._rules:  # any given to the constructor
            matcher.add(rule)
        matcher.update()
        self._matcher = matcher

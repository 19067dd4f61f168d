"""URL routing that remembers where each path led: Twilio posts the same few webhook paths all day."""

from __future__ import annotations

import functools

from werkzeug.routing import Map
from werkzeug.routing.matcher import StateMachineMatcher

# Paths seen at once on a line: about two per menu node (the node and its input), a few pages and
# static files. Any path can arrive, so the tables are bounded; an unusual path just costs a match.
MATCHES_KEPT = 2048
ADAPTERS_KEPT = 2048
# Everything in a WSGI environ that Werkzeug's Map.bind_to_environ reads.
_BINDING = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "HTTP_CONNECTION", "HTTP_UPGRADE",
            "SCRIPT_NAME", "PATH_INFO", "REQUEST_METHOD", "QUERY_STRING")
# Only short request lines are kept, so the tables stay small whatever arrives (gunicorn lets a line
# be 4 kB): a webhook's path is under a hundred characters, and a node's URL carries small counts
# (?failures=1&turn=12) while a desk's signed state is new every turn.
_KEPT_PATH_CHARS = 200
_KEPT_HOST_CHARS = 200
_KEPT_QUERY_CHARS = 80
_HOST, _PATH, _QUERY = (_BINDING.index(name) for name in ("HTTP_HOST", "PATH_INFO", "QUERY_STRING"))


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
        if len(path) > _KEPT_PATH_CHARS:
            return super().match(domain, path, method, websocket)
        rule, arguments = self._kept(domain, path, method, websocket)
        # A copy of the dict is enough: Werkzeug's converters (string, path, int, ...) give immutable values.
        return rule, dict(arguments)


class RememberingMap(Map):
    """A URL map whose matcher remembers matches (see RememberingMatcher), and which binds each
    distinct request line (host, method, path, query) once.

    Binding (reading the host, decoding the path, encoding the server name) cost a webhook as much as
    matching did. A MapAdapter never changes once made, and reads the map's current rules when it
    matches, so one can serve every request that would have made the same one.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        matcher = RememberingMatcher(self.merge_slashes)
        for rule in self._rules:  # any given to the constructor
            matcher.add(rule)
        matcher.update()
        self._matcher = matcher
        self._bound = functools.lru_cache(maxsize=ADAPTERS_KEPT)(self._bind)

    def bind_to_environ(self, environ, server_name=None, subdomain=None):
        """The adapter Werkzeug would bind for this request, made once per distinct request line."""
        environ = getattr(environ, "environ", environ)  # a request, as Werkzeug also accepts
        binding = tuple(map(environ.get, _BINDING))
        if (len(binding[_QUERY] or "") > _KEPT_QUERY_CHARS or len(binding[_PATH] or "") > _KEPT_PATH_CHARS
                or len(binding[_HOST] or "") > _KEPT_HOST_CHARS):
            return super().bind_to_environ(environ, server_name, subdomain)
        return self._bound(binding, server_name, subdomain)

    def _bind(self, binding: tuple, server_name, subdomain):
        # Bound from the kept values alone: a value Werkzeug read beyond them could not vary unseen.
        environ = {name: value for name, value in zip(_BINDING, binding) if value is not None}
        return super().bind_to_environ(environ, server_name, subdomain)

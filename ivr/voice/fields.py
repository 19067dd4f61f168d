"""The few fields a voice webhook reads, picked out of Twilio's form and the URL without parsing all of either."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote_plus

from flask import Request, current_app
from werkzeug.local import LocalProxy

from ..line.navigator import Call, position_from_query

# From is read only to tell the app's own practice phones from Twilio (ivr/voice/call_events.py); never kept.
# CallStatus and CallDuration come with the status callback (and CallStatus with every webhook), and
# SequenceNumber and Timestamp with a callback for progress events (the call log orders them by these).
FIELDS = ("CallSid", "Digits", "SpeechResult", "From", "CallStatus", "CallDuration", "SequenceNumber", "Timestamp")
# Twilio posts two dozen fields (caller's city, state, zip, ...) and a webhook reads a few of them:
# parsing the whole form was a third of a webhook's time.
_WANTED = frozenset(FIELDS)
# Whether a query string names one of them (Twilio never puts them in the URL; a test may).
_FIELD_IN_QUERY = re.compile("(?:^|&)(?:" + "|".join(FIELDS) + ")=")
_FORM = "application/x-www-form-urlencoded"
# Werkzeug's decoding of a bad %-escape, so a field reads here as it would from request.form.
_DECODE_ERRORS = "werkzeug.url_quote"
# Kept in the WSGI environ for the rest of the request: the parsed query string, and the fields.
_QUERY, _FIELDS = "practice_line.query", "practice_line.fields"
# A node's URL carries only small counts (?failures=1&turn=12); anything longer is not one.
_NODE_QUERY_CHARS = 80


def webhook_fields(request: Request) -> dict[str, str]:
    """The FIELDS (CallSid, Digits, SpeechResult, From, CallStatus, CallDuration) as request.values gives
    them: the query string first, then the form."""
    # Flask's `request` is a proxy, and each attribute read through it costs as much as a dict of
    # fields: work on the request itself.
    request = _unproxied(request)
    environ = request.environ
    found = environ.get(_FIELDS)
    if found is not None:
        return found
    found = {}
    if environ.get("CONTENT_TYPE", "").startswith(_FORM) and "form" not in request.__dict__:
        # Not parsed already (a signature check parses the whole form).
        raw = _body(request, environ)
        try:
            body = raw.decode()
        except UnicodeDecodeError as error:
            # Read with the bad bytes replaced: the caller still hears the line, and the call log still
            # gets the CallSid (a field holding them matches nothing). Said once, in one line.
            current_app.logger.warning("voice webhook %s: the form is not UTF-8 (byte %d); read with the bad "
                                       "bytes replaced", request.path, error.start)
            body = raw.decode(errors="replace")
        for pair in body.split("&"):  # faster than a regular expression over the whole body
            name, _, value = pair.partition("=")
            if name in _WANTED and name not in found:  # the first of each wins, as in request.form
                found[name] = _decoded(value) if "%" in value or "+" in value else value
    else:
        form = request.form
        found = {name: form[name] for name in FIELDS if name in form}
    query_string = environ.get("QUERY_STRING")
    if query_string and _FIELD_IN_QUERY.search(query_string):
        query = _query(environ)
        found.update((name, query[name]) for name in FIELDS if name in query)
    environ[_FIELDS] = found
    return found


def _unproxied(request: Request) -> Request:
    # type(), not isinstance(): a LocalProxy passes isinstance() checks for the object behind it.
    return request._get_current_object() if type(request) is LocalProxy else request


def _body(request: Request, environ: dict) -> bytes:
    """The request body, kept where Werkzeug keeps it, so request.form and get_data() still read it after."""
    length = environ.get("CONTENT_LENGTH", "")
    # A voice webhook never changes its own limit, so the app's is the one that applies.
    limit = current_app._get_current_object().config["MAX_CONTENT_LENGTH"]  # (not read through the proxy)
    if not length.isdigit() or (limit is not None and int(length) > limit) or "HTTP_TRANSFER_ENCODING" in environ:
        return request.get_data(cache=True)  # Werkzeug's checks: a body over the limit is refused (413)
    # A plain body of known, allowed length (every Twilio webhook): read it straight, without
    # Werkzeug's stream wrappers, which cost a webhook more than the rest of its parsing.
    data = request._cached_data = environ["wsgi.input"].read(int(length))
    return data


def _decoded(value: str) -> str:
    return _decoded_short(value) if len(value) <= 64 else unquote_plus(value, errors=_DECODE_ERRORS)


@lru_cache(maxsize=4096)
def _decoded_short(value: str) -> str:
    # The same few encoded values (a caller's +1 number, a key) come with every webhook of a call.
    return unquote_plus(value, errors=_DECODE_ERRORS)


def webhook_query(request: Request) -> dict[str, str]:
    """The URL's query arguments (the first of each, as request.args.get gives them), parsed once per request."""
    return _query(_unproxied(request).environ)


def webhook_position(request: Request) -> tuple[int, Call]:
    """The ?failures= count and the Call (?turn=, ?quiet=, ?handoffs=, ?met=) a node webhook's URL carries."""
    environ = _unproxied(request).environ
    query_string = environ.get("QUERY_STRING", "")
    if len(query_string) > _NODE_QUERY_CHARS:
        return position_from_query(_query(environ))
    return _node_position(query_string)


@lru_cache(maxsize=2048)
def _node_position(query_string: str) -> tuple[int, Call]:
    # Every call passes through the same few counts at each node, so each URL is read once per worker.
    return position_from_query(parse_query(query_string))


def parse_query(query_string: str) -> dict[str, str]:
    """A URL's query arguments, the first of each, as request.args.get gives them."""
    query: dict[str, str] = {}
    # The query string is short (?failures=&turn=, or a desk's state) but Werkzeug's MultiDict costs more.
    for name, value in parse_qsl(query_string, keep_blank_values=True, errors=_DECODE_ERRORS):
        query.setdefault(name, value)
    return query


def _query(environ: dict) -> dict[str, str]:
    query = environ.get(_QUERY)
    if query is None:
        query = environ[_QUERY] = parse_query(environ.get("QUERY_STRING", ""))
    return query

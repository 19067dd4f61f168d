"""The few fields a voice webhook reads, picked out of Twilio's form without parsing all of it."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from flask import Request

# From is read only to tell the app's own practice phones from Twilio (ivr/voice/calllog.py); never kept.
FIELDS = ("CallSid", "Digits", "SpeechResult", "From")
# Twilio posts two dozen fields (caller's city, state, zip, ...) and a webhook reads a few of them:
# parsing the whole form was a third of a webhook's time.
_FIELD = re.compile(r"(?:^|&)((?:CallSid|Digits|SpeechResult|From)=[^&]*)")
_FORM = "application/x-www-form-urlencoded"


def webhook_fields(request: Request) -> dict[str, str]:
    """CallSid, Digits, SpeechResult and From as request.values gives them: the query string first, then the form."""
    found: dict[str, str] = {}
    if request.mimetype == _FORM and "form" not in request.__dict__:  # not parsed already (signature check)
        try:
            body = request.get_data(cache=True).decode()
        except UnicodeDecodeError:  # Werkzeug reads such a form as empty; so does this
            body = ""
        # The same decoding as Werkzeug's form parser, on the three fields alone; the first of each wins.
        for name, value in parse_qsl("&".join(_FIELD.findall(body)), keep_blank_values=True,
                                     errors="werkzeug.url_quote"):
            found.setdefault(name, value)
    else:
        found = {name: request.form[name] for name in FIELDS if name in request.form}
    if request.query_string:
        found.update((name, request.args[name]) for name in FIELDS if name in request.args)
    return found

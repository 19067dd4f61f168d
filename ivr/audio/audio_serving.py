"""Blueprint /audio: the prompt audio library (immutable, content-hash names) and its captions."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, send_file

from ..runtime import runtime
from .cache import AUDIO_PREFIX

bp = Blueprint("audio", __name__, url_prefix=AUDIO_PREFIX)
ONE_YEAR = 31536000  # a file's name is its content's key: it never changes, so cache it for good


@bp.get("/captions.json")
def captions():
    """Audio file name -> the words it speaks, for the browser phone's captions."""
    library = runtime().audio
    response = jsonify(library.captions() if library is not None else {})
    response.cache_control.no_cache = True  # changes with every build
    return response


@bp.get("/<name>")
def audio_file(name: str):
    """One audio file, with a strong ETag (its SHA-256), Range support and a year-long cache."""
    library = runtime().audio
    audio = library.file(name) if library is not None else None
    if audio is None:
        return _not_found()
    try:
        response = send_file(audio.path, mimetype=audio.mimetype, conditional=True, etag=audio.etag,
                             max_age=ONE_YEAR)
    except OSError:  # deleted between the check and the open
        return _not_found()
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def _not_found() -> Response:
    return Response("No such audio file.\n", status=404, mimetype="text/plain")

"""Blueprint /map: the menu map as a picture whose nodes start practice calls, a path marked on request."""

from __future__ import annotations

import threading

from flask import Blueprint, Response, current_app, render_template, request, url_for
from markupsafe import Markup

from ..line.menumap import SHARED_LABEL
from ..runtime import runtime
from .drawing import KIND_WORDS, GraphvizMissing, render_svg
from .page import accessible_links, mark_path, parse_path, tree_items

bp = Blueprint("map", __name__, template_folder="templates", static_folder="static", static_url_path="/map/static")
_drawing = threading.Lock()
CACHE_KEY = "practice_line_map_svg"


def picture() -> str | None:
    """The map as SVG, a link on every node, drawn once per app; None when Graphviz's dot is missing."""
    cache = current_app.extensions
    if CACHE_KEY not in cache:
        with _drawing:  # one request draws; the others wait for it rather than drawing again
            if CACHE_KEY not in cache:
                menu = runtime().menu_map
                try:
                    svg = accessible_links(render_svg(menu, lambda n: url_for("phone.phone", start=n)), menu)
                except GraphvizMissing:
                    current_app.logger.warning("The menu map needs Graphviz's dot (Debian package graphviz).")
                    svg = None
                cache[CACHE_KEY] = svg
    return cache[CACHE_KEY]


@bp.get("/map")
def page():
    """The menu map; ?path=a,b,c marks that path (unknown ids are named, not an error)."""
    menu = runtime().menu_map
    path, unknown = parse_path(request.args.get("path", "")[:10_000], menu)
    svg = picture()
    shared = [(edge, [menu.nodes[n].label for n in menu.lacking(edge)]) for edge in menu.shared]
    return render_template(
        "map/map.html", svg=Markup(mark_path(svg, menu, path)) if svg else None,
        items=tree_items(menu, path), path=[menu.nodes[n] for n in path], unknown=unknown,
        shared=shared, shared_label=SHARED_LABEL, labels={n: m.label for n, m in menu.nodes.items()},
        kind_words=KIND_WORDS)


@bp.get("/map.svg")
def picture_file():
    """The picture alone, to open full size or save."""
    svg = picture()
    if svg is None:
        return render_template("error.html", title="Map unavailable",
                               message="The picture needs Graphviz, which is not installed here."), 503
    return Response(svg, mimetype="image/svg+xml")

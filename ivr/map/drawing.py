"""The menu map as a Graphviz picture (dot, SVG, PNG), with titles a screen reader can read."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..line.menumap import NEXT, SHARED, SHARED_LABEL, MapEdge, MenuMap, edge_order

if TYPE_CHECKING:
    import graphviz

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

FONT = "DejaVu Sans"
LABEL_WIDTH = 14  # characters a node label line holds: narrow boxes keep the picture within a screen
APART_COLOR = "#b45309"  # escalation, silence and failure routes: one color, dashed
KIND_STYLES = {
    "menu": {"shape": "box", "style": "filled,bold", "fillcolor": "#dbeafe"},
    "collect": {"shape": "box", "style": "filled,diagonals", "fillcolor": "#fef3c7"},
    "message": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f3f4f6"},
    "hold": {"shape": "hexagon", "style": "filled", "fillcolor": "#ede9fe", "margin": "0,0"},
    "end": {"shape": "box", "style": "filled", "peripheries": "2", "fillcolor": "#dcfce7"},
}
OTHER_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#ffffff"}  # a kind this map does not know yet
KIND_WORDS = {"menu": "a menu", "collect": "a question", "message": "a message", "hold": "a wait on hold",
              "end": "an ending"}
SHARED_ID = "shared-routes"
FORMATS = ("text", "dot", "svg", "png")


class GraphvizMissing(RuntimeError):
    """Graphviz's dot program is not installed (the Debian package graphviz)."""


@dataclass(frozen=True)
class DrawnEdge:
    """One arrow: every route between the same two nodes, drawn apart or not, as one labeled edge."""

    id: str
    source: str
    target: str
    routes: tuple[MapEdge, ...]

    @property
    def apart(self) -> bool:
        """Drawn dashed in the escalation color."""
        return self.routes[0].apart


def node_dom_id(node_id: str) -> str:
    """The id of a node's <g> in the SVG (and of its item in the page's list)."""
    return f"node-{node_id}"


def describe(menu: MenuMap, node_id: str) -> str:
    """What a screen reader hears for a node: its label and what kind of step it is."""
    node = menu.nodes[node_id]
    return f"{node.label}: {KIND_WORDS.get(node.kind, node.kind)}"


def drawn_edges(menu: MenuMap) -> list[DrawnEdge]:
    """The routes grouped into arrows: one per source, target and style."""
    groups: dict[tuple, list[MapEdge]] = {}
    for edge in list(menu.shared) + list(menu.edges):
        groups.setdefault((edge.source, edge.target, edge.apart), []).append(edge)
    return [DrawnEdge(f"edge-{i}", s, t, tuple(routes)) for i, ((s, t, _a), routes) in enumerate(groups.items())]


def edge_title(menu: MenuMap, edge: DrawnEdge) -> str:
    """What a screen reader hears for an arrow: from where, to where, and how."""
    source = SHARED_LABEL if edge.source == SHARED else menu.nodes[edge.source].label
    how = "; ".join(r.label or "then" for r in edge.routes)
    return f"from {source} to {menu.nodes[edge.target].label}: {how}"


def dot_graph(menu: MenuMap, link: Callable[[str], str] | None = None) -> graphviz.Digraph:
    """The map as a Graphviz graph; `link(node_id)` gives each node's URL (none when omitted)."""
    import graphviz  # imported when drawing, not at start-up: it is slow to import and rarely needed

    graph = graphviz.Digraph("menu_map", graph_attr={
        "rankdir": "LR", "nodesep": "0.05", "ranksep": "0.02", "fontname": FONT, "fontsize": "10",
        "newrank": "true", "ordering": "out", "bgcolor": "white", "pad": "0.1",
        "label": "Practice Line menu map", "labelloc": "t", "labeljust": "l",
    }, node_attr={"fontname": FONT, "fontsize": "9", "margin": "0.06,0.02", "height": "0.25", "penwidth": "1"},
        edge_attr={"fontname": FONT, "fontsize": "7", "arrowsize": "0.5", "penwidth": "0.8"})
    clusters = {b: graphviz.Digraph(f"cluster_{b}", graph_attr={
        "label": menu.nodes[b].via.label, "id": f"branch-{b}",
        "style": "rounded", "color": "#9ca3af", "fontsize": "8", "margin": "4", "labeljust": "l"})
        for b in menu.branches()}
    for node in menu.nodes.values():
        attrs = dict(KIND_STYLES.get(node.kind, OTHER_STYLE))
        answer = " ".join(e.phrase for e in menu.routes_from(node.id) if e.kind == NEXT and e.phrase)
        label = wrap(node.label, LABEL_WIDTH) + (f"\n({answer})" if answer else "")
        attrs.update(id=node_dom_id(node.id), label=label, tooltip=describe(menu, node.id))
        if link:
            attrs["URL"] = link(node.id)
        clusters.get(node.branch, graph).node(node.id, **attrs)
    for cluster in clusters.values():
        graph.subgraph(cluster)
    if menu.hub and menu.nodes[menu.hub].way_in:
        # What comes before the hub (the welcome) stands beside it, not a column of its own.
        graph.body.append(f'\t{{rank=same; "{menu.nodes[menu.hub].way_in}"; "{menu.hub}"}}\n')
    if menu.shared:
        graph.node(SHARED, label=wrap(SHARED_LABEL, 12), id=SHARED_ID, shape="note", style="dashed",
                   color=APART_COLOR, fontcolor=APART_COLOR, tooltip=f"routes from {SHARED_LABEL}")
    # Only the shortest ways in rank the nodes, so a route back or across never stretches the picture.
    tree = {(n.way_in, n.id) for n in menu.nodes.values() if n.way_in}
    drawn = drawn_edges(menu)
    order = {n: i for i, n in enumerate(menu.nodes)}
    arrows: list[tuple[tuple, DrawnEdge | tuple[str, str]]] = [
        ((order.get(e.source, -1), edge_order(e.routes[0])), e) for e in drawn]
    # A node first reached by a shared route (0 from the main menu) still gets an unseen edge from there.
    for parent, child in tree - {(e.source, e.target) for e in drawn}:
        route = next((e for e in menu.shared if e.target == child), None)
        arrows.append(((order[parent], edge_order(route)), (parent, child)))
    # Added in tree order and key order, so Graphviz stacks the branches 1, 2, ... 0, #.
    for _key, edge in sorted(arrows, key=lambda item: item[0]):
        if isinstance(edge, tuple):
            graph.edge(*edge, style="invis")
            continue
        # What a question wants is written in its box; only choices and escalations label arrows,
        # since in Graphviz every labeled arrow widens the picture by its label.
        words = [r.label for r in edge.routes if r.label and r.kind != NEXT]
        attrs = {"id": edge.id, "label": "\n".join(words),
                 "tooltip": edge_title(menu, edge)}
        if edge.apart:
            attrs.update(style="dashed", color=APART_COLOR, fontcolor=APART_COLOR)
        if (edge.source, edge.target) not in tree:
            attrs["constraint"] = "false"
        graph.edge(edge.source, edge.target, **attrs)
    return graph


def render_svg(menu: MenuMap, link: Callable[[str], str] | None = None) -> str:
    """The map as a standalone SVG document whose nodes and arrows carry readable <title>s."""
    return readable_titles(_pipe(dot_graph(menu, link), "svg").decode(), menu)


def render_png(menu: MenuMap) -> bytes:
    """The map as a PNG image."""
    return _pipe(dot_graph(menu), "png")


def _pipe(graph: graphviz.Digraph, fmt: str) -> bytes:
    import graphviz

    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:
        raise GraphvizMissing("Drawing the menu map needs Graphviz's dot: install the Debian package graphviz "
                              "(./scripts/setup.sh does).") from error


def readable_titles(svg: str, menu: MenuMap) -> str:
    """Replace Graphviz's <title>s (node ids, "a->b") with words: a node's label and kind, an arrow's route."""
    from lxml import etree  # only a drawing needs lxml; the app starts faster without it

    root = etree.fromstring(svg.encode())
    titles = {node_dom_id(n): describe(menu, n) for n in menu.nodes}
    titles.update({e.id: edge_title(menu, e) for e in drawn_edges(menu)})
    titles[SHARED_ID] = f"{SHARED_LABEL}: routes every menu and question has"
    titles.update({f"branch-{b}": f"branch {menu.nodes[b].via.label}"
                   for b in menu.branches()})
    for group in root.iter(f"{{{SVG_NS}}}g"):
        title = group.find(f"{{{SVG_NS}}}title")
        if title is not None and group.get("id") in titles:
            title.text = titles[group.get("id")]
    graph_title = root.find(f"{{{SVG_NS}}}g/{{{SVG_NS}}}title")
    if graph_title is not None:
        graph_title.text = "Practice Line menu map"
    return etree.tostring(root, encoding="unicode")


def wrap(text: str, width: int) -> str:
    """Break a label into lines at spaces only, so the words read back unchanged."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)

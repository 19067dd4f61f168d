"""What the /map page shows: the picture with a path marked, and the same tree as a nested list."""

from __future__ import annotations

from dataclasses import dataclass

from ..line.menumap import MenuMap
from .drawing import SVG_NS, XLINK_NS, describe, drawn_edges, node_dom_id
from .text import node_entries

MAX_PATH = 200  # node ids in ?path=; a long call's path is well under this
ON_PATH = "on-path"
READABLE_PX = 12  # the smallest label on screen; the picture's frame scrolls to keep it so


@dataclass(frozen=True)
class Item:
    """One entry of the nested list: a node placed here (with its children), or a route to one elsewhere."""

    node_id: str
    label: str
    kind: str
    lead: str  # "1 · lost card", or "" when the node simply follows
    placed: bool  # False: a route to a node listed elsewhere on the page
    on_path: bool
    children: tuple[Item, ...] = ()


def parse_path(raw: str, menu: MenuMap) -> tuple[list[str], list[str]]:
    """The node ids of ?path= that exist, in order, and the ones that don't (named on the page)."""
    ids = [part.strip() for part in raw.split(",") if part.strip()][:MAX_PATH]
    return [i for i in ids if i in menu.nodes], list(dict.fromkeys(i[:60] for i in ids if i not in menu.nodes))


def accessible_links(svg: str, menu: MenuMap) -> str:
    """Give each node's link a name that starts with its visible label and says what it does."""
    from lxml import etree  # only the map page needs lxml; the app starts faster without it

    root = etree.fromstring(svg.encode())
    for node_id in menu.nodes:
        for group in root.iterfind(f".//{{{SVG_NS}}}g[@id='{node_dom_id(node_id)}']"):
            for link in group.iter(f"{{{SVG_NS}}}a"):
                if link.get(f"{{{XLINK_NS}}}href"):
                    link.set("aria-label", f"{describe(menu, node_id)}. Start a practice call here.")
    _readable_size(root)
    root.set("class", "menu-map-picture")
    root.set("role", "group")
    root.set("aria-label", "Menu map picture: each box links to a practice call that starts there")
    return etree.tostring(root, encoding="unicode")


def _readable_size(root) -> None:
    """Size the picture in pixels so its smallest label is READABLE_PX on screen (Graphviz sizes it in points)."""
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    smallest = min(float(size) for size in root.xpath("//@font-size"))
    scale = READABLE_PX / smallest  # screen pixels per unit of the viewBox
    root.set("width", f"{width * scale:.0f}px")
    root.set("height", f"{height * scale:.0f}px")


def mark_path(svg: str, menu: MenuMap, path: list[str]) -> str:
    """The picture with exactly the nodes of `path` and the arrows between consecutive ones marked."""
    from lxml import etree

    if not path:
        return svg
    root = etree.fromstring(svg.encode())
    nodes = {node_dom_id(n) for n in path}
    routes = menu.path_edges(path)
    arrows = {e.id for e in drawn_edges(menu) if set(e.routes) & routes}
    for group in root.iter(f"{{{SVG_NS}}}g"):
        if group.get("id") in nodes or group.get("id") in arrows:
            group.set("class", f"{group.get('class')} {ON_PATH}")
            title = group.find(f"{{{SVG_NS}}}title")
            if title is not None:
                title.text = f"{title.text} (on the marked path)"
    root.set("class", f"{root.get('class', '')} has-path".strip())
    return etree.tostring(root, encoding="unicode")


def tree_items(menu: MenuMap, path: list[str]) -> list[Item]:
    """The nested list: the same tree as the text map, every node once, routes elsewhere as links."""
    marked = set(path)

    def item(node_id: str, lead: str) -> Item:
        node = menu.nodes[node_id]
        children = []
        for edge, child in node_entries(menu, node_id):
            if child:
                children.append(item(child, edge.label if edge else ""))
            else:
                target = menu.nodes[edge.target]
                children.append(Item(target.id, target.label, target.kind, edge.label, False, target.id in marked))
        return Item(node_id, node.label, node.kind, lead, True, node_id in marked, tuple(children))

    return [item(n.id, "") for n in menu.nodes.values() if n.parent is None]


"""The menu map as indented text: each node under the node that leads to it, routes in key order."""

from __future__ import annotations

from ..line.menumap import SHARED_LABEL, MapEdge, MenuMap, edge_order

INDENT = "  "


def text_map(menu: MenuMap) -> list[str]:
    """The lines of `flows map --format text`."""
    lines = [f"From {SHARED_LABEL} (not repeated under each node):"]
    for edge in menu.shared:
        lacking = [menu.nodes[n].label for n in menu.lacking(edge)]
        note = f" (not at: {', '.join(lacking)})" if lacking else ""
        lines.append(f"{INDENT}{edge.label} → {menu.nodes[edge.target].label}{note}")
    lines.append("")
    order = list(menu.nodes)

    def visit(node_id: str, depth: int, via: MapEdge | None) -> None:
        node = menu.nodes[node_id]
        lead = f"{via.label} → " if via and via.label else ""
        lines.append(f"{INDENT * depth}{lead}{node.label} [{node.kind}]")
        for edge, child in node_entries(menu, node_id):
            if child:
                visit(child, depth + 1, edge)
            else:
                where = "above" if order.index(edge.target) <= order.index(node_id) else "below"
                lead = f"{edge.label} → " if edge.label else "→ "
                lines.append(f"{INDENT * (depth + 1)}{lead}{menu.nodes[edge.target].label} (see {where})")

    for root in (n for n in menu.nodes.values() if n.parent is None):
        visit(root.id, 0, None)
    return lines


def node_entries(menu: MenuMap, node_id: str) -> list[tuple[MapEdge | None, str | None]]:
    """What to list under a node, in key order: (route, child placed there) or (route to elsewhere, None)."""
    children = menu.children(node_id)
    vias = {menu.nodes[c].via for c in children}
    entries = [(menu.nodes[c].via, c) for c in children]
    entries += [(e, None) for e in menu.routes_from(node_id) if e not in vias]
    return sorted(entries, key=lambda entry: edge_order(entry[0]))

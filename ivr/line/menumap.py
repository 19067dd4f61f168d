"""The menu as a map: each node under the node that leads to it, and every route between nodes.

Pure (no Flask, no Graphviz). The text map, the picture and the /map page are all drawn from one
MenuMap, so they never disagree with each other or with config/flows.yaml. Routes that do not come
from a node's own fields (0 for a person, silence, too many wrong answers) are found by asking the
engine itself what happens, so the map shows what the line really does.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from itertools import pairwise

from .practice_line import PracticeLine, Step
from .navigator import Call, answer, silence
from .flowcheck import edges

KEY_ORDER = "1234567890*#"
OPTION, NEXT, ESCALATION, FAILURE, SILENCE = "option", "next", "escalation", "failure", "silence"
APART = frozenset({ESCALATION, FAILURE, SILENCE})  # drawn apart from a menu's own choices
SHARED = "@shared"  # the source of routes every listening node has ("any menu or question"); not a node id
SHARED_LABEL = "any menu or question"
QUIET_KINDS = frozenset({"message", "hold", "end"})  # nodes that speak without listening
KNOWN_KINDS = QUIET_KINDS | {"menu", "collect"}
# What the "no match" probe says: no digits, no phrase of any menu.
NONSENSE = "xyzzy plugh"
MAX_TRIES = 10  # a probe that has not left the node after this many answers never will


@dataclass(frozen=True)
class MapEdge:
    """One route: from a node (or SHARED) to a node, of a kind, with its key and a phrase."""

    source: str
    target: str
    kind: str  # option, next, escalation, failure or silence
    key: str | None = None
    phrase: str = ""

    @property
    def label(self) -> str:
        """As written on the map: "1 · lost card", "0 · representative", "no input ×3", or ""."""
        return " · ".join(part for part in (self.key, self.phrase) if part)

    @property
    def apart(self) -> bool:
        """Escalation, failure and silence routes are drawn apart (dashed, one color)."""
        return self.kind in APART


@dataclass(frozen=True)
class MapNode:
    """A node placed in the tree: under the node that first leads to it."""

    id: str
    label: str
    kind: str
    parent: str | None  # the node every way in passes through last (its dominator); None for the start
    via: MapEdge | None  # the route from the parent, if one leads straight here
    depth: int
    branch: str | None  # the top-level branch it belongs to alone; None above the branches or if shared
    way_in: str | None  # the node before it on the shortest way from the start (the checklist's key path)


@dataclass(frozen=True)
class MenuMap:
    """The whole menu as a tree plus every route; nodes are in tree order (each before its children)."""

    start: str
    nodes: dict[str, MapNode]
    edges: tuple[MapEdge, ...]  # every route to draw, node by node (shared routes are in `shared`)
    shared: tuple[MapEdge, ...]  # routes most listening nodes have alike, drawn once from SHARED
    shared_by: dict[MapEdge, frozenset[str]]  # shared route -> the nodes that have it
    hub: str | None  # the node whose children are the top-level branches (the main menu)

    def children(self, node_id: str) -> list[str]:
        """The nodes placed under `node_id`, in key order."""
        kids = [n for n in self.nodes.values() if n.parent == node_id]
        return [n.id for n in sorted(kids, key=lambda n: edge_order(n.via))]

    def path_to(self, node_id: str) -> tuple[str, ...]:
        """Node ids along the shortest way from the start to `node_id` (the key path a checklist prints)."""
        path = []
        current: str | None = node_id
        while current is not None and current not in path:
            path.append(current)
            current = self.nodes[current].way_in
        return tuple(reversed(path))

    def routes_from(self, node_id: str) -> list[MapEdge]:
        """A node's own routes (not the shared ones), in key order."""
        return sorted((e for e in self.edges if e.source == node_id), key=edge_order)

    def lacking(self, edge: MapEdge) -> list[str]:
        """Listening nodes without a shared route (0 at a person's desk, say), in tree order."""
        listening = [n for n, m in self.nodes.items() if m.kind not in QUIET_KINDS]
        return [n for n in listening if n not in self.shared_by[edge]]

    def branches(self) -> list[str]:
        """The top-level branch ids (the hub's children that a key leads to), in key order."""
        if self.hub is None:
            return []
        return [c for c in self.children(self.hub) if self.nodes[c].via is not None and self.nodes[c].via.key]

    def path_edges(self, path: list[str]) -> set[MapEdge]:
        """The drawn routes between consecutive nodes of `path` (a shared route where that is the one)."""
        found: set[MapEdge] = set()
        for here, there in pairwise(path):
            own = [e for e in self.edges if e.source == here and e.target == there]
            if own:
                found.update(own)
            else:
                found.update(e for e in self.shared if e.target == there and here in self.shared_by[e])
        return found


def edge_order(edge: MapEdge | None) -> tuple:
    """Keys in phone order (1-9, 0, *, #), then routes without a key."""
    if edge is None:
        return (2, 0, 0)
    if edge.key:
        return (0, KEY_ORDER.find(edge.key), 0)
    return (1, [NEXT, ESCALATION, SILENCE, FAILURE].index(edge.kind), 0)


def build_map(line: PracticeLine) -> MenuMap:
    """Work out the tree and every route of `line`."""
    written: list[MapEdge] = []
    probed: list[MapEdge] = []
    for node_id in line.nodes:
        own = _written_routes(line, node_id)
        found = _probed_routes(line, node_id)
        written += own + _other_routes(line, node_id, own + found)
        probed += found
    ladder = _ladder(line, probed)
    # An option into the escalation ladder (a supervisor, the formal complaint) is an escalation too.
    written = [MapEdge(e.source, e.target, ESCALATION, e.key, e.phrase) if e.kind == OPTION and e.target in ladder
               else e for e in written]
    listening = [n for n, c in line.nodes.items() if c.kind not in QUIET_KINDS]
    shared, own_probed = _share(probed, listening)
    way_in = _shortest_ways(line, written, probed)
    parents = _dominators(line.flow.start, written + probed, list(way_in))
    direct = {}
    for e in sorted(written + probed, key=edge_order):
        direct.setdefault((e.source, e.target), e)
    placed = {n: (parents.get(n), direct.get((parents.get(n), n))) for n in line.nodes}
    order = _preorder(placed, list(way_in))
    depth: dict[str, int] = {}
    for node_id in order:
        parent = placed[node_id][0]
        depth[node_id] = depth[parent] + 1 if parent else 0
    hub = next((n for n in order if sum(1 for p, _v in placed.values() if p == n) > 1), None)
    branch = _branches(placed, order, hub, ladder, line.flow.defaults.representative)
    nodes = {}
    for node_id in order:
        parent, via = placed[node_id]
        compiled = line.nodes[node_id]
        nodes[node_id] = MapNode(node_id, compiled.label, compiled.kind, parent, via, depth[node_id],
                                 branch.get(node_id), way_in.get(node_id))
    return MenuMap(line.flow.start, nodes, tuple(written + own_probed), tuple(shared),
                   {e: frozenset(s.source for s in probed if _alike(s, e)) for e in shared}, hub)


def option_phrase(line: PracticeLine, node_id: str, option) -> str:
    """The longest of an option's phrases that its own prompt says ("lost card"), else its first phrase."""
    spoken = " ".join(s.text for s in line.nodes[node_id].segments if s.prompt_id == option.say)
    spoken = spoken.lower().replace("\u2019", "'")
    said = [p for p in option.phrases if re.search(rf"(?<![\w']){re.escape(p.lower())}(?![\w'])", spoken)]
    if not said:
        return option.phrases[0]
    return max(said, key=lambda p: len(p.split()))  # max keeps the first of equals


def _written_routes(line: PracticeLine, node_id: str) -> list[MapEdge]:
    """The routes a node's own fields declare: its options and its next node."""
    compiled = line.nodes[node_id]
    node = compiled.node
    routes = [MapEdge(node_id, o.target, OPTION, o.key, option_phrase(line, node_id, o))
              for o in getattr(node, "options", None) or ()]
    following = getattr(node, "next", None)
    if following:
        phrase = str(Step(digits=node.digits, words=node.input == "speech")) if compiled.kind == "collect" else ""
        routes.append(MapEdge(node_id, following, NEXT, None, phrase))
    return routes


def _other_routes(line: PracticeLine, node_id: str, known: list[MapEdge]) -> list[MapEdge]:
    """Any way on that the flow check knows of and the map has not shown (a field of a newer kind of node).

    The back key and the home phrases go somewhere from every menu; like repeat, they are left out."""
    node = line.flow.nodes[node_id]
    if node.kind in KNOWN_KINDS:  # their routes are all read above; the flow check's extras are global keys
        return []
    skip = {e.target for e in known} | {getattr(node, "back", None) or line.flow.defaults.home}
    # The goodbyes for a caller who gives nothing are drawn from what the engine does (no input ×2, after 50 turns).
    ways = edges(line.flow, node_id, forced_endings=False)
    return [MapEdge(node_id, target, NEXT) for target in dict.fromkeys(ways) if target not in skip]


def _probed_routes(line: PracticeLine, node_id: str) -> list[MapEdge]:
    """What the engine does at a listening node on 0, on silence, and on answers that match nothing."""
    if line.nodes[node_id].kind in QUIET_KINDS:
        return []
    d = line.flow.defaults
    routes = []
    person = answer(line, node_id, d.representative_key, None).node
    if person == d.representative and person != node_id:
        routes.append(MapEdge(node_id, person, ESCALATION, d.representative_key, d.representative_phrases[0]))
    for kind, give, words in ((SILENCE, lambda f, c: silence(line, node_id, f, c), "no input"),
                              (FAILURE, lambda f, c: answer(line, node_id, None, NONSENSE, f, c), "no match")):
        found = _probe(node_id, give)
        if found:
            target, tries = found
            routes.append(MapEdge(node_id, target, kind, None, f"{words} ×{tries}"))
    # Whatever the caller does, a call that runs this long is told goodbye.
    limit = answer(line, node_id, None, NONSENSE, 0, Call(turns=d.max_turns)).node
    routes.append(MapEdge(node_id, limit, FAILURE, None, f"after {d.max_turns} turns"))
    return routes


def _probe(node_id: str, give) -> tuple[str, int] | None:
    """Where a caller who keeps giving the same answer ends up, and after how many tries.

    None when the first answer is simply accepted (any words at a free-answer question) or when
    the caller never leaves the node."""
    failures, call = 0, Call()
    for tries in range(1, MAX_TRIES + 1):
        turn = give(failures, call)
        if turn.node != node_id:
            return (turn.node, tries) if tries > 1 or turn.notice else None
        if turn.failures <= failures:
            return None
        failures, call = turn.failures, turn.call
    return None


def _ladder(line: PracticeLine, probed: list[MapEdge]) -> set[str]:
    """Nodes that mean escalating: the representative, every hold, and where repeated failures lead."""
    ladder = {line.flow.defaults.representative}
    ladder |= {n for n, c in line.nodes.items() if c.kind == "hold"}
    ladder |= {e.target for e in probed if e.kind in (FAILURE, SILENCE) and line.nodes[e.target].kind != "end"}
    return ladder


def _share(probed: list[MapEdge], listening: list[str]) -> tuple[list[MapEdge], list[MapEdge]]:
    """Probed routes that most listening nodes have alike are drawn once, from SHARED, not 30 times."""
    sources: dict[MapEdge, set[str]] = {}
    for e in probed:
        sources.setdefault(MapEdge(SHARED, e.target, e.kind, e.key, e.phrase), set()).add(e.source)
    shared = sorted((e for e, found in sources.items() if len(listening) > 2 and len(found) * 2 >= len(listening)),
                    key=edge_order)
    own = [e for e in probed if not any(_alike(e, s) for s in shared)]
    return shared, own


def _alike(edge: MapEdge, shared: MapEdge) -> bool:
    """The same route as a shared one, from some node."""
    return (edge.target, edge.kind, edge.key, edge.phrase) == (shared.target, shared.kind, shared.key, shared.phrase)


def _shortest_ways(line: PracticeLine, written: list[MapEdge], probed: list[MapEdge]) -> dict[str, str | None]:
    """node id -> the node before it on the shortest way from the start, breadth first like the key paths.

    Options, next nodes and 0 are followed first; a node reached only by silence or repeated
    failure (a goodbye for a caller who never answers) is reached after."""
    first: dict[str, list[str]] = {}
    for e in written + [e for e in probed if e.kind == ESCALATION]:
        first.setdefault(e.source, []).append(e.target)
    later: dict[str, list[str]] = {}
    for e in probed:
        if e.kind != ESCALATION:
            later.setdefault(e.source, []).append(e.target)
    way_in: dict[str, str | None] = {line.flow.start: None}
    for routes in (first, later):
        queue = deque(way_in)
        while queue:
            here = queue.popleft()
            for there in routes.get(here, []) + first.get(here, []):
                if there not in way_in:
                    way_in[there] = here
                    queue.append(there)
    return way_in


def _dominators(start: str, routes: list[MapEdge], reached: list[str]) -> dict[str, str]:
    """node id -> the last node that every way from the start to it passes through (its immediate dominator).

    A node reached from several places (the "anything else" menu, the cancel after either security
    answer) sits under what they have in common, after the answers that lead to it."""
    into: dict[str, set[str]] = {n: set() for n in reached}
    for e in routes:
        if e.source in into and e.target in into and e.source != e.target:
            into[e.target].add(e.source)
    dom = {n: set(reached) for n in reached}
    dom[start] = {start}
    changed = True
    while changed:
        changed = False
        for node_id in reached:
            if node_id == start or not into[node_id]:
                continue
            new = {node_id} | set.intersection(*(dom[p] for p in into[node_id]))
            if new != dom[node_id]:
                dom[node_id], changed = new, True
    # The immediate dominator is the strict dominator that all the others dominate: the one with most.
    return {n: max(dom[n] - {n}, key=lambda d: len(dom[d])) for n in reached if n != start}


def _preorder(placed: dict[str, tuple], reached: list[str]) -> list[str]:
    """Each node, then its children: the ones a key leads to straight, in key order, then the rest as reached."""
    children: dict[str | None, list[str]] = {}
    for node_id in reached + [n for n in placed if n not in reached]:
        children.setdefault(placed[node_id][0], []).append(node_id)
    order: list[str] = []

    def visit(node_id: str) -> None:
        order.append(node_id)
        for child in sorted(children.get(node_id, ()), key=lambda c: edge_order(placed[c][1])):
            visit(child)

    for root in children[None]:
        visit(root)
    return order


def _branches(placed: dict[str, tuple], order: list[str], hub: str | None, ladder: set[str],
              representative: str) -> dict[str, str]:
    """node id -> the top-level branch it belongs to alone.

    The hub's children that a key leads to straight are the branches; a node under one of them
    belongs to it. What sits right under the hub without a key of its own (the shared "anything
    else" menu) belongs to no branch, except the escalation ladder (supervisor, formal complaint),
    which joins the representative's branch."""
    if hub is None:
        return {}
    branch: dict[str, str] = {}
    for node_id in order:
        parent, via = placed[node_id]
        if parent == hub:
            if via is not None and via.key:
                branch[node_id] = node_id
            elif node_id in ladder and representative in branch:
                branch[node_id] = branch[representative]
        elif parent in branch:
            branch[node_id] = branch[parent]
    return branch

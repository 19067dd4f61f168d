"""The menu map (flows map, text, dot, SVG and PNG): every node under the node that leads to it, every route drawn."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from ivr.line.menumap import SHARED, build_map

pytestmark = pytest.mark.shared_app  # its tests only call the app: they share one (conftest.py)

SVG = "{http://www.w3.org/2000/svg}"
APART_COLOR = "#b45309"


@pytest.fixture
def menu(line):
    return build_map(line)


@pytest.fixture
def svg(runner):
    result = runner.invoke(args=["flows", "map", "--format", "svg"])
    assert result.exit_code == 0, result.output
    return etree.fromstring(result.stdout_bytes)


def text_lines(runner) -> list[str]:
    result = runner.invoke(args=["flows", "map"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def groups(svg, kind: str) -> dict[str, etree._Element]:
    """<g class="node"> (or edge) elements by their <title>."""
    return {g.findtext(f"{SVG}title"): g for g in svg.iter(f"{SVG}g") if g.get("class") == kind}


def words(group) -> str:
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text"))


# --- the text map ------------------------------------------------------------------------------

def test_the_text_map_nests_the_lost_card_branch_under_its_nodes_in_key_order(runner):
    lines = text_lines(runner)
    start = lines.index("    1 · lost card → lost or stolen card [message]")
    assert lines[start:start + 10] == [
        "    1 · lost card → lost or stolen card [message]",
        "      identity check (lost card) [collect]",
        "        any 4 digits → security code question (lost card) [menu]",
        "          1 · on the front → security answer (right) [message]",
        "            cancel and replace [menu]",
        "              1 · charges → dispute a charge (see below)",
        "              2 · that's all → lost or stolen card reported [end]",
        "          2 · on the back → security answer (wrong) [menu]",
        "            1 · try again → security code question (lost card) (see above)",
        "    2 · dispute → dispute a charge [menu]",
    ]


def test_the_text_map_lists_the_branches_in_key_order_with_0_before_pound(runner):
    lines = text_lines(runner)
    branches = [line.strip() for line in lines if re.match(r"^    \S · ", line)]
    assert branches == [
        "1 · lost card → lost or stolen card [message]",
        "2 · dispute → dispute a charge [menu]",
        "3 · rewards → rewards points [menu]",
        "4 · payment → payments [menu]",
        "5 · personal information → update personal information [menu]",
        "6 · benefits → card benefits [menu]",
        "7 · apply → apply or application status [menu]",
        "8 · complaint → complaint or feedback [menu]",
        "0 · representative → representative [hold]",
        "# · more options → more options [menu]",
    ]


def test_the_text_map_shows_the_silence_and_escalation_routes(runner):
    lines = text_lines(runner)
    assert lines[:5] == [
        "From any menu or question (not repeated under each node):",
        "  0 · representative → representative (not at: speaking with a representative, speaking with a supervisor)",
        "  no input ×3 → representative (not at: speaking with a representative, speaking with a supervisor)",
        ("  no match ×3 → representative (not at: dispute merchant, ask about a benefit, leave feedback, "
         "speaking with a representative, speaking with a supervisor)"),
        "  after 50 turns → time limit, call ended",
    ]
    desk = lines.index("      speaking with a representative [menu]")
    assert lines[desk + 1:desk + 5] == [
        "        1 · supervisor → supervisor (see below)",
        "        2 · that's all → call with a representative finished [end]",
        "        no input ×2 → no response, call ended (see below)",
        "        no match ×3 → supervisor (see below)",
    ]


def test_the_text_map_lists_every_node_once(runner, line):
    placed = [re.sub(r"^\s*(.* → )?", "", row) for row in text_lines(runner) if row.endswith("]")]
    assert len(line.nodes) > 50
    assert sorted(placed) == sorted(f"{n.label} [{n.kind}]" for n in line.nodes.values())


# --- the model ---------------------------------------------------------------------------------

def test_every_menu_option_is_a_route_with_its_key(menu, line):
    options = [(node_id, o) for node_id, c in line.nodes.items() for o in getattr(c.node, "options", ())]
    assert len(options) > 30
    for node_id, option in options:
        found = [e for e in menu.edges if (e.source, e.target, e.key) == (node_id, option.target, option.key)]
        assert len(found) == 1, (node_id, option.key)


def test_the_path_to_a_node_is_the_checklist_key_path(menu, line):
    assert menu.path_to("lost-card-security") == ("welcome", "main", "lost-card", "lost-card-identity",
                                                  "lost-card-security")
    assert menu.path_to("representative-desk") == ("welcome", "main", "representative", "representative-desk")
    paths = line.key_paths()
    for node_id in line.nodes:
        walk = menu.path_to(node_id)
        assert walk[0] == "welcome" and walk[-1] == node_id
        if node_id in paths:  # the goodbyes for a caller who gives nothing have no key path
            assert len([n for n in walk[:-1] if line.nodes[n].kind in ("menu", "collect")]) == len(paths[node_id])
    assert set(line.nodes) - set(paths) == {"end-no-response", "end-time-limit"}


def test_a_path_marks_the_routes_between_its_nodes(menu):
    marked = menu.path_edges(["welcome", "main", "representative", "representative-desk", "supervisor-hold"])
    assert sorted((e.source, e.target, e.kind, e.key) for e in marked) == [
        (SHARED, "representative", "escalation", "0"),
        (SHARED, "representative", "failure", None),
        (SHARED, "representative", "silence", None),
        ("representative", "representative-desk", "next", None),
        ("representative-desk", "supervisor-hold", "escalation", "1"),
        ("representative-desk", "supervisor-hold", "failure", None),
        ("welcome", "main", "next", None),
    ]


# --- the picture -------------------------------------------------------------------------------

def test_every_node_of_the_flow_appears_in_the_svg_with_its_label(svg, line):
    nodes = {g.get("id"): g for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}
    assert len(line.nodes) > 50
    for node_id, compiled in line.nodes.items():
        shown = words(nodes[f"node-{node_id}"])
        # A question's box also says what it wants.
        assert shown == compiled.label or (compiled.kind == "collect" and shown.startswith(compiled.label + " (")), shown
    assert words(nodes["node-lost-card-identity"]) == "identity check (lost card) (any 4 digits)"
    assert words(nodes["node-dispute-merchant"]) == "dispute merchant (say a few words)"
    assert nodes["node-lost-card-identity"].findtext(f"{SVG}title") == "identity check (lost card): a question"
    assert next(nodes["node-main"].iter(f"{SVG}polygon")).get("fill") == "#dbeafe"  # a menu: a blue box
    assert next(nodes["node-lost-card-identity"].iter(f"{SVG}polygon")).get("fill") == "#fef3c7"


def test_every_option_has_an_edge_labeled_with_its_key(svg, line):
    edges = groups(svg, "edge")
    assert edges["from main menu to lost or stolen card: 1 · lost card"] is not None
    assert words(edges["from cancel and replace to dispute a charge: 1 · charges"]) == "1 · charges"
    options = [(c, o) for c in line.nodes.values() for o in getattr(c.node, "options", ())]
    assert len(options) > 30
    for compiled, option in options:
        prefix = f"from {compiled.label} to {line.nodes[option.target].label}: "
        titled = [t for t in edges if t.startswith(prefix)]
        assert len(titled) == 1, prefix
        assert f"{option.key} · " in words(edges[titled[0]])


def test_escalation_silence_and_failure_edges_are_dashed_in_one_color(svg):
    edges = groups(svg, "edge")
    shared = edges["from any menu or question to representative: 0 · representative; no input ×3; no match ×3"]
    desk = edges["from speaking with a representative to supervisor: 1 · supervisor; no match ×3"]
    plain = edges["from main menu to lost or stolen card: 1 · lost card"]
    for edge in (shared, desk):
        path = next(edge.iter(f"{SVG}path"))
        assert path.get("stroke") == APART_COLOR
        assert path.get("stroke-dasharray") == "5,2"
        assert next(edge.iter(f"{SVG}text")).get("fill") == APART_COLOR
    assert next(plain.iter(f"{SVG}path")).get("stroke-dasharray") is None
    assert next(plain.iter(f"{SVG}path")).get("stroke") == "black"


def test_branches_are_grouped(svg):
    clusters = groups(svg, "cluster")
    assert sorted(clusters) == sorted([
        "branch 1 · lost card", "branch 2 · dispute", "branch 3 · rewards", "branch 4 · payment",
        "branch 5 · personal information", "branch 6 · benefits", "branch 7 · apply", "branch 8 · complaint",
        "branch 0 · representative", "branch # · more options"])


def test_dot_and_png_formats(runner, tmp_path):
    dot = runner.invoke(args=["flows", "map", "--format", "dot"])
    assert dot.exit_code == 0
    assert "subgraph \"cluster_lost-card\"" in dot.output or "subgraph cluster_lost" in dot.output
    out = tmp_path / "map.png"
    png = runner.invoke(args=["flows", "map", "--format", "png", "--output", str(out)])
    assert png.exit_code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    piped = runner.invoke(args=["flows", "map", "--format", "png"])
    assert piped.stdout_bytes[:8] == b"\x89PNG\r\n\x1a\n"

"""The README's picture of the menu (docs/menu-map.svg) is the one the config draws today."""

from __future__ import annotations

from lxml import etree

from tests.conftest import ROOT

DOCS_MAP = ROOT / "docs" / "menu-map.svg"
REGENERATE = ".venv/bin/flask --app app flows map --format svg > docs/menu-map.svg"
SVG = "{http://www.w3.org/2000/svg}"


def drawing_content(svg: bytes) -> list[tuple]:
    """What a picture says, without where Graphviz put it: every node, arrow and branch, its words and style.

    Coordinates differ between Graphviz builds and fonts, so they are left out; a changed label,
    key, route, shape or color is not."""
    root = etree.fromstring(svg)
    found = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") not in ("node", "edge", "cluster"):
            continue
        shapes = sorted((el.tag.removeprefix(SVG), el.get("fill"), el.get("stroke"), el.get("stroke-dasharray"))
                        for el in group.iter() if el.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse"))
        found.append((group.get("class"), group.get("id"), group.findtext(f"{SVG}title"),
                      tuple(t.text for t in group.iter(f"{SVG}text")), tuple(shapes)))
    return sorted(found, key=lambda row: tuple(str(part) for part in row))


def test_the_committed_menu_map_matches_the_config(runner):
    fresh = runner.invoke(args=["flows", "map", "--format", "svg"])
    assert fresh.exit_code == 0
    expected = drawing_content(fresh.stdout_bytes)
    assert len(expected) > 100
    assert DOCS_MAP.is_file(), f"docs/menu-map.svg is missing: run {REGENERATE}"
    assert drawing_content(DOCS_MAP.read_bytes()) == expected, (
        f"docs/menu-map.svg is out of date with config/flows.yaml (or prompts/): run {REGENERATE}")

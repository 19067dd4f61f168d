"""/map: the menu map as a page whose every node starts a call there, a path marked on request, and a list."""

from __future__ import annotations

import lxml.html
import pytest

from tests.test_phone import report

XLINK_HREF = "xlink:href"


def page(client, url: str = "/map"):
    reply = client.get(url)
    assert reply.status_code == 200
    assert reply.mimetype == "text/html"
    return lxml.html.fromstring(reply.get_data(as_text=True))


def node_groups(doc) -> dict[str, lxml.html.HtmlElement]:
    """The picture's node <g>s by node id."""
    return {g.get("id").removeprefix("node-"): g for g in doc.iter("g")
            if "node" in g.get("class", "").split() and g.get("id").startswith("node-")}


def edge_titles(doc, marked: bool = False) -> list[str]:
    return sorted(g.findtext("title") for g in doc.iter("g")
                  if "edge" in g.get("class", "").split() and (not marked or "on-path" in g.get("class").split()))


def test_every_node_in_the_picture_links_to_a_call_starting_there_and_has_a_title(client, line):
    doc = page(client)
    nodes = node_groups(doc)
    assert len(line.nodes) > 50
    assert sorted(nodes) == sorted(line.nodes)
    for node_id, compiled in line.nodes.items():
        links = [a for a in nodes[node_id].iter("a") if a.get(XLINK_HREF)]
        assert [a.get(XLINK_HREF) for a in links] == [f"/phone?start={node_id}"]
        assert nodes[node_id].findtext("title").startswith(f"{compiled.label}: ")
        assert links[0].get("aria-label").startswith(compiled.label)
    assert nodes["lost-card-security"].findtext("title") == "security code question (lost card): a menu"
    assert "from main menu to lost or stolen card: 1 · lost card" in edge_titles(doc)


def test_the_list_holds_every_node_once_as_a_link(client, line):
    doc = page(client)
    items = {li.get("id"): li for li in doc.cssselect(".menu-tree li[id]")}
    assert len(items) == len(line.nodes) > 50
    for node_id, compiled in line.nodes.items():
        link = items[f"item-{node_id}"].cssselect(":scope > a")[0]
        assert (link.text, link.get("href")) == (compiled.label, f"/phone?start={node_id}")
    wrong = items["item-lost-card-security-wrong"]
    assert wrong.text_content().split() == (
        "2 · on the back → security answer (wrong) (a menu) "
        "1 · try again → security code question (lost card) (listed elsewhere on this page)").split()
    assert doc.cssselect(".shared-routes li")[0].text_content().split() == (
        "0 · representative → representative (not at: speaking with a representative, speaking with a supervisor)"
    ).split()


def test_a_path_marks_exactly_its_nodes_and_the_arrows_between_them(client):
    path = ["welcome", "main", "lost-card", "lost-card-identity", "lost-card-security"]
    doc = page(client, "/map?path=" + ",".join(path))
    marked = {n for n, g in node_groups(doc).items() if "on-path" in g.get("class").split()}
    assert marked == set(path)
    assert edge_titles(doc, marked=True) == [
        "from identity check (lost card) to security code question (lost card): any 4 digits (on the marked path)",
        "from lost or stolen card to identity check (lost card): then (on the marked path)",
        "from main menu to lost or stolen card: 1 · lost card (on the marked path)",
        "from welcome to main menu: then (on the marked path)",
    ]
    assert [li.text_content() for li in doc.cssselect(".marked-path li")] == [
        "welcome", "main menu", "lost or stolen card", "identity check (lost card)", "security code question (lost card)"]
    listed = {li.get("id") for li in doc.cssselect(".menu-tree li.on-path")}
    assert listed == {f"item-{n}" for n in path}


def test_no_path_marks_nothing(client):
    doc = page(client)
    assert [g for g in doc.iter("g") if "on-path" in g.get("class", "")] == []
    assert doc.cssselect(".marked-path") == []


def test_unknown_ids_in_a_path_are_named_not_an_error(client):
    doc = page(client, "/map?path=welcome,main,nowhere,<b>x</b>")
    notice = doc.cssselect(".path-notice")[0].text_content()
    assert " ".join(notice.split()) == ("There are no menu points called “nowhere”, “<b>x</b>”, so the marked path "
                                        "leaves them out.")
    assert {n for n, g in node_groups(doc).items() if "on-path" in g.get("class").split()} == {"welcome", "main"}
    only_unknown = page(client, "/map?path=nope")
    assert " ".join(only_unknown.cssselect(".path-notice")[0].text_content().split()) == (
        "There is no menu point called “nope”, so no path is marked.")


def test_the_page_has_no_inline_script_and_carries_the_simulator_notice(client):
    html = client.get("/map?path=welcome,main").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    assert [s for s in doc.iter("script") if not s.get("src")] == []
    assert not any(name.startswith("on") for el in doc.iter() if isinstance(el.tag, str) for name in el.attrib)
    assert "Practice simulator: this is not American Express" in " ".join(doc.text_content().split())


def test_the_picture_is_drawn_once_per_app(app, client, monkeypatch):
    from ivr.map import map_pages as routes

    client.get("/map")
    monkeypatch.setattr(routes, "render_svg", lambda *a, **k: pytest.fail("drawn again"))
    assert client.get("/map?path=main").status_code == 200
    assert client.get("/map.svg").mimetype == "image/svg+xml"


def test_without_graphviz_the_page_still_lists_the_map(make_app, monkeypatch):
    from ivr.map import map_pages as routes
    from ivr.map.drawing import GraphvizMissing

    def missing(*args, **kwargs):
        raise GraphvizMissing("no dot")

    monkeypatch.setattr(routes, "render_svg", missing)
    client = make_app().test_client()
    doc = page(client)
    assert "it needs Graphviz" in doc.text_content()
    assert len(doc.cssselect(".menu-tree li[id]")) > 50
    assert client.get("/map.svg").status_code == 503


def test_the_phone_summary_links_to_its_path_on_the_map(client):
    data = client.post("/phone/calls", json=report()).get_json()
    assert data["map_url"] == ("/map?path=welcome,main,lost-card,lost-card-identity,lost-card-security,"
                               "lost-card-security-right,lost-card-cancel,end-lost-card")
    stored = lxml.html.fromstring(client.get(data["url"]).get_data(as_text=True))
    assert [a.get("href") for a in stored.cssselect("a.map-link")] == [data["map_url"]]
    doc = page(client, data["map_url"])
    assert len([g for g in node_groups(doc).values() if "on-path" in g.get("class")]) == 8


def test_the_checklist_shortcut_links_to_the_path_it_describes(client):
    doc = lxml.html.fromstring(client.get("/checklist?reason=lost-card&reason=damaged-card").get_data(as_text=True))
    links = [a.get("href") for a in doc.cssselect(".shortcut a.map-link")]
    assert links == ["/map?path=welcome,main,lost-card", "/map?path=welcome,main,more-options,damaged-card"]

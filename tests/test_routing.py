"""URL routing that keeps each successful match: same answers as Werkzeug's, bounded, forgetful on new rules."""

import pytest
from flask import request

from ivr.web import routing
from ivr.web.flask_app import PracticeFlask
from ivr.web.routing import RememberingMap


@pytest.fixture
def small_app():
    """A PracticeFlask app with a static, a dynamic and a POST-only route."""
    app = PracticeFlask(__name__)

    @app.route("/node/<node_id>/input", methods=["POST"])
    def node_input(node_id):
        request.view_args["node_id"] = "changed"  # a hook or view may change its arguments
        return f"input at {node_id}"

    @app.route("/node/<node_id>")
    def node(node_id):
        return f"node {node_id}"

    @app.route("/pages/")
    def pages():
        return "pages"

    return app


def kept(app):
    return app.url_map._matcher._kept.cache_info()


def test_the_app_routes_with_the_remembering_map(app):
    assert isinstance(app.url_map, RememberingMap)
    assert type(app.url_map._matcher).__name__ == "RememberingMatcher"


def test_a_path_is_matched_once_and_its_arguments_are_each_requests_own(small_app):
    client = small_app.test_client()
    replies = [client.post("/node/main/input").get_data(as_text=True) for _ in range(3)]
    assert replies == ["input at main"] * 3  # the view's change to view_args did not stick
    assert (kept(small_app).misses, kept(small_app).hits) == (1, 2)
    assert client.get("/node/rewards").get_data(as_text=True) == "node rewards"
    assert client.get("/node/main").get_data(as_text=True) == "node main"
    assert (kept(small_app).misses, kept(small_app).hits) == (3, 2)


def test_failed_matches_still_answer_404_405_and_the_slash_redirect_every_time(small_app):
    client = small_app.test_client()
    for _ in range(2):
        assert client.get("/nowhere").status_code == 404
        assert client.get("/node/main/input").status_code == 405
        reply = client.get("/pages")
        assert (reply.status_code, reply.headers["Location"]) == (308, "http://localhost/pages/")
    assert kept(small_app).currsize == 0  # none of them was kept


def test_a_rule_added_later_forgets_the_matches_kept(small_app):
    from werkzeug.routing import Rule

    url_map = small_app.url_map
    assert url_map.bind("localhost").match("/node/special") == ("node", {"node_id": "special"})
    url_map.add(Rule("/node/special", endpoint="special"))  # a static rule wins over <node_id>
    assert url_map.bind("localhost").match("/node/special") == ("special", {})


def test_the_matches_kept_are_bounded(small_app):
    matcher = small_app.url_map._matcher
    for number in range(routing.MATCHES_KEPT + 50):
        rule, arguments = matcher.match("", f"/node/n{number}", "GET", False)
        assert (rule.endpoint, arguments) == ("node", {"node_id": f"n{number}"})
    assert kept(small_app).currsize == routing.MATCHES_KEPT


def test_a_map_given_rules_up_front_still_matches_them():
    from werkzeug.routing import Rule

    url_map = RememberingMap([Rule("/a/<int:n>", endpoint="a"), Rule("/b", endpoint="b")])
    adapter = url_map.bind("example.com")
    assert adapter.match("/a/7") == ("a", {"n": 7})
    assert adapter.match("/b") == ("b", {})


def test_a_second_call_down_the_same_path_is_routed_from_the_matches_kept(app, client):
    from tests.conftest import Caller

    first = Caller(client).walk(["1", "-"])  # lost or stolen card, then silence
    before = kept(app)
    second = Caller(client).walk(["1", "-"])
    assert second.said == first.said
    assert second.verbs == first.verbs and second.status == 200
    after = kept(app)
    assert (after.hits - before.hits, after.misses - before.misses) == (3, 0)  # incoming, input, redirect

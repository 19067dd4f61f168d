"""URL routing that keeps each successful match: same answers as Werkzeug's, bounded, forgetful on new rules."""

import pytest
from flask import request, url_for

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

    @app.route("/where")
    def where():
        return url_for("node", node_id="main", _external=True)

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


def test_a_slash_redirect_keeps_each_requests_own_query_string(small_app):
    client = small_app.test_client()
    for query in ("a=1", "a=2", "a=1", "state=" + "x" * 200):
        reply = client.get(f"/pages?{query}")
        assert (reply.status_code, reply.headers["Location"]) == (308, f"http://localhost/pages/?{query}")


def test_urls_are_built_on_each_requests_own_host(small_app):
    client = small_app.test_client()
    for host in ("a.example", "b.example:8080", "a.example"):
        assert client.get("/where", headers={"Host": host}).get_data(as_text=True) == f"http://{host}/node/main"
    assert client.get("/where", base_url="https://a.example").get_data(as_text=True) == "https://a.example/node/main"


def test_one_adapter_serves_each_distinct_request_line(small_app):
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "localhost", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
               "SCRIPT_NAME": "", "PATH_INFO": "/node/main/input", "REQUEST_METHOD": "POST",
               "QUERY_STRING": "failures=0", "wsgi.input": None, "HTTP_USER_AGENT": "TwilioProxy/1.1"}
    url_map = small_app.url_map
    first = url_map.bind_to_environ(dict(environ))
    assert url_map.bind_to_environ(dict(environ, HTTP_USER_AGENT="other")) is first  # not part of the binding
    assert first.match(return_rule=True)[1] == {"node_id": "main"}
    for name, value in [("QUERY_STRING", "failures=1"), ("PATH_INFO", "/node/rewards/input"), ("HTTP_HOST", "b"),
                        ("REQUEST_METHOD", "GET"), ("wsgi.url_scheme", "https")]:
        assert url_map.bind_to_environ(dict(environ, **{name: value})) is not first, name
    long_query = dict(environ, QUERY_STRING="state=" + "x" * 200)  # a desk's state: new every turn, not kept
    assert url_map.bind_to_environ(long_query) is not url_map.bind_to_environ(long_query)
    assert url_map._bound.cache_info().currsize == 6


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


BASE = {"wsgi.url_scheme": "http", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5000", "REQUEST_METHOD": "POST",
        "PATH_INFO": "/node/main/input", "QUERY_STRING": "failures=0"}


@pytest.mark.parametrize("changes", [
    {},
    {"HTTP_HOST": "Line.Example.com:443", "wsgi.url_scheme": "https"},
    {"HTTP_HOST": "bücher.example"},  # IDNA-encoded when bound
    {"SCRIPT_NAME": "/practice", "PATH_INFO": "/node/caf\xc3\xa9"},  # WSGI's latin-1 strings, decoded
    {"HTTP_CONNECTION": "keep-alive, Upgrade", "HTTP_UPGRADE": "websocket"},
    {"QUERY_STRING": ""},
])
def test_an_adapter_is_bound_as_werkzeug_binds_it(small_app, changes):
    from werkzeug.routing import Map

    environ = {**BASE, **changes}
    for subdomain in (None, ""):
        ours = small_app.url_map.bind_to_environ(dict(environ), subdomain=subdomain)
        werkzeugs = Map.bind_to_environ(small_app.url_map, dict(environ), subdomain=subdomain)
        fields = ("server_name", "script_name", "subdomain", "url_scheme", "path_info", "default_method",
                  "query_args", "websocket")
        assert [getattr(ours, f) for f in fields] == [getattr(werkzeugs, f) for f in fields]


def test_long_request_lines_are_routed_but_not_kept(small_app):
    client = small_app.test_client()
    long_node = "n" * 300
    for _ in range(2):
        assert client.get(f"/node/{long_node}").get_data(as_text=True) == f"node {long_node}"
        assert client.get("/node/main", headers={"Host": ".".join(["h" * 50] * 5) + ".example"}).status_code == 200
    assert kept(small_app).currsize == 1  # /node/main only
    assert small_app.url_map._bound.cache_info().currsize == 0  # a long path or a long host: bound afresh

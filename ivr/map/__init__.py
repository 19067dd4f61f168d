"""The menu map: as text, as a Graphviz picture, and the /map page that links every node to a call."""

from urllib.parse import quote


def map_url(path: list[str] | tuple[str, ...]) -> str:
    """/map?path=a,b,c: the menu map with that path marked."""
    return "/map?path=" + ",".join(quote(node_id) for node_id in path)

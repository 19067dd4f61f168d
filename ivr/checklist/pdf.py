"""HTML -> PDF with WeasyPrint, loading stylesheets from the app's static folder and nothing from the network."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Pages are rendered against this made-up origin, so "/static/x.css" has a URL to resolve.
BASE_URL = "http://practice-line.invalid/"


class StaticFetcher(URLFetcher):
    """Serves files under the given static URL prefixes from their folders; refuses every other URL
    (no network, no other files)."""

    def __init__(self, roots: dict[str, Path]):
        super().__init__(allowed_protocols={"http"}, allow_redirects=False)
        # The app's /static/ and each blueprint's own static folder, e.g. /checklist/static/.
        self.roots = {prefix.rstrip("/") + "/": folder.resolve() for prefix, folder in roots.items()}

    def fetch(self, url, headers=None):
        """The static file `url` names, or ValueError (WeasyPrint then skips the resource)."""
        parts = urlsplit(url)
        found = [(prefix, root) for prefix, root in self.roots.items() if parts.path.startswith(prefix)]
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not found:
            raise ValueError(f"not fetched (only {', '.join(self.roots)} files are): {url}")
        prefix, root = found[0]
        path = (root / unquote(parts.path[len(prefix):])).resolve()
        if not path.is_file() or root not in path.parents:
            raise ValueError(f"no such static file: {url}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def render_pdf(html: str, roots: dict[str, Path]) -> bytes:
    """The PDF of `html` (print media), with its stylesheets loaded from the static `roots` (URL prefix: folder)."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFetcher(roots)).write_pdf()

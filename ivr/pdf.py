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
    """Serves /static/... from a folder; refuses every other URL (no network, no other files)."""

    def __init__(self, static_dir: Path, static_url_path: str = "/static"):
        super().__init__(allowed_protocols={"http"}, allow_redirects=False)
        self.root = static_dir.resolve()
        self.prefix = static_url_path.rstrip("/") + "/"

    def fetch(self, url, headers=None):
        """The static file `url` names, or ValueError (WeasyPrint then skips the resource)."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(self.prefix):
            raise ValueError(f"not fetched (only {self.prefix} files are): {url}")
        path = (self.root / unquote(parts.path[len(self.prefix):])).resolve()
        if not path.is_file() or self.root not in path.parents:
            raise ValueError(f"no such static file: {url}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def render_pdf(html: str, static_dir: Path, static_url_path: str = "/static") -> bytes:
    """The PDF of `html` (print media), with its /static/ stylesheets loaded from `static_dir`."""
    fetcher = StaticFetcher(static_dir, static_url_path)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()

"""PDF letters with WeasyPrint, which may read the app's own static files and data: URIs and nothing else.

Letters hold text that households typed. Even escaped, a rendering engine that follows URLs could be led to
fetch a remote address (a tracking pixel, a request into the local network) or read a file on the server;
`StaticOnlyFetcher` refuses every URL but data: and files under guide/static.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

# Building a font configuration scans the system's fonts: done once per process, shared by every render.
FONT_CONFIG = FontConfiguration()
# Pango's font map behind it is not known to be thread-safe: renders in one process take turns (gunicorn runs
# one thread per worker by default, so this costs nothing there).
_RENDER_LOCK = threading.Lock()


class ResourceRefused(ValueError):
    """A URL the letter may not load; WeasyPrint logs it and renders without the resource."""


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types: its classes are Any
    """WeasyPrint URL fetcher serving data: URIs and files under `root`; http(s), ftp and other files refused."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.static_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
        raise ResourceRefused(f"not loaded in a letter: {url[:200]}")

    def static_path(self, url: str) -> Path:
        """The file a file: URL names, if it lies under the static folder once links and '..' are resolved."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"not a local file: {url[:200]}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ResourceRefused(f"not a static file: {url[:200]}")
        return path


def letter_stylesheet() -> Path:
    """The A4 stylesheet for letters (also readable on a phone screen)."""
    return STATIC_DIR / "css" / "letter.css"


def html_to_pdf(html: str, base_url: str | None = None, stylesheets: Sequence[str | Path] = ()) -> bytes:
    """The PDF of an HTML page; relative URLs resolve against `base_url`, by default the static folder.

    `stylesheets` are paths of CSS files on disk (the app's own, trusted); whatever they or the page point
    to still goes through StaticOnlyFetcher.
    """
    fetcher = StaticOnlyFetcher()
    document = HTML(string=html, base_url=base_url or STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    with _RENDER_LOCK:
        sheets = [CSS(filename=str(sheet), url_fetcher=fetcher, font_config=FONT_CONFIG) for sheet in stylesheets]
        pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=FONT_CONFIG)
    return pdf

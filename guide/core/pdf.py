"""PDF letters with WeasyPrint, which may read the app's own static files and data: URIs and nothing else.

Letters hold text that households typed. Even escaped, a rendering engine that follows URLs could be led to
fetch a remote address (a tracking pixel, a request into the local network) or read a file on the server;
`StaticOnlyFetcher` refuses every URL but data: and files under guide/static.
"""

from __future__ import annotations

import mimetypes
import threading
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname
from xml.etree.ElementTree import Element

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

# Pango's font map behind WeasyPrint is not known to be thread-safe: renders in one process take turns.
_RENDER_LOCK = threading.Lock()


class ResourceRefused(ValueError):
    """A URL the letter may not load; WeasyPrint logs it and renders without the resource."""


# WeasyPrint is imported on the first letter, not with this module: `import weasyprint` takes 1 to 2 s and tens of
# MB in every process (each gunicorn worker, each CLI command), and most never print a letter. What needs it is
# built once, on first use: the fetcher class (`StaticOnlyFetcher`, also reachable as a module attribute) and the
# font configuration (`FONT_CONFIG`: scanning the system's fonts once per process).

@cache
def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415 (lazy: see above)

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

    return StaticOnlyFetcher


@cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415 (lazy: see above)

    return FontConfiguration()


def __getattr__(name: str) -> Any:
    """`StaticOnlyFetcher` and `FONT_CONFIG`, built (and WeasyPrint imported) when first asked for."""
    if name == "StaticOnlyFetcher":
        return _fetcher_class()
    if name == "FONT_CONFIG":
        return _font_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Elements whose text does not count for their parent's dir="auto" (HTML's rule), besides those with a dir.
_OWN_DIRECTION = frozenset({"bdi", "script", "style", "textarea"})


def _strong_direction(text: str) -> str | None:
    """'ltr' or 'rtl' after the first strongly directional character of `text`; None if there is none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def _first_strong_direction(element: Element) -> str | None:
    """The direction dir="auto" gives `element`: its first strong character, skipping nested elements that
    have a direction of their own (and script, style, textarea)."""
    found = _strong_direction(element.text or "") if isinstance(element.tag, str) else None
    if found:
        return found
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _OWN_DIRECTION and child.get("dir") is None:
            found = _first_strong_direction(child)
            if found:
                return found
        found = _strong_direction(child.tail or "")
        if found:
            return found
    return None


def resolve_auto_directions(element: Element, inherited: str = "ltr") -> None:
    """Write the direction browsers compute for dir="auto" (and a <bdi> without dir) as dir="ltr" or "rtl".

    WeasyPrint's stylesheet knows only dir="ltr" and dir="rtl": a paragraph of Arabic typed by a household
    inside a French letter would otherwise be set left to right, its full stop on the wrong side. Without
    any strong character the element keeps its parent's direction.
    """
    value = (element.get("dir") or "").strip().lower()
    if value == "auto" or (element.tag == "bdi" and value not in ("ltr", "rtl")):
        value = _first_strong_direction(element) or inherited
        element.set("dir", value)
    direction = value if value in ("ltr", "rtl") else inherited
    for child in element:
        if isinstance(child.tag, str):
            resolve_auto_directions(child, direction)


def letter_stylesheet() -> Path:
    """The A4 stylesheet for letters (also readable on a phone screen)."""
    return STATIC_DIR / "css" / "letter.css"


def html_to_pdf(html: str, base_url: str | None = None, stylesheets: Sequence[str | Path] = ()) -> bytes:
    """The PDF of an HTML page; relative URLs resolve against `base_url`, by default the static folder.

    `stylesheets` are paths of CSS files on disk (the app's own, trusted); whatever they or the page point
    to still goes through StaticOnlyFetcher. Elements with dir="auto" get the direction a browser gives them.
    """
    from weasyprint import CSS, HTML  # noqa: PLC0415 (lazy: see above)

    fetcher = _fetcher_class()()
    document = HTML(string=html, base_url=base_url or STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    resolve_auto_directions(document.etree_element)
    with _RENDER_LOCK:
        font_config = _font_config()
        sheets = [CSS(filename=str(sheet), url_fetcher=fetcher, font_config=font_config) for sheet in stylesheets]
        pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=font_config)
    return pdf

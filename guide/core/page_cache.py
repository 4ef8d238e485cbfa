"""Anonymous guide pages rendered once and served as stored, compressed bytes.

The guide's pages read no database and depend only on the address, the language, the day (dated answers) and the
site's version (content, templates, catalogues, and which spoken pages are built: core/audio.py). A view marked
`@cached_page` is rendered by Flask as any other; when the answer is a plain 200 for someone without a session (so
not signed in and with no flashed message), the `PageCache` WSGI layer in front of Flask keeps the final bytes —
compressed, with every header the app set — under (path, query, language, encoding, day, version), and answers the
next identical request with them without entering Flask. What decides the language (core/i18n.negotiate_language) is
read the same way here: the `lang` cookie, else Accept-Language; a `?lang=` (which sets the cookie) or any session
cookie goes to Flask.

Those pages are cacheable by a reverse proxy too: `Cache-Control: public, max-age=60, must-revalidate`, a strong
`ETag` (a hash of the page; flask-compress adds the encoding) answered by 304 on `If-None-Match`, and
`Vary: Cookie, Accept-Language, Accept-Encoding`. A signed-in person's page is never marked public nor kept
(create_app's hook makes it `private, no-store`). None of these pages carries a per-request secret: the feedback
form is checked by origin (core/security.same_origin_request) and the CSP allows only this site's scripts.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime
from functools import lru_cache, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request, session
from flask_compress.flask_compress import _choose_algorithm
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie, unquote_etag

from guide.core.audio import AudioLibrary
from guide.core.auth import HOUSEHOLD_KEY, STAFF_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

F = TypeVar("F", bound=Callable[..., Any])

MAX_AGE = 60  # seconds a browser or a proxy may keep a guide page before asking again (304 when unchanged)
MAX_ENTRIES = 1024  # pages × languages × encodings (about 150 × 2 today); flows with answers fill the rest
ENVIRON_KEY = "guide.page_cache"
CACHE_CONTROL = f"public, max-age={MAX_AGE}, must-revalidate"


def cached_page(view: F) -> F:
    """Mark a view whose page is the same for every anonymous reader of one address, language and day."""

    @wraps(view)
    def marked(*args: Any, **kwargs: Any) -> Any:
        g.cacheable_page = True
        return view(*args, **kwargs)

    return marked  # type: ignore[return-value]


def site_version(*folders: tuple[Path, str], extra: str = "") -> str:
    """A short hash of the files under each (folder, glob pattern): names and bytes, the same on every host."""
    digest = hashlib.blake2b(extra.encode(), digest_size=8)
    for folder, pattern in folders:
        for path in sorted(folder.rglob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _anonymous_without_messages() -> bool:
    return (session.get(HOUSEHOLD_KEY) is None and session.get(STAFF_KEY) is None
            and not session.get("_flashes"))


def mark_cacheable(response: Response) -> Response:
    """after_request: a `@cached_page` view's 200 for an anonymous reader gets public caching headers and an ETag,
    and is offered to `PageCache` (which keeps it only if nothing later set a cookie)."""
    if (not g.get("cacheable_page") or request.method not in ("GET", "HEAD") or response.status_code != 200
            or response.direct_passthrough or "Set-Cookie" in response.headers or not _anonymous_without_messages()):
        return response
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.update(("Cookie", "Accept-Language"))
    response.add_etag()  # strong: a hash of the page; flask-compress adds ":gzip" or ":br" and answers 304
    request.environ[ENVIRON_KEY] = request.endpoint or "page"  # kept with the page: its answers are counted by it
    return response


class _Stored:
    __slots__ = ("body", "endpoint", "etag", "headers", "not_modified_headers")

    def __init__(self, headers: list[tuple[str, str]], body: bytes, endpoint: str = "page") -> None:
        self.endpoint = endpoint
        self.headers = headers
        self.body = body
        etag = next((value for name, value in headers if name.lower() == "etag"), "")
        self.etag = unquote_etag(etag)[0] or ""
        keep = {"etag", "cache-control", "vary", "content-location", "expires", "date"}
        self.not_modified_headers = [(name, value) for name, value in headers if name.lower() in keep]


class PageCache:
    """WSGI layer: answers anonymous GETs of cached pages from memory (LRU), stores what Flask marked cacheable."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication, version: Callable[[], str]) -> None:
        self.flask = app
        self.wsgi_app = wsgi_app
        self.version = version
        self.entries: OrderedDict[tuple[str, ...], _Stored] = OrderedDict()
        # told of each answer from memory (endpoint, method, seconds): the metrics count them like the others
        self.observers: list[Callable[[str, str, float], None]] = []
        self.lock = threading.Lock()
        self.languages: list[str] = list(app.config["LANGUAGES"])
        self.default_language: str = app.config["DEFAULT_LANGUAGE"]
        self.language_cookie: str = app.config["LANGUAGE_COOKIE"]
        self.session_cookie: str = app.config["SESSION_COOKIE_NAME"]
        self.algorithms = tuple(app.config["COMPRESS_ALGORITHM"])
        self.https_only = bool(app.config["FORCE_HTTPS"])
        self.zone = ZoneInfo(app.config["TIME_ZONE"])
        # phones send a handful of distinct Accept-Language headers: each parsed once (the hit's main cost otherwise)
        self.best_language = lru_cache(maxsize=512)(self._best_language)

    def _best_language(self, header: str | None) -> str:
        accepted = parse_accept_header(header, LanguageAccept)
        return accepted.best_match(self.languages) or self.default_language

    def key(self, environ: WSGIEnvironment) -> tuple[str, ...] | None:
        """The page's key, or None when this request must go to Flask (not a GET, a session, a ?lang=...)."""
        if environ.get("REQUEST_METHOD") != "GET" or not self.flask.config.get("PAGE_CACHE", True):
            return None
        if self.https_only and environ.get("wsgi.url_scheme") != "https":
            return None  # Talisman redirects it
        query = environ.get("QUERY_STRING", "")
        if "lang=" in query:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if self.session_cookie in cookies:
            return None
        lang = cookies.get(self.language_cookie)
        if lang not in self.languages:
            lang = self.best_language(environ.get("HTTP_ACCEPT_LANGUAGE"))
        encoding = _choose_algorithm(self.algorithms, environ.get("HTTP_ACCEPT_ENCODING", "")) or "identity"
        day = datetime.now(self.zone).date().isoformat()  # dated answers (flows) change at midnight
        return (environ.get("PATH_INFO", ""), query, lang, encoding, day, self.version())

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        key = self.key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        stored = self.entries.get(key)
        if stored is not None:
            started = time.perf_counter()
            with self.lock, suppress(KeyError):  # evicted meanwhile by another thread
                self.entries.move_to_end(key)
            answer = self._answer(environ, start_response, stored)
            for observe in self.observers:
                observe(stored.endpoint, environ.get("REQUEST_METHOD", "GET"), time.perf_counter() - started)
            return answer
        body, headers = call_keeping_headers(self.wsgi_app, environ, start_response)
        if not environ.get(ENVIRON_KEY) or headers is None:
            return body
        data = read_body(body)
        with self.lock:
            self.entries[key] = _Stored(headers, data, str(environ[ENVIRON_KEY]))
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return [data]

    @staticmethod
    def _answer(environ: WSGIEnvironment, start_response: StartResponse, stored: _Stored) -> Iterable[bytes]:
        asked = environ.get("HTTP_IF_NONE_MATCH")
        if asked and stored.etag and (asked.strip() == "*" or stored.etag in _etags(asked)):
            start_response("304 Not Modified", list(stored.not_modified_headers))
            return []
        start_response("200 OK", list(stored.headers))
        return [stored.body]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _etags(header: str) -> set[str]:
    return {unquote_etag(part.strip())[0] or "" for part in header.split(",")}


def call_keeping_headers(wsgi_app: WSGIApplication, environ: WSGIEnvironment, start_response: StartResponse,
                         ) -> tuple[Iterable[bytes], list[tuple[str, str]] | None]:
    """Call the app; return its body, and its headers as it made them (outer layers may add to the list) when the
    answer may be kept: a plain 200 that sets no cookie. None otherwise."""
    captured: list[Any] = []

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured[:] = [status, list(headers)]
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    body = wsgi_app(environ, capture)
    if not captured or not captured[0].startswith("200 ") or any(
            name.lower() == "set-cookie" for name, _value in captured[1]):
        return body, None
    return body, captured[1]


def read_body(body: Iterable[bytes]) -> bytes:
    """The whole body of a WSGI answer, its iterable closed (as a server would)."""
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def install(app: Flask, templates: Path, translations: Path) -> PageCache:
    """Put the page cache in front of the app's WSGI callable; the version follows the content store's and the
    spoken pages' (a page stored before its audio was built is rendered again, now with its player)."""
    base = site_version((templates, "*.html"), (translations, "*.mo"))

    def version() -> str:
        spoken = AudioLibrary(Path(app.config["AUDIO_DIR"])).version()
        return f"{base}-{app.extensions['content'].version}-{spoken}"

    cache = PageCache(app, app.wsgi_app, version)
    app.extensions["page_cache"] = cache
    app.after_request(mark_cacheable)
    return cache

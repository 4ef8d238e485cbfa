"""A signed-in household's pages kept in memory, rendered again only when something on them may have changed.

Used by "Where I stand" and the four pages it links to that show the file (proposals, contacts, written requests,
papers): guide/features/standing/household.py.

A household opens "Where I stand" (/my) again and again: from each SMS, each time the shared phone comes back, to
check a date. Drawing it costs statements for its lists and the template; what it shows changes a few times a
month. A view marked `@kept_per_revision` is rendered by Flask as any other; its final answer (compressed, with
every header the app set) is then kept by the `KeptPages` WSGI layer in front of Flask, and given again without
entering Flask while both of these hold:

- the request is the same: the address, the session cookie exactly as Flask signed it (so the session record, the
  household, its language and the CSRF token the page's forms carry), the language cookie and `Accept-Language`
  (what chose the page's language), the encoding, the site's version (content, templates, catalogues, spoken
  pages: core/page_cache.py) and today's date (deadlines are counted in days);
- the session record is still open and the household's **revision** is the one the page was drawn at. The
  revision is a number the database raises itself, by triggers, with any change to the household's row, to a row of
  its file, or to the officer or mediator it shows (migration 0016), however the change is made. It is read by the
  statement that checks the session anyway (core/sessions.find, alone in autocommit): a page given from memory costs
  that one statement, and nothing of Flask.

Flask is asked instead, and draws the page again, when the session's activity is due to be noted (once a minute:
core/auth.note_activity), so idle limits hold as on any other page. The view may also say until when its page holds
(`valid_until`: the start of the next appointment, after which it is no longer "next"); an entry is never kept more
than `MAX_AGE`. What is not kept: a page with a query string, a flashed message, an htmx request, an answer that
sets a cookie, anything but a plain 200.

Each worker keeps its own entries (at most `MAX_ENTRIES`, least recently used first out), and nothing is shared
between processes or written anywhere. A page is never given once its session has ended (signed out, idle, erased:
the session record is checked each time) and leaves memory within `MAX_AGE` at most.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request, session
from flask_compress.flask_compress import _choose_algorithm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import parse_cookie

from guide.core import sessions
from guide.core.auth import SESSION_KEY, signed_in_household_id
from guide.core.metrics import KEPT_PAGES
from guide.core.page_cache import call_keeping_headers, read_body
from guide.core.timeutil import as_utc

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

F = TypeVar("F", bound=Callable[..., Any])

MAX_ENTRIES = 512  # pages of about 3 KB compressed: a few MB per worker at most
MAX_AGE = 600.0  # seconds an entry is kept at most, whatever its key
ENVIRON_KEY = "guide.personal_page"  # set by Flask (`offer`) on a page that may be kept: what it was drawn for


@dataclass(frozen=True)
class _Drawn:
    """What a kept page was drawn for, told by Flask to the layer in front of it."""

    token: str  # the session record's token, from the signed cookie
    household_id: int
    revision: int
    expires: float  # time.time() after which the page is not given (the wall clock: appointments start by it)
    endpoint: str


@dataclass(frozen=True)
class _Entry:
    drawn: _Drawn
    headers: list[tuple[str, str]]
    body: bytes


def kept_per_revision(view: F) -> F:
    """Mark a household view (after `household_required`) whose page may be kept per revision of the household's
    file."""

    @wraps(view)
    def marked(*args: Any, **kwargs: Any) -> Any:
        g.personal_page = True
        return view(*args, **kwargs)

    return marked  # type: ignore[return-value]


def valid_until(moment: datetime | None) -> None:
    """Called by a kept view: its page no longer holds from `moment` (UTC), e.g. when an appointment starts."""
    if moment is not None:
        moment = as_utc(moment)
        earliest = g.get("personal_page_until")
        g.personal_page_until = moment if earliest is None else min(earliest, moment)


def offer(response: Response) -> Response:
    """after_request: a `@kept_per_revision` page that may be kept is offered to `KeptPages`, with what it was drawn
    for (the layer keeps it only if nothing later set a cookie)."""
    if (not g.get("personal_page") or request.method != "GET" or request.query_string
            or "HX-Request" in request.headers or response.status_code != 200 or response.direct_passthrough
            or session.modified or session.get("_flashes")):
        return response
    signed_in, household_id, token = g.get("signed_in"), signed_in_household_id(), session.get(SESSION_KEY)
    if signed_in is None or household_id is None or signed_in.revision is None or not token:
        return response
    lasts = MAX_AGE
    until = g.get("personal_page_until")
    if until is not None:
        lasts = min(lasts, (until - datetime.now(UTC)).total_seconds())
    if lasts > 0:
        request.environ[ENVIRON_KEY] = _Drawn(token, household_id, signed_in.revision, time.time() + lasts,
                                              request.endpoint or "page")
    return response


class KeptPages:
    """WSGI layer: gives a household's kept pages from memory (LRU, thread-safe), keeps what Flask offered."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication, version: Callable[[], str],
                 max_entries: int = MAX_ENTRIES) -> None:
        self.flask = app
        self.wsgi_app = wsgi_app
        self.version = version
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self.lock = threading.Lock()
        # told of each answer from memory (endpoint, method, seconds): the metrics count them like the others
        self.observers: list[Callable[[str, str, float], None]] = []
        self.session_cookie: str = app.config["SESSION_COOKIE_NAME"]
        self.language_cookie: str = app.config["LANGUAGE_COOKIE"]
        self.algorithms = tuple(app.config["COMPRESS_ALGORITHM"])
        self.https_only = bool(app.config["FORCE_HTTPS"])
        self.zone = ZoneInfo(app.config["TIME_ZONE"])

    def key(self, environ: WSGIEnvironment) -> tuple[str, ...] | None:
        """Everything the page depends on besides the database, or None when this request goes to Flask alone."""
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING") or "HTTP_HX_REQUEST" in environ
                or not self.flask.config["PERSONAL_PAGE_CACHE"]):
            return None
        if self.https_only and environ.get("wsgi.url_scheme") != "https":
            return None  # Talisman redirects it
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        signed = cookies.get(self.session_cookie)
        if not signed:
            return None
        encoding = _choose_algorithm(self.algorithms, environ.get("HTTP_ACCEPT_ENCODING", "")) or "identity"
        return (environ.get("PATH_INFO", ""), signed, cookies.get(self.language_cookie, ""),
                environ.get("HTTP_ACCEPT_LANGUAGE", ""), encoding, datetime.now(self.zone).date().isoformat(),
                self.version())

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        key = self.key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        entry = self._get(key)
        if entry is not None and self._holds(entry.drawn):
            KEPT_PAGES.labels(outcome="given").inc()
            start_response("200 OK", list(entry.headers))
            for observe in self.observers:
                observe(entry.drawn.endpoint, "GET", time.perf_counter() - started)
            return [entry.body]
        body, headers = call_keeping_headers(self.wsgi_app, environ, start_response)
        drawn = environ.get(ENVIRON_KEY)
        if not isinstance(drawn, _Drawn) or headers is None:
            return body
        data = read_body(body)
        with self.lock:
            self.entries[key] = _Entry(drawn, [(name, value) for name, value in headers if name.lower() != "date"],
                                       data)  # the server adds its own date
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        KEPT_PAGES.labels(outcome="drawn").inc()
        return [data]

    def _get(self, key: tuple[str, ...]) -> _Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and entry.drawn.expires > time.time():
                self.entries.move_to_end(key)
                return entry
            if entry is not None:
                del self.entries[key]
            return None

    def _holds(self, drawn: _Drawn) -> bool:
        """The session is open, its activity needs no noting yet, and the household's file is as it was drawn."""
        with self.flask.app_context():
            try:
                found = sessions.find(drawn.token)
            except SQLAlchemyError:
                return False  # Flask answers, as on any page when the database fails
            return (found is not None and found.open and found.household_id == drawn.household_id
                    and found.revision == drawn.revision and sessions.seen_lately(found))

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def install(app: Flask, wsgi_app: WSGIApplication, version: Callable[[], str]) -> KeptPages:
    """Put the kept pages in front of `wsgi_app` (the page cache goes in front of them: it never answers a request
    that carries a session cookie); `version` is the site's (core/page_cache.py)."""
    pages = KeptPages(app, wsgi_app, version)
    app.extensions["personal_pages"] = pages
    app.after_request(offer)
    return pages

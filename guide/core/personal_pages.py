"""A signed-in household's pages kept in memory, rendered again only when something on them may have changed.

Used by "Where I stand" and the four pages it links to that show the file (proposals, contacts, written requests,
papers): guide/features/standing/household.py.

A household opens "Where I stand" (/my) again and again: from each SMS, each time the shared phone comes back, to
check a date. Drawing it costs a statement for its lists and the template; what it shows changes a few times a
month. A view marked `@kept_per_revision` is rendered as usual the first time; its page is then kept under a key
that names everything it depends on, and given again, without the statement or the template, while the key is the
same:

- the session record (so one person's page is never given on another session, nor after signing out) and the
  household with its **revision**: a number the database raises itself, by triggers, with any change to the
  household's row, to a row of its file, or to the officer or mediator it shows (migration 0016) — however the
  change is made;
- the language of the page, the site's version (content, templates, catalogues, spoken pages: core/page_cache.py),
  and today's date (deadlines are counted in days);
- the CSRF token of the session's cookie, which the page's forms carry.

The view may also say until when its page holds (`valid_until`: the start of the next appointment, after which it
is no longer "next"); an entry is never kept more than `MAX_AGE`. What is not kept: a page with a query string, a
flashed message, an htmx request, a page whose rendering changed the cookie, anything but a plain 200.

Each worker keeps its own entries (at most `MAX_ENTRIES`, least recently used first out), and nothing is shared
between processes or written anywhere. A page is never given once its session has ended (signed out, idle, erased:
the session record is checked first) and leaves memory within `MAX_AGE` at most. The revision is read by the
statement that checks the session anyway (core/sessions.find, in autocommit: no transaction around it), so a page
given from memory costs that one statement; the household's row is loaded only when the page is drawn.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, make_response, redirect, request, session
from flask_compress.flask_compress import _choose_algorithm, _compress_data

from guide.core.auth import current_household, household_sign_in_url, signed_in_household_id
from guide.core.i18n import negotiate_language
from guide.core.metrics import KEPT_PAGES
from guide.core.timeutil import as_utc, today

F = TypeVar("F", bound=Callable[..., Any])

MAX_ENTRIES = 512  # pages of about 7 KB: a few MB per worker at most
MAX_AGE = 600.0  # seconds an entry is kept at most, whatever its key


@dataclass(frozen=True)
class _Entry:
    body: bytes
    mimetype: str
    expires: float  # time.time() after which the entry is not used (the wall clock: appointments start by it)
    encoded: dict[str, bytes] = field(default_factory=dict)  # the body compressed, by algorithm, once asked

    def answer(self, app: Flask) -> Response:
        """The page, compressed as the request accepts (as flask-compress would, once per algorithm)."""
        algorithm = _choose_algorithm(tuple(app.config["COMPRESS_ALGORITHM"]),
                                      request.headers.get("Accept-Encoding", ""))
        if algorithm is None:
            return Response(self.body, mimetype=self.mimetype)
        data = self.encoded.get(algorithm)
        if data is None:
            data = self.encoded[algorithm] = _compress_data(app, self.body, algorithm)
        response = Response(data, mimetype=self.mimetype)
        response.headers["Content-Encoding"] = algorithm  # flask-compress leaves it as it is (and adds its Vary)
        return response


class PersonalPages:
    """The kept pages of one process (LRU, thread-safe)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> _Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and entry.expires > time.time():
                self.entries.move_to_end(key)
                return entry
            if entry is not None:
                del self.entries[key]
            return None

    def put(self, key: tuple[Any, ...], entry: _Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def valid_until(moment: datetime | None) -> None:
    """Called by a kept view: its page no longer holds from `moment` (UTC), e.g. when an appointment starts."""
    if moment is not None:
        moment = as_utc(moment)
        earliest = g.get("personal_page_until")
        g.personal_page_until = moment if earliest is None else min(earliest, moment)


def _key() -> tuple[Any, ...] | None:
    """Everything the page depends on, or None when this request's page must not be kept nor given from memory."""
    if not current_app.config["PERSONAL_PAGE_CACHE"] or request.method != "GET" or request.query_string \
            or "HX-Request" in request.headers or session.get("_flashes"):
        return None
    token = session.get("csrf_token")
    signed_in, household_id = g.get("signed_in"), signed_in_household_id()
    if not token or signed_in is None or household_id is None or signed_in.revision is None:
        return None
    version = current_app.extensions["page_cache"].version()
    return (request.endpoint, signed_in.id, household_id, signed_in.revision, negotiate_language(), version,
            today().isoformat(), token)


def kept_per_revision(view: F) -> F:
    """Keep the page of a household view (after `household_required`) per revision of the household's file."""

    @wraps(view)
    def kept(*args: Any, **kwargs: Any) -> Any:
        key = _key()
        if key is None:
            return view(*args, **kwargs) if current_household() is not None else redirect(household_sign_in_url())
        pages: PersonalPages = current_app.extensions["personal_pages"]
        entry = pages.get(key)
        if entry is not None:
            KEPT_PAGES.labels(outcome="given").inc()
            return entry.answer(current_app)
        if current_household() is None:  # erased since the session was checked
            return redirect(household_sign_in_url())
        g.pop("personal_page_until", None)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.direct_passthrough and not session.modified:
            lasts = MAX_AGE
            until = g.get("personal_page_until")
            if until is not None:
                lasts = min(lasts, (until - datetime.now(UTC)).total_seconds())
            if lasts > 0:
                pages.put(key, _Entry(response.get_data(), response.mimetype or "text/html",
                                      time.time() + lasts))
                KEPT_PAGES.labels(outcome="drawn").inc()
        return response

    kept.loads_household_when_drawn = True  # type: ignore[attr-defined]  # read by core/auth.household_required
    return kept  # type: ignore[return-value]


def install(app: Flask) -> PersonalPages:
    pages = PersonalPages()
    app.extensions["personal_pages"] = pages
    return pages

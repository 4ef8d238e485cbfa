"""One unit of work: one transaction, committed once, rolled back on error, run again whole when the database was
only busy.

The rule (who commits): nobody but this module. Every request runs its view inside one unit (`install`, called by
`create_app` for every endpoint): the view reads the form, authorises and calls services; the services write
(add, flush, conditional UPDATEs, their audit entry and their outbox rows); the unit commits once when the view
has returned (after the page is rendered: a commit expires what the page shows), and rolls everything back when
it raises. A service that is a whole change is decorated with `atomic`: inside a request it joins the request's
unit; called alone (a CLI command, a test) it is a unit of its own and commits itself. The exceptions, outside
views: the loops that keep each item's work apart (the outbox dispatcher, the retention job) and the CLI commit
per item; the note of a session's activity (core/auth.py `note_activity`) is committed before the view, on its
own, and skipped when the database is busy.

Busy database: SQLite's write lock still taken after its timeout (or a snapshot that went stale under another
writer), a PostgreSQL deadlock or serialization failure. The outermost unit then rolls back and runs the whole
work again, a few times, after a short pause. Nothing was committed, and the outbox rows and audit entries are
written in the same transaction, so a second run neither sends an SMS twice nor logs twice; what the request had
put in the cookie session and in `g` is put back as it was before the first run, and uploaded files are rewound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from itertools import chain
from typing import Any, ParamSpec, TypeVar

from flask import Flask, g, has_request_context, request, session
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from guide.core.extensions import db

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 4  # a unit is run at most this many times when the database is busy
PAUSE_SECONDS = 0.05  # before the n-th new run: n × this
_DEPTH = "guide.transaction.depth"  # in the session's info: how many units are open (0: none)


def busy(error: OperationalError) -> bool:
    """SQLite's write lock still busy after its timeout, or a PostgreSQL deadlock or serialization failure."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return "database is locked" in str(error.orig) or code in ("40P01", "40001")


def in_unit() -> bool:
    """Whether a unit is open (a service then joins it instead of committing)."""
    return bool(db.session.info.get(_DEPTH))


def run(work: Callable[[], T], before_again: Callable[[], None] | None = None) -> T:
    """Run `work` as one unit: commit after it (when outermost), roll back when it raises, and run it again when
    the database was only busy (`before_again` puts back what the failed run changed outside the database)."""
    info = db.session.info
    if info.get(_DEPTH):  # inside another unit: that one commits
        info[_DEPTH] += 1
        try:
            return work()
        finally:
            info[_DEPTH] -= 1
    for attempt in range(1, ATTEMPTS + 1):
        info[_DEPTH] = 1
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            if not busy(error) or attempt == ATTEMPTS:
                raise
        except BaseException:
            db.session.rollback()
            raise
        finally:
            info.pop(_DEPTH, None)
        time.sleep(PAUSE_SECONDS * attempt)
        if before_again is not None:
            before_again()
    raise AssertionError("unreachable")


def atomic(function: Callable[P, T]) -> Callable[P, T]:
    """A service that is one whole change: its own unit when called alone, part of the request's unit otherwise."""

    @wraps(function)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> T:
        return run(lambda: function(*args, **kwargs))

    return wrapped


def per_request(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view run as the request's one unit (see the module's docstring)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        cookie = dict(session) if has_request_context() else {}
        globals_before = dict(vars(g))

        def before_again() -> None:
            if has_request_context():
                session.clear()
                session.update(cookie)
                for upload in chain.from_iterable(request.files.listvalues()):
                    upload.stream.seek(0)
            vars(g).clear()
            vars(g).update(globals_before)

        return run(lambda: view(*args, **kwargs), before_again)

    return wrapped


def install(app: Flask) -> None:
    """Run every view of the app (static and public files aside) as one unit of work per request. A public file's
    view (core/auth.public_file) writes nothing and must not read the session, which `per_request` keeps a copy of
    (reading it makes the answer vary with the cookie)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "public_file", False):
            app.view_functions[endpoint] = per_request(view)


def database_problem() -> str | None:
    """For the health check: one trivial query; None when it works, else the error's name (rolled back)."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return type(error).__name__
    return None

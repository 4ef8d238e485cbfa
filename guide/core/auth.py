"""Who is signed in: a household (SMS code or personal link) or a staff member (password), and what they may see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy.exc import OperationalError

from guide.core import permissions, sessions
from guide.core.extensions import db
from guide.core.permissions import EDIT_HOUSEHOLD, SEE_HOUSEHOLD, can
from guide.core.security import same_site_path
from guide.core.transaction import atomic
from guide.models import Household, Proposal, Role, StaffUser

HOUSEHOLD_KEY = "household_id"
STAFF_KEY = "staff_id"
SESSION_KEY = "session"  # the random token naming the session record


def safe_next(target: str | None, default: str | None = None) -> str:
    """Where to go after a sign-in or a language choice: the target when it is a path of this site
    (`same_site_path`), else `default` (the home page when not given). Never an error, never another site."""
    return same_site_path(target) or default or url_for("guide.public.home")


# --- the session record (guide/core/sessions.py) -----------------------------------------------------------

def not_activity(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that does not count as activity (a live-update poll): idle sessions still end on time."""
    view.not_activity = True  # type: ignore[attr-defined]  # a mark on the function object, read by note_activity
    return view


@atomic  # committed (with the request's unit) before the cookie that names the record leaves with this answer
def _start(*, household_id: int | None = None, staff_id: int | None = None) -> None:
    """A fresh session: the cookie is emptied (no fixation), the previous session record ended, a new one named."""
    previous = session.get(SESSION_KEY)
    session.clear()
    if previous:
        sessions.end(previous)
    session[SESSION_KEY] = sessions.start(household_id=household_id, staff_id=staff_id)
    for name in ("signed_in", "household", "staff"):
        g.pop(name, None)


@atomic
def sign_out(everywhere: bool = False) -> None:
    """End this session (and with `everywhere`, every session of the same account), then empty the cookie."""
    found = _signed_in()
    token = session.get(SESSION_KEY)
    if everywhere and found is not None:
        sessions.end_all(household_id=found.household_id, staff_id=found.staff_id)
    elif token:
        sessions.end(token)
    session.clear()
    for name in ("signed_in", "household", "staff"):
        g.pop(name, None)


def _forget_in_cookie() -> None:
    """Forget who was signed in, but keep the CSRF token: the session may end while a page is being drawn, after
    its form took the token, or between a form and its answer (signed out on another device)."""
    token = session.get("csrf_token")
    session.clear()
    if token:
        session["csrf_token"] = token


def _signed_in() -> sessions.SignedIn | None:
    """The open session record the cookie names, looked up once per request; None when there is none.

    A cookie that names no open record (signed out, on this device or everywhere; ended by an administrator; idle
    or too old; or from before session records) is emptied, and g.session_expired says why the person is out."""
    if "signed_in" in g:
        return cast(sessions.SignedIn | None, g.signed_in)
    g.signed_in = None
    token = session.get(SESSION_KEY)
    if token is None:
        if HOUSEHOLD_KEY in session or STAFF_KEY in session:
            _forget_in_cookie()
        return None
    found = sessions.find(token, staff=STAFF_KEY in session)
    if found is None or not found.open:
        _forget_in_cookie()
        g.session_expired = "ended" if found is not None and found.ended_at is not None else "1"
        return None
    g.signed_in = found
    return found


def public_file(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that serves a file, the same for everyone (a spoken page), as Flask serves the static files:
    the session is not read for it, so its answer does not depend on the cookie (no "Vary: Cookie", which would
    make shared caches keep one copy per visitor of an immutable public file)."""
    view.public_file = True  # type: ignore[attr-defined]  # a mark on the function object, read below
    return view


def serves_public_file() -> bool:
    """This request is for a static file or a `public_file` view: nothing personal, the session is not read."""
    if request.endpoint == "static":
        return True
    return bool(getattr(current_app.view_functions.get(request.endpoint or ""), "public_file", False))


def note_activity() -> None:
    """Before each request: look the session up, and note the activity (at most once a minute, committed at once,
    before the view has written anything). A database too busy to note it does not fail the page. Not for the
    public files (`serves_public_file`): reading the session would make their answer vary with the cookie."""
    if serves_public_file():
        return
    found = _signed_in()
    view = current_app.view_functions.get(request.endpoint or "")
    if found is None or getattr(view, "not_activity", False):
        return
    try:
        if sessions.touch(found):
            db.session.commit()
    except OperationalError:
        db.session.rollback()
        current_app.logger.warning("a session's last activity could not be noted (database busy)")


# --- households ---------------------------------------------------------------------------------

def sign_in_household(household_id: int, language: str | None = None) -> None:
    """Start a fresh, short household session (a new session cookie and record: no fixation)."""
    _start(household_id=household_id)
    session[HOUSEHOLD_KEY] = household_id
    if language:
        session["household_lang"] = language


def signed_in_household_id() -> int | None:
    """The id of the signed-in household (the session record and the cookie agree), without loading it."""
    found = _signed_in()
    if found is None or found.household_id is None or found.household_id != session.get(HOUSEHOLD_KEY):
        return None
    return found.household_id


def current_household() -> Household | None:
    """The signed-in household, or None when nobody is signed in or the session has ended, gone idle or too old."""
    if "household" in g:
        return cast(Household | None, g.household)
    household_id = signed_in_household_id()
    g.household = None if household_id is None else db.session.get(Household, household_id)
    return cast(Household | None, g.household)


def household_sign_in_url() -> str:
    """Where a household whose session is missing or over goes: the sign-in page, saying why, then back here."""
    return url_for("signin.household.sign_in", next=request.path, expired=_why_out())


def _why_out() -> str | None:
    """For the sign-in pages: "ended" (signed out elsewhere, by an administrator), "1" (idle or too old), or None."""
    return cast(str | None, g.get("session_expired"))


def household_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_household() is None:
            return redirect(household_sign_in_url())
        return view(*args, **kwargs)

    return wrapped


# --- staff --------------------------------------------------------------------------------------

def sign_in_staff(staff_id: int) -> None:
    _start(staff_id=staff_id)
    session[STAFF_KEY] = staff_id


def current_staff() -> StaffUser | None:
    """The signed-in staff member (an active account), or None."""
    if "staff" in g:
        return cast(StaffUser | None, g.staff)
    found = _signed_in()
    g.staff = None
    if found is None or found.staff_id is None or found.staff_id != session.get(STAFF_KEY):
        return None
    staff = db.session.get(StaffUser, found.staff_id)
    g.staff = staff if staff is not None and staff.active else None
    return cast(StaffUser | None, g.staff)


def staff_login_url() -> str:
    """Where staff whose session is missing or over go: the login page, saying why, then back here."""
    return url_for("signin.staff.login", next=request.path, expired=_why_out())


def _staff_only(allowed: Callable[[StaffUser], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in staff for whom `allowed` holds (403 for the others); anyone else goes to the login page."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return redirect(staff_login_url())
            if not allowed(staff):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only signed-in staff (of the given roles, when given; admins always). For a right, prefer `staff_may`."""
    return _staff_only(lambda staff: not roles or staff.role in roles or staff.is_admin)


def staff_may(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only signed-in staff who have this right of guide/core/permissions.py (403 for the others)."""
    permissions.reach(None, action)  # an unknown action fails when the route is declared, not when it is used
    return _staff_only(lambda staff: permissions.can(staff, action))


def household_for_staff(household_id: int) -> Household:
    """The household if this staff member may open it (GET) or record in it (POST); 404 otherwise (existence is not
    revealed). The rule: guide/core/permissions.py."""
    household = db.session.get(Household, household_id)
    action = EDIT_HOUSEHOLD if request.method == "POST" else SEE_HOUSEHOLD
    if household is None or not can(current_staff(), action, household):
        abort(404)
    return household


def own_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.household_id != g.household.id:
        abort(404)
    return proposal

"""Who is signed in: a household (SMS code or personal link) or a staff member (password), and what they may see."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, g, redirect, request, session, url_for

from guide.extensions import db
from guide.models import Household, Role, StaffUser
from guide.security import same_site_path

HOUSEHOLD_KEY = "household_id"
STAFF_KEY = "staff_id"


def safe_next(target: str | None, default: str | None = None) -> str:
    """Where to go after a sign-in or a language choice: the target when it is a path of this site
    (`same_site_path`), else `default` (the home page when not given). Never an error, never another site."""
    return same_site_path(target) or default or url_for("public.home")


# --- households ---------------------------------------------------------------------------------

def sign_in_household(household_id: int, language: str | None = None) -> None:
    """Start a fresh, short household session (a new session cookie: no fixation)."""
    session.clear()
    session[HOUSEHOLD_KEY] = household_id
    if language:
        session["household_lang"] = language
    session["signed_in_at"] = session["seen_at"] = int(time.time())


def sign_out() -> None:
    session.clear()


def _end_idle_session() -> None:
    """Forget who was signed in, but keep the CSRF token: the session may end while a page is being drawn, after
    its form took the token (a personal link opened on a phone whose old session went idle)."""
    token = session.get("csrf_token")
    session.clear()
    if token:
        session["csrf_token"] = token


def current_household() -> Household | None:
    """The signed-in household, or None when nobody is signed in or the session is too old or idle."""
    if "household" in g:
        return g.household
    g.household = None
    household_id = session.get(HOUSEHOLD_KEY)
    if household_id is None:
        return None
    now = int(time.time())
    config = current_app.config
    too_idle = now - session.get("seen_at", 0) > config["HOUSEHOLD_IDLE_MINUTES"] * 60
    too_old = now - session.get("signed_in_at", 0) > config["HOUSEHOLD_MAX_HOURS"] * 3600
    if too_idle or too_old:
        _end_idle_session()
        g.session_expired = True
        return None
    session["seen_at"] = now
    g.household = db.session.get(Household, household_id)
    return g.household


def household_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_household() is None:
            return redirect(url_for("household.sign_in", next=request.path,
                                    expired=1 if g.get("session_expired") else None))
        return view(*args, **kwargs)

    return wrapped


# --- staff --------------------------------------------------------------------------------------

def sign_in_staff(staff_id: int) -> None:
    session.clear()
    session[STAFF_KEY] = staff_id
    session["signed_in_at"] = session["seen_at"] = int(time.time())


def current_staff() -> StaffUser | None:
    if "staff" in g:
        return g.staff
    g.staff = None
    staff_id = session.get(STAFF_KEY)
    if staff_id is None:
        return None
    now = int(time.time())
    if now - session.get("seen_at", 0) > current_app.config["STAFF_IDLE_MINUTES"] * 60:
        _end_idle_session()
        return None
    session["seen_at"] = now
    staff = db.session.get(StaffUser, staff_id)
    g.staff = staff if staff is not None and staff.active else None
    return g.staff


def staff_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only signed-in staff (of the given roles, when given; admins always)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return redirect(url_for("staff.login", next=request.path))
            if roles and staff.role not in roles and not staff.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_can_access(staff: StaffUser, household: Household) -> bool:
    """Admins see every household; officers and mediators only the households they are assigned to."""
    if staff.is_admin:
        return True
    if staff.role == Role.OFFICER:
        return household.officer_id == staff.id
    if staff.role == Role.MEDIATOR:
        return household.mediator_id == staff.id
    return False  # the mediation group sees households through their mediation requests

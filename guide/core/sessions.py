"""Signed-in sessions kept on the server: a row per sign-in, named by a random token in the signed cookie.

Flask's signed cookie still carries the session (language, CSRF token, who is signed in), but it no longer proves
anything alone: every request needs an open `UserSession` row (one query on a unique index). Signing out ends the
row, so a copy of the cookie taken before is worth nothing; "sign out everywhere" and an administrator end every
row of an account. A row is open while it has not been ended, is younger than the maximum age and was seen within
the idle limit (households: 15 minutes and 2 hours; staff: 60 minutes and 12 hours). `last_seen_at` is written at
most once a minute, so the idle limit is counted to the minute and a busy page does not write on every request.

Why not Flask-Session: it would move every visitor's session (anonymous readers of the guide included) to the
server and write it on each request, and it still has no "every session of this account" to end; a small table of
signed-in sessions beside the signed cookie gives revocation for the two audiences that sign in, and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from weakref import WeakKeyDictionary

from flask import current_app
from sqlalchemy import CursorResult, Engine, and_, bindparam, case, delete, func, or_, select, update

from guide.core.extensions import db
from guide.core.security import keyed_hash, new_token
from guide.models import Household, StaffUser, UserSession

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written when it is older than this


@dataclass(frozen=True)
class Limits:
    idle: timedelta
    longest: timedelta


def limits() -> dict[str, Limits]:
    """The idle limit and the maximum age of each kind of session, from the configuration."""
    config = current_app.config
    return {
        "household": Limits(timedelta(minutes=int(config["HOUSEHOLD_IDLE_MINUTES"])),
                            timedelta(hours=float(config["HOUSEHOLD_MAX_HOURS"]))),
        "staff": Limits(timedelta(minutes=int(config["STAFF_IDLE_MINUTES"])),
                        timedelta(hours=float(config["STAFF_MAX_HOURS"]))),
    }


def _hash(token: str) -> str:
    return keyed_hash("session", token)


def open_clause(now: datetime) -> Any:
    """SQL: the row may still be used at `now` (the one statement of the rule, for lookups, lists and purges)."""
    return _open_clause(_cutoffs(now))


def _cutoffs(now: datetime) -> dict[str, datetime]:
    """The instants a row must be younger than, and seen after, to be open at `now`, by kind of account."""
    kinds = limits()
    return {f"{kind}_{which}": now - getattr(kinds[kind], which) for kind in ("household", "staff")
            for which in ("longest", "idle")}


def _open_clause(cutoff: dict[str, Any]) -> Any:
    def fresh(kind: str) -> Any:
        return and_(UserSession.created_at > cutoff[f"{kind}_longest"],
                    UserSession.last_seen_at > cutoff[f"{kind}_idle"])

    return and_(UserSession.ended_at.is_(None),
                or_(and_(UserSession.household_id.is_not(None), fresh("household")),
                    and_(UserSession.staff_id.is_not(None), fresh("staff"))))


# The lookup of every signed-in request, built once: its values (the token's hash, the cut-offs) are bound at each
# execution (building the expression again cost more than running it). Plain columns, no ORM entity: the accounts
# are loaded by the pages that show them (core/auth.py), and a page given from memory needs only the revision. A
# staff member's row comes with the staff lookup: every staff page shows who is signed in.
_COLUMNS = (UserSession.id, UserSession.household_id, UserSession.staff_id, UserSession.last_seen_at,
            UserSession.ended_at, case((_open_clause({name: bindparam(name) for name in (
                "household_longest", "household_idle", "staff_longest", "staff_idle")}), True), else_=False))
_FIND_HOUSEHOLD = (select(*_COLUMNS, Household.revision).outerjoin(Household, Household.id == UserSession.household_id)
                   .where(UserSession.token_hash == bindparam("token_hash")))
_FIND_STAFF = (select(*_COLUMNS, StaffUser).outerjoin(StaffUser, StaffUser.id == UserSession.staff_id)
               .where(UserSession.token_hash == bindparam("token_hash")))

_AUTOCOMMIT: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def _autocommit(engine: Engine) -> Engine:
    """The engine in autocommit: its connections come from the same pool, and run each statement alone."""
    found = _AUTOCOMMIT.get(engine)
    if found is None:
        found = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


def start(*, household_id: int | None = None, staff_id: int | None = None, now: datetime | None = None) -> str:
    """A new session row for one account; returns the token for the cookie (the caller commits)."""
    assert (household_id is None) != (staff_id is None), "a session belongs to one household or one staff member"
    now = now or datetime.now(UTC)
    token = new_token()
    db.session.add(UserSession(token_hash=_hash(token), household_id=household_id, staff_id=staff_id,
                               created_at=now, last_seen_at=now))
    db.session.flush()
    return token


@dataclass(frozen=True)
class SignedIn:
    """The session row a cookie names, as `find` read it (plain values, not an ORM object), and whether it is open."""

    id: int
    household_id: int | None
    staff_id: int | None
    last_seen_at: datetime
    ended_at: datetime | None
    open: bool
    revision: int | None = None  # a household's revision (migration 0016: core/personal_pages.py)
    staff: StaffUser | None = None  # held while the request runs: the identity map keeps weak references


def find(token: str, now: datetime | None = None, *, staff: bool = False) -> SignedIn | None:
    """The row the cookie names and whether it is still open, in one statement; None for an unknown token.

    A household's lookup (`staff` false) runs alone, in autocommit, on a connection of its own from the pool: no
    BEGIN and COMMIT around it (on PostgreSQL, two more round trips), and no transaction left open for the request.
    It reads the household's revision: a page given from memory (core/personal_pages.py) costs this statement and
    nothing else. A page that reads more opens its own transaction, which sees the database as it is then (as
    before: each statement of a read-committed transaction sees what was committed when it starts).

    A staff lookup runs in the request's transaction, and loads the staff member's row into the session's identity
    map: every staff page shows who is signed in, and the `db.session.get` that follows (core/auth.py) costs no
    second statement."""
    values = {"token_hash": _hash(token), **_cutoffs(now or datetime.now(UTC))}
    if staff:
        row = db.session.execute(_FIND_STAFF, values).first()
    else:
        with _autocommit(db.engine).connect() as connection:
            row = connection.execute(_FIND_HOUSEHOLD, values).first()
    if row is None:
        return None
    account = {"staff": row[6]} if staff else {"revision": row[6]}
    return SignedIn(row[0], row[1], row[2], row[3], row[4], open=bool(row[5]), **account)


def seen_lately(row: SignedIn, now: datetime | None = None) -> bool:
    """Whether the row's activity was noted within the minute (then `touch` has nothing to write)."""
    seen = row.last_seen_at
    return seen is not None and (seen if seen.tzinfo else seen.replace(tzinfo=UTC)) >= (
        now or datetime.now(UTC)) - TOUCH_EVERY


def touch(row: SignedIn, now: datetime | None = None) -> bool:
    """Note activity, at most once a minute (a conditional UPDATE: parallel requests write it once). The row as read
    says whether a minute has passed: within the minute no statement is sent at all."""
    now = now or datetime.now(UTC)
    if seen_lately(row, now):
        return False
    done = cast(CursorResult[Any], db.session.execute(update(UserSession).where(UserSession.id == row.id,
                                                        UserSession.last_seen_at < now - TOUCH_EVERY)
                              .values(last_seen_at=now), execution_options={"synchronize_session": False}))
    return bool(done.rowcount)


def end(token: str, now: datetime | None = None) -> None:
    """End the session the cookie names (signing out on this device)."""
    db.session.execute(update(UserSession).where(UserSession.token_hash == _hash(token),
                                                 UserSession.ended_at.is_(None))
                       .values(ended_at=now or datetime.now(UTC)), execution_options={"synchronize_session": False})


def end_all(*, household_id: int | None = None, staff_id: int | None = None, now: datetime | None = None) -> int:
    """End every open session of one account (a lost phone, a shared computer, an administrator's decision)."""
    assert (household_id is None) != (staff_id is None)
    owner = UserSession.household_id == household_id if household_id is not None else \
        UserSession.staff_id == staff_id
    done = cast(CursorResult[Any], db.session.execute(update(UserSession).where(owner, UserSession.ended_at.is_(None))
                              .values(ended_at=now or datetime.now(UTC)),
                              execution_options={"synchronize_session": False}))
    return int(done.rowcount or 0)


def open_by_staff(now: datetime | None = None) -> dict[int, tuple[int, datetime]]:
    """For the staff accounts page: each staff member's open sessions and when the latest was last used."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(select(UserSession.staff_id, func.count(), func.max(UserSession.last_seen_at))
                              .where(UserSession.staff_id.is_not(None), open_clause(now))
                              .group_by(UserSession.staff_id))
    return {cast(int, staff_id): (count, last) for staff_id, count, last in rows}  # the query keeps staff rows only


def closed(now: datetime) -> Any:
    """SQL: rows that can never be used again (ended, idle or too old): the retention job deletes them."""
    return ~open_clause(now)


def count_closed(now: datetime) -> int:
    return int(db.session.scalar(select(func.count()).select_from(UserSession).where(closed(now))) or 0)


def purge_closed(now: datetime) -> None:
    db.session.execute(delete(UserSession).where(closed(now)), execution_options={"synchronize_session": False})

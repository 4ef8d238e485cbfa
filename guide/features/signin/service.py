"""Household sign-in without password: a 6-digit code by SMS, or a personal one-tap link.

Codes and link tokens are random, single use, expiring, and stored only as keyed hashes. The answer to a
code request is the same whether or not the number is known; unknown numbers get no SMS.

Limits, per number and over a sliding window (SIGNIN_WINDOW_HOURS), each counted for the asking address and in all:
codes made (so a stranger cannot flood a phone nor use up its owner's codes from one or two addresses) and wrong
tries (so guessing stays hopeless, and a stranger's wrong guesses from elsewhere do not spend the owner's).
A code stays valid for its minutes whatever else is asked: any unexpired, unused code of the number signs in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from guide.core import audit, metrics
from guide.core.extensions import db
from guide.core.security import check_password, keyed_hash, new_code, new_link_token, same
from guide.core.timeutil import as_utc
from guide.core.transaction import atomic
from guide.features.phones import service as household_phones
from guide.messaging import texts
from guide.messaging.outbox import enqueue
from guide.models import Household, SignInCode, SignInGuard, SignInLink, SignInTry, StaffUser


class CodeCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # wrong, expired, used, or unknown number: one answer for all
    TOO_MANY = "too_many"  # the number's wrong tries (from this address, or in all) are used up until `retry_at`


@dataclass(frozen=True)
class CodeResult:
    status: CodeCheck
    household_id: int | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class CodeRequest:
    """The answer to "send me a code": made (and sent if the number is known), or held until `retry_at`.

    The same for a known and an unknown number: both are counted alike, so "held" says nothing about the number."""

    made: bool  # a code was made (and sent, when the number is known)
    retry_at: datetime | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def address_key(remote_addr: str | None) -> str:
    """Who asks, as the limits see it: an IPv4 address, or an IPv6 /64 (one subscriber's whole network)."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return remote_addr or ""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def find_household_by_phone(e164: str) -> Household | None:
    """The household whose file holds the number (at most one: one number, one household)."""
    return household_phones.holder(e164)


def _lock_number(phone_hash: str, now: datetime) -> None:
    """Hold the number's guard row until the transaction ends: its counts and writes happen one request at a time,
    on every process (a row lock on PostgreSQL, the write lock on SQLite)."""
    for _attempt in range(3):
        touched = cast(CursorResult[Any], db.session.execute(
            update(SignInGuard).where(SignInGuard.phone_hash == phone_hash)
            .values(touched_at=now).execution_options(synchronize_session=False)))
        if touched.rowcount == 1:
            return
        insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        db.session.execute(insert(SignInGuard).values(phone_hash=phone_hash, touched_at=now)
                           .on_conflict_do_nothing(index_elements=["phone_hash"]))
    raise RuntimeError("sign-in guard row could not be locked")


def _free_at(times: list[datetime], limit: int, window: timedelta) -> datetime | None:
    """When one more event fits under `limit` per sliding `window`, given the window's events (oldest first); None
    when it fits now."""
    if len(times) < limit:
        return None
    return as_utc(times[len(times) - limit]) + window


def _held_until(times_here: list[datetime], times_all: list[datetime], per_address: int, per_number: int,
                window: timedelta) -> datetime | None:
    held = [t for t in (_free_at(times_here, per_address, window), _free_at(times_all, per_number, window)) if t]
    return max(held) if held else None


def _window() -> timedelta:
    return timedelta(hours=current_app.config["SIGNIN_WINDOW_HOURS"])


@atomic
def request_code(e164: str, address: str) -> CodeRequest:
    """Make a code for the number and send it when the number belongs to a household, within the per-number limits
    (codes asked from this address, codes in all, over the window); past them nothing is made or sent, and the
    answer says until when. Codes already sent stay valid whatever is asked afterwards."""
    config, now = current_app.config, _now()
    phone_hash, address_hash = keyed_hash("phone", e164), keyed_hash("address", address)
    _lock_number(phone_hash, now)
    window = _window()
    rows = db.session.execute(select(SignInCode.created_at, SignInCode.address_hash).where(
        SignInCode.phone_hash == phone_hash, SignInCode.created_at >= now - window)
        .order_by(SignInCode.created_at)).all()
    held = _held_until([at for at, who in rows if who == address_hash], [at for at, _who in rows],
                       config["SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS"], config["SIGNIN_CODES_PER_NUMBER"], window)
    if held is not None:
        metrics.LIMITS_HIT.labels(limit="signin_codes_per_number").inc()
        return CodeRequest(made=False, retry_at=held)
    household = find_household_by_phone(e164)
    code = new_code()
    db.session.add(SignInCode(phone_hash=phone_hash, code_hash=keyed_hash("code", code), address_hash=address_hash,
                              household_id=household.id if household else None, created_at=now,
                              expires_at=now + timedelta(minutes=config["SIGNIN_CODE_MINUTES"])))
    if household is not None:
        body, _count = texts.render("sign_in_code", household.language, code=code)
        enqueue(e164, "sign_in_code", body, household_id=household.id, language=household.language)
        audit.record("household", household.id, "sign_in_code_sent", household_id=household.id)
    return CodeRequest(made=True)


@atomic
def check_code(e164: str, code: str, address: str) -> CodeResult:
    """Sign in with any unexpired, unused code sent to the number; wrong tries are limited per number and address
    and per number in all, over the window (wrong tries count even when the answer is no: the request's unit commits
    them with the refusal).

    A try is counted whether or not the number is known, so "too many" looks the same for every number."""
    config, now = current_app.config, _now()
    phone_hash, address_hash = keyed_hash("phone", e164), keyed_hash("address", address)
    _lock_number(phone_hash, now)
    window = _window()
    per_address, per_number = config["SIGNIN_WRONG_TRIES_PER_NUMBER_FROM_ONE_ADDRESS"], \
        config["SIGNIN_WRONG_TRIES_PER_NUMBER"]
    rows = db.session.execute(select(SignInTry.at, SignInTry.address_hash).where(
        SignInTry.phone_hash == phone_hash, SignInTry.at >= now - window).order_by(SignInTry.at)).all()
    here, every = [at for at, who in rows if who == address_hash], [at for at, _who in rows]
    held = _held_until(here, every, per_address, per_number, window)
    if held is not None:
        metrics.LIMITS_HIT.labels(limit="signin_wrong_tries").inc()
        return CodeResult(CodeCheck.TOO_MANY, retry_at=held)
    wanted = keyed_hash("code", "".join(ch for ch in code if ch.isdigit()))
    live = db.session.scalars(select(SignInCode).where(
        SignInCode.phone_hash == phone_hash, SignInCode.used_at.is_(None), SignInCode.expires_at > now,
        SignInCode.household_id.is_not(None)).order_by(SignInCode.id)).all()
    match = next((row for row in live if same(row.code_hash, wanted)), None)  # every live code compared
    if match is None:
        db.session.add(SignInTry(phone_hash=phone_hash, address_hash=address_hash, at=now))
        metrics.SIGNIN_FAILURES.labels(kind="household_code").inc()
        held = _held_until([*here, now], [*every, now], per_address, per_number, window)
        return CodeResult(CodeCheck.TOO_MANY, retry_at=held) if held else CodeResult(CodeCheck.WRONG)
    match.used_at = now
    audit.record("household", match.household_id, "sign_in", household_id=match.household_id, method="code")
    return CodeResult(CodeCheck.OK, match.household_id)


def create_link(household: Household, target: str = "/my") -> str:
    """A personal link token (to put in an SMS); only its hash is stored."""
    token = new_link_token()
    db.session.add(SignInLink(token_hash=keyed_hash("link", token), household_id=household.id, target=target,
                              expires_at=_now() + timedelta(hours=current_app.config["SIGNIN_LINK_HOURS"])))
    return token


def mint_link(household_id: int, target: str) -> str | None:
    """For the SMS outbox (`OutboxHooks.mint_link`): a link token of this household, None when it no longer exists."""
    household = db.session.get(Household, household_id)
    return None if household is None else create_link(household, target=target)


def find_link(token: str) -> SignInLink | None:
    """The link if it is valid (unused, not expired), else None."""
    link = db.session.scalars(select(SignInLink).where(SignInLink.token_hash == keyed_hash("link", token))).first()
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= _now():
        return None
    return link


@atomic
def use_link(token: str) -> SignInLink | None:
    """Spend a link (single use) and return it, or None when it is unknown, used or expired."""
    link = find_link(token)
    if link is None:
        return None
    claimed = cast(CursorResult[Any], db.session.execute(
        SignInLink.__table__.update()
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
        .values(used_at=_now())
    )).rowcount
    if claimed != 1:  # another tap spent it first
        return None
    audit.record("household", link.household_id, "sign_in", household_id=link.household_id, method="link")
    return link


# --- staff: email and password -------------------------------------------------------------------------------

@atomic
def staff_sign_in(email: str, password: str, max_failures: int, lock_minutes: int) -> StaffUser | None:
    """The active, unlocked account whose password this is (its failure count reset, the sign-in logged), or None.

    A wrong password counts against a known, unlocked account, in the database (failures sent at once to several
    processes all count); at `max_failures` the account is locked for `lock_minutes`."""
    staff = db.session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())).first()
    now = _now()
    locked = staff is not None and staff.locked_until is not None and as_utc(staff.locked_until) > now
    if check_password(staff.password_hash if staff else None, password) and staff and staff.active and not locked:
        staff.failed_logins = 0
        staff.locked_until = None
        audit.record("staff", staff.id, "staff_sign_in")
        return staff
    metrics.SIGNIN_FAILURES.labels(kind="staff_password").inc()
    if locked:
        metrics.LIMITS_HIT.labels(limit="staff_locked").inc()
    if staff is not None and not locked:
        failures = db.session.scalar(update(StaffUser).where(StaffUser.id == staff.id)
                                     .values(failed_logins=StaffUser.failed_logins + 1)
                                     .returning(StaffUser.failed_logins)
                                     .execution_options(synchronize_session=False))
        if (failures or 0) >= max_failures:
            db.session.execute(update(StaffUser).where(StaffUser.id == staff.id).values(
                failed_logins=0, locked_until=now + timedelta(minutes=lock_minutes))
                .execution_options(synchronize_session=False))
    return None

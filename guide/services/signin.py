"""Household sign-in without password: a 6-digit code by SMS, or a personal one-tap link.

Codes and link tokens are random, single use, expiring, and stored only as keyed hashes. The answer to a
code request is the same whether or not the number is known; unknown numbers get no SMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select, update

from guide.extensions import db
from guide.models import Household, HouseholdPhone, SignInCode, SignInLink
from guide.security import keyed_hash, new_code, new_token, same
from guide.services import audit
from guide.sms import texts
from guide.sms.outbox import enqueue
from guide.timeutil import as_utc


class CodeCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # wrong, expired, used, or unknown number: one answer for all
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class CodeResult:
    status: CodeCheck
    household_id: int | None = None


def _now() -> datetime:
    return datetime.now(UTC)



def find_household_by_phone(e164: str) -> Household | None:
    phone = db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.number == e164).limit(1)).first()
    return phone.household if phone else None


def request_code(e164: str) -> None:
    """Create a code for the number; send it by SMS only when the number belongs to a household."""
    config = current_app.config
    phone_hash = keyed_hash("phone", e164)
    since = _now() - timedelta(minutes=15)
    recent = db.session.scalar(select(func.count()).select_from(SignInCode)
                               .where(SignInCode.phone_hash == phone_hash, SignInCode.created_at >= since))
    household = find_household_by_phone(e164)
    if recent >= config["SIGNIN_CODES_PER_NUMBER"]:
        household = None  # past the limit nothing is sent: a code nobody received must not sign anyone in
    code = new_code()
    row = SignInCode(phone_hash=phone_hash, code_hash=keyed_hash("code", code),
                     household_id=household.id if household else None,
                     expires_at=_now() + timedelta(minutes=config["SIGNIN_CODE_MINUTES"]))
    db.session.add(row)
    if household is None:
        return
    body, _count = texts.render("sign_in_code", household.language, code=code)
    enqueue(e164, "sign_in_code", body, household_id=household.id, language=household.language)
    audit.record("household", household.id, "sign_in_code_sent", household_id=household.id)


def check_code(e164: str, code: str) -> CodeResult:
    """Check the latest code for the number; wrong tries are counted and committed by the caller."""
    config = current_app.config
    row = db.session.scalars(
        select(SignInCode).where(SignInCode.phone_hash == keyed_hash("phone", e164))
        .order_by(SignInCode.id.desc()).limit(1)
    ).first()
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= _now():
        return CodeResult(CodeCheck.WRONG)
    # every try is counted in the database before the code is compared, by one conditional UPDATE: tries sent
    # at the same time to several processes cannot share a count and get more than SIGNIN_CODE_MAX_TRIES
    counted = db.session.scalar(
        update(SignInCode).where(SignInCode.id == row.id, SignInCode.attempts < config["SIGNIN_CODE_MAX_TRIES"])
        .values(attempts=SignInCode.attempts + 1).returning(SignInCode.attempts)
        .execution_options(synchronize_session=False))
    if counted is None:
        return CodeResult(CodeCheck.TOO_MANY)
    cleaned = "".join(ch for ch in code if ch.isdigit())
    if not same(row.code_hash, keyed_hash("code", cleaned)) or row.household_id is None:
        if counted >= config["SIGNIN_CODE_MAX_TRIES"]:
            return CodeResult(CodeCheck.TOO_MANY)
        return CodeResult(CodeCheck.WRONG)
    spent = db.session.execute(update(SignInCode).where(SignInCode.id == row.id, SignInCode.used_at.is_(None))
                               .values(used_at=_now()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # the same code, used at the same moment by another request
        return CodeResult(CodeCheck.WRONG)
    audit.record("household", row.household_id, "sign_in", household_id=row.household_id, method="code")
    return CodeResult(CodeCheck.OK, row.household_id)


def create_link(household: Household, target: str = "/my") -> str:
    """A personal link token (to put in an SMS); only its hash is stored."""
    token = new_token()
    db.session.add(SignInLink(token_hash=keyed_hash("link", token), household_id=household.id, target=target,
                              expires_at=_now() + timedelta(hours=current_app.config["SIGNIN_LINK_HOURS"])))
    return token


def find_link(token: str) -> SignInLink | None:
    """The link if it is valid (unused, not expired), else None."""
    link = db.session.scalars(select(SignInLink).where(SignInLink.token_hash == keyed_hash("link", token))).first()
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= _now():
        return None
    return link


def use_link(token: str) -> SignInLink | None:
    """Spend a link (single use) and return it, or None when it is unknown, used or expired."""
    link = find_link(token)
    if link is None:
        return None
    claimed = db.session.execute(
        SignInLink.__table__.update()
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
        .values(used_at=_now())
    ).rowcount
    if claimed != 1:  # another tap spent it first
        return None
    audit.record("household", link.household_id, "sign_in", household_id=link.household_id, method="link")
    return link

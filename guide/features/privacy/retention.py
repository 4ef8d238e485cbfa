"""The retention job (`flask --app guide privacy retention`): households whose file shows no activity for
`RETENTION_ANONYMISE_DAYS` are erased (guide/features/privacy/service.py, one transaction each), then old rows are
purged or blanked in one transaction: sign-in codes, links and tries, closed sessions, SMS texts (sign-in codes
after a day, personal links once they have expired, every body after `RETENTION_SMS_DAYS`), SMS rows of no
household, conversations, and the access log after `RETENTION_ACCESS_LOG_DAYS`. With dry_run, only counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Result, delete, func, select, update

from guide.core import audit
from guide.core import sessions as user_sessions
from guide.core.extensions import db
from guide.core.security import LINK_PATH, MASKED_LINK, mask_personal_links
from guide.core.timeutil import as_utc
from guide.features.privacy.service import SECRET_KINDS, erase_household
from guide.models import (
    Appointment,
    AuditEntry,
    ContactNote,
    CourtesyVisit,
    Household,
    MediationCase,
    MoveExpense,
    PlanChange,
    Proposal,
    RequestAddition,
    SignInCode,
    SignInGuard,
    SignInLink,
    SignInTry,
    SmsInbound,
    SmsMessage,
    SmsSession,
    WrittenRequest,
)
from guide.models.sms import SmsStatus


# where a household's file shows activity: (column, household column); the latest is its "last operation".
# Not counted: SMS we sent (automatic reminders), sign-ins, staff reading the file.
def _activity_sources() -> list[tuple[Any, Any]]:
    return [
        (Household.created_at, Household.id), (Household.updated_at, Household.id),
        (Household.moved_on, Household.id), (Household.last_contact_on, Household.id),
        (Household.documents_updated_on, Household.id),
        (Appointment.starts_at, Appointment.household_id), (Appointment.updated_at, Appointment.household_id),
        (Proposal.updated_at, Proposal.household_id), (Proposal.answer_on, Proposal.household_id),
        (WrittenRequest.created_at, WrittenRequest.household_id),
        (MediationCase.updated_at, MediationCase.household_id),
        (ContactNote.on, ContactNote.household_id), (ContactNote.created_at, ContactNote.household_id),
        (PlanChange.at, PlanChange.household_id),
        (MoveExpense.updated_at, MoveExpense.household_id), (MoveExpense.refunded_on, MoveExpense.household_id),
        (CourtesyVisit.visited_on, CourtesyVisit.household_id),
        (SmsInbound.received_at, SmsInbound.household_id),
    ]


def _as_moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def last_activity() -> dict[int, datetime]:
    """Each household's last operation: the latest date anywhere in its file (appointments ahead included)."""
    latest: dict[int, datetime] = {}
    for column, owner in _activity_sources():
        for household_id, value in db.session.execute(
                select(owner, func.max(column)).where(owner.is_not(None)).group_by(owner)):
            if value is None:
                continue
            moment = _as_moment(value)
            if household_id not in latest or moment > latest[household_id]:
                latest[household_id] = moment
    additions = db.session.execute(select(WrittenRequest.household_id, func.max(RequestAddition.created_at))
                                   .join(RequestAddition, RequestAddition.request_id == WrittenRequest.id)
                                   .group_by(WrittenRequest.household_id))
    for household_id, value in additions:
        if value is not None and (household_id not in latest or _as_moment(value) > latest[household_id]):
            latest[household_id] = _as_moment(value)
    return latest


@dataclass
class RetentionResult:
    households: list[str] = field(default_factory=list)  # references anonymised (or that would be)
    failed: list[str] = field(default_factory=list)
    sign_in_codes: int = 0
    sign_in_links: int = 0
    sign_in_tries: int = 0  # wrong tries and guard rows of numbers idle past the sign-in limits' window
    sessions: int = 0  # session records that can no longer be used (ended, idle, too old)
    sms_texts: int = 0  # SMS bodies blanked or links masked
    sms_rows: int = 0  # SMS rows of no household deleted
    sms_sessions: int = 0
    access_log: int = 0


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def due_for_anonymisation(now: datetime) -> list[Household]:
    cutoff = now - timedelta(days=int(current_app.config["RETENTION_ANONYMISE_DAYS"]))
    due = [hid for hid, moment in last_activity().items() if moment < cutoff]
    if not due:
        return []
    return list(db.session.scalars(select(Household).where(Household.id.in_(due)).order_by(Household.id)))


def run_retention(now: datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """The retention job. One transaction per household erased (a failure leaves the others done and this one
    untouched), then one for the purges. With dry_run, only counts: nothing changes."""
    now = now or datetime.now(UTC)
    config = current_app.config
    result = RetentionResult()
    for household in due_for_anonymisation(now):
        reference = household.reference
        if dry_run:
            result.households.append(reference)
            continue
        try:
            erase_household(household, "system", None, reason="retention", now=now)
            db.session.commit()
            result.households.append(reference)
        except Exception:  # noqa: BLE001 - one file that cannot be erased must not stop the others
            db.session.rollback()
            current_app.logger.exception("retention: a household could not be anonymised")
            result.failed.append(reference)

    final = [s for s in SmsStatus.FINAL] + [SmsStatus.REVIEW]
    day_ago = now - timedelta(days=1)
    # the sign-in limits count codes and wrong tries of the last SIGNIN_WINDOW_HOURS: those rows stay that long
    limits_cutoff = now - max(timedelta(days=1), timedelta(hours=int(config["SIGNIN_WINDOW_HOURS"])))
    codes = (SignInCode.expires_at < limits_cutoff,)
    tries = (SignInTry.at < limits_cutoff,)
    guards = (SignInGuard.touched_at < limits_cutoff,)
    links = (SignInLink.expires_at < day_ago,)
    sms_cutoff = now - timedelta(days=int(config["RETENTION_SMS_DAYS"]))
    old_sms = (SmsMessage.household_id.is_not(None), SmsMessage.created_at < sms_cutoff, SmsMessage.status.in_(final),
               SmsMessage.body != "")
    secrets = (SmsMessage.kind.in_(SECRET_KINDS), SmsMessage.created_at < day_ago, SmsMessage.body != "",
               SmsMessage.status != SmsStatus.QUEUED)
    link_cutoff = now - timedelta(hours=int(config["SIGNIN_LINK_HOURS"])) - timedelta(days=1)
    links_in_texts = (SmsMessage.body.like(f"%{LINK_PATH}%"), ~SmsMessage.body.like(f"%{MASKED_LINK}%"),
                      SmsMessage.created_at < link_cutoff, SmsMessage.created_at >= sms_cutoff,
                      SmsMessage.status.in_(final))
    old_inbound = (SmsInbound.household_id.is_not(None), SmsInbound.received_at < sms_cutoff, SmsInbound.body != "")
    orphans_out = (SmsMessage.household_id.is_(None), SmsMessage.created_at < sms_cutoff,
                   SmsMessage.status.in_(final))
    orphans_in = (SmsInbound.household_id.is_(None), SmsInbound.received_at < sms_cutoff)
    sessions = (SmsSession.updated_at < day_ago,)
    log = (AuditEntry.at < now - timedelta(days=int(config["RETENTION_ACCESS_LOG_DAYS"])),)

    result.sign_in_codes = _count(SignInCode, *codes)
    result.sign_in_links = _count(SignInLink, *links)
    result.sign_in_tries = _count(SignInTry, *tries) + _count(SignInGuard, *guards)
    result.sessions = user_sessions.count_closed(now)
    result.sms_rows = _count(SmsMessage, *orphans_out) + _count(SmsInbound, *orphans_in)
    result.sms_sessions = _count(SmsSession, *sessions)
    result.access_log = _count(AuditEntry, *log)
    if dry_run:
        result.sms_texts = (_count(SmsMessage, *old_sms) + _count(SmsMessage, *secrets, ~SmsMessage.id.in_(
            select(SmsMessage.id).where(*old_sms))) + _count(SmsMessage, *links_in_texts)
            + _count(SmsInbound, *old_inbound))
        return result

    sync = {"synchronize_session": False}
    db.session.execute(update(SmsInbound).where(SmsInbound.reply_id.in_(select(SmsMessage.id).where(*orphans_out)))
                       .values(reply_id=None), execution_options=sync)
    db.session.execute(delete(SmsMessage).where(*orphans_out), execution_options=sync)
    db.session.execute(delete(SmsInbound).where(*orphans_in), execution_options=sync)
    texts = _changed(db.session.execute(update(SmsMessage).where(*old_sms).values(body=""), execution_options=sync))
    texts += _changed(db.session.execute(update(SmsMessage).where(*secrets).values(body=""), execution_options=sync))
    for message in db.session.scalars(select(SmsMessage).where(*links_in_texts)):
        message.body = mask_personal_links(message.body)
        texts += 1
    texts += _changed(db.session.execute(update(SmsInbound).where(*old_inbound).values(body=""),
                                       execution_options=sync))
    result.sms_texts = texts
    db.session.execute(delete(SignInCode).where(*codes), execution_options=sync)
    db.session.execute(delete(SignInLink).where(*links), execution_options=sync)
    db.session.execute(delete(SignInTry).where(*tries), execution_options=sync)
    db.session.execute(delete(SignInGuard).where(*guards), execution_options=sync)
    user_sessions.purge_closed(now)
    db.session.execute(delete(SmsSession).where(*sessions), execution_options=sync)
    db.session.execute(delete(AuditEntry).where(*log), execution_options=sync)
    audit.record("system", None, "retention", anonymised=len(result.households), access_log=result.access_log,
                 sms_texts=result.sms_texts)
    db.session.commit()
    return result


def _changed(result: Result[Any]) -> int:
    """The rows an UPDATE changed (SQLAlchemy types execute()'s result as a Result; an UPDATE's is a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount

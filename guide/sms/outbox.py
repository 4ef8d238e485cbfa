"""The SMS outbox: messages written in their cause's transaction, then sent by a dispatcher.

The dispatcher is safe to run as several processes: on PostgreSQL it claims rows with FOR UPDATE SKIP LOCKED, on
SQLite with a conditional UPDATE. Temporary failures are retried with backoff, permanent ones are not; a send
whose outcome is unknown (no answer) is looked up at Twilio before anything is sent again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from guide.extensions import db
from guide.logs import mask_number
from guide.models import HouseholdPhone, SmsMessage
from guide.models.sms import SmsStatus
from guide.sms.gateway import UNSUBSCRIBED, Gateway, SendError, make_gateway
from guide.timeutil import as_utc

log = logging.getLogger("guide.sms")
MAX_ATTEMPTS = 12  # about 6 hours of backoff (30 s doubling, capped at 1 h) before a person looks at it
STUCK_AFTER = timedelta(minutes=5)  # a "sending" row older than this belonged to a dispatcher that died
# answers to something the person just did go out at once, even in quiet hours; so do kinds starting "reply_"
# (answers to an SMS they sent). Reminders and staff messages wait for the sending hours.
SOLICITED_KINDS = frozenset({"sign_in_code", "sign_in_link", "request_receipt"})


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(to_number: str, kind: str, body: str, household_id: int | None = None,
            send_after: datetime | None = None, language: str | None = None) -> SmsMessage:
    """Add an SMS to the outbox in the current transaction (committed with the change that causes it).

    Latin-script text is folded into the GSM-7 alphabet (one segment costs less); Arabic goes as UCS-2.
    """
    from guide.sms.encoding import prepare

    if language is None:
        language = "ar" if any("\u0600" <= ch <= "\u06ff" for ch in body) else "fr"
    text, count = prepare(body, language)
    message = SmsMessage(household_id=household_id, to_number=to_number, kind=kind, body=text,
                         segments=count.segments, encoding=count.encoding, send_after=send_after or _now())
    db.session.add(message)
    if current_app.config["SMS_BACKEND"] == "log" and not current_app.config.get("SMS_LOG_QUEUES"):
        message.status = SmsStatus.LOGGED
        log.warning("SMS to %s [%s]: %s", to_number, kind, text)
        print(f"[SMS to {to_number}] {text}", flush=True)  # noqa: T201 - the log backend's whole job
    return message


_CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
_TOKEN = re.compile(r"(?<=/k/)[A-Za-z0-9_-]+")


def redact(body: str, kind: str) -> str:
    """The text as kept once its fate is settled (sent, failed, cancelled, or left to staff review): the sign-in
    code and personal-link tokens removed.

    Until then the exact text is needed (an unknown outcome is looked up by it); after that, whoever reads the
    database or a backup must not be able to sign in as the household.
    """
    if kind == "sign_in_code":
        body = _CODE.sub("******", body)
    return _TOKEN.sub("…", body)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reconciled: int = 0
    review: int = 0
    skipped: int = 0
    claimed: list[int] = field(default_factory=list)


def is_solicited(kind: str) -> bool:
    return kind in SOLICITED_KINDS or kind.startswith("reply_")


def _settle(message: SmsMessage, status: str) -> None:
    """The message's fate is known (sent, failed, cancelled, or left to staff review): it is never sent again, so
    its text is kept without the sign-in code or link token (`redact`)."""
    message.status = status
    message.body = redact(message.body, message.kind)


def _claim(limit: int, now: datetime, solicited_only: bool = False) -> list[int]:
    """Take up to `limit` due messages for this process; no two dispatchers get the same one."""
    due = (select(SmsMessage.id).where(SmsMessage.status == SmsStatus.QUEUED, SmsMessage.send_after <= now)
           .order_by(SmsMessage.send_after, SmsMessage.id).limit(limit))
    if solicited_only:
        due = due.where(SmsMessage.kind.in_(SOLICITED_KINDS) | SmsMessage.kind.startswith("reply_"))
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(due.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(update(SmsMessage).where(SmsMessage.id.in_(ids))
                               .values(status=SmsStatus.SENDING, claimed_at=now,
                                       attempts=SmsMessage.attempts + 1))
        db.session.commit()
        return ids
    # SQLite: a conditional claim per row. Another dispatcher may have read the same due rows and won them all: look
    # again rather than answer "nothing due" (which would end `dispatch --once` with messages still waiting)
    claimed: list[int] = []
    while True:
        candidates = list(db.session.scalars(due))
        for message_id in candidates:
            won = db.session.execute(update(SmsMessage).where(SmsMessage.id == message_id,
                                                              SmsMessage.status == SmsStatus.QUEUED)
                                     .values(status=SmsStatus.SENDING, claimed_at=now,
                                             attempts=SmsMessage.attempts + 1)).rowcount
            if won == 1:
                claimed.append(message_id)
        db.session.commit()
        if claimed or not candidates:
            return claimed


def _recover_stuck(now: datetime) -> None:
    """Rows left "sending" by a dispatcher that died: their outcome is unknown."""
    db.session.execute(update(SmsMessage).where(SmsMessage.status == SmsStatus.SENDING,
                                                SmsMessage.claimed_at < now - STUCK_AFTER)
                       .values(status=SmsStatus.UNKNOWN))
    db.session.commit()


def _without_consent(numbers: set[str]) -> set[str]:
    """The numbers known to us of which no phone accepts SMS (an unknown number is not refused here)."""
    if not numbers:
        return set()
    known, consenting = set(), set()
    for number, consent in db.session.execute(select(HouseholdPhone.number, HouseholdPhone.sms_consent)
                                              .where(HouseholdPhone.number.in_(numbers))):
        known.add(number)
        if consent:
            consenting.add(number)
    return known - consenting


def _status_callback() -> str | None:
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/sms/status" if base else None


def _reconcile(gateway: Gateway, message: SmsMessage, result: DispatchResult, now: datetime) -> None:
    # it cannot have been accepted before it was written
    since = as_utc(message.created_at) if message.created_at else now
    try:
        found = gateway.find(message.to_number, message.body, since)
    except SendError:
        found = None
        if message.attempts < MAX_ATTEMPTS:
            message.status = SmsStatus.UNKNOWN  # look again next round
            return
    if found is not None:
        _settle(message, SmsStatus.SENT)
        message.provider_id, message.sent_at = found.provider_id, now
        result.reconciled += 1
    elif message.attempts < MAX_ATTEMPTS:
        message.status, message.send_after = SmsStatus.QUEUED, now + backoff(message.attempts)
        result.retried += 1
    else:
        _settle(message, SmsStatus.REVIEW)
        result.review += 1


def dispatch_once(gateway: Gateway | None = None, limit: int = 100, now: datetime | None = None) -> DispatchResult:
    """Send what is due (one batch), reconcile unknown outcomes; returns what happened."""
    from guide.rules.reminders import QuietHours

    now = now or _now()
    gateway = gateway or make_gateway(current_app)
    result = DispatchResult()
    config = current_app.config
    quiet = QuietHours(start_hour=config["QUIET_START_HOUR"], end_hour=config["QUIET_END_HOUR"],
                       zone=config["TIME_ZONE"])
    _recover_stuck(now)
    for message in db.session.scalars(select(SmsMessage).where(SmsMessage.status == SmsStatus.UNKNOWN)
                                      .limit(limit)).all():
        _reconcile(gateway, message, result, now)
        db.session.commit()
    result.claimed = _claim(limit, now, solicited_only=not quiet.allowed(now))
    claimed = db.session.scalars(select(SmsMessage).where(SmsMessage.id.in_(result.claimed))
                                 .order_by(SmsMessage.send_after, SmsMessage.id)).all() if result.claimed else []
    refused = _without_consent({message.to_number for message in claimed})
    for message in claimed:
        # an answer to what the person just did goes even to a number without consent (they asked for it);
        # Twilio itself refuses a number that sent STOP (21610)
        if not is_solicited(message.kind) and message.to_number in refused:
            _settle(message, SmsStatus.CANCELLED)
            message.error_code = "opted_out"
            result.skipped += 1
        elif not _fill_link(message):
            _settle(message, SmsStatus.CANCELLED)
            message.error_code = "no_household"
            result.skipped += 1
        else:
            if message.link_target:
                db.session.commit()  # the text as sent is stored before the send: reconciliation looks for it
            _send(gateway, message, result, now)
        db.session.commit()
    return result


def _fill_link(message: SmsMessage) -> bool:
    """A scheduled reminder gets its personal link now, so the link is fresh when it arrives."""
    from guide.models import Household
    from guide.services import signin
    from guide.sms.schedule import LINK

    if not message.link_target or LINK not in message.body:
        return True
    household = db.session.get(Household, message.household_id) if message.household_id else None
    if household is None:
        return False
    token = signin.create_link(household, target=message.link_target)
    message.body = message.body.replace(LINK, f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/k/{token}")
    return True


def _send(gateway: Gateway, message: SmsMessage, result: DispatchResult, now: datetime) -> None:
    try:
        sent = gateway.send(message.to_number, message.body, _status_callback())
    except SendError as error:
        message.error_code = str(error.code) if error.code else ("unknown" if error.unknown else "error")
        # the number masked, never the text: outside the `log` backend these lines are about delivery, not content
        log.warning("SMS %s [%s] to %s not sent: %s%s", message.id, message.kind, mask_number(message.to_number),
                    message.error_code, " (permanent)" if error.permanent else "")
        if error.permanent:
            _settle(message, SmsStatus.FAILED)
            result.failed += 1
            if error.code == UNSUBSCRIBED:  # the person sent STOP: mirror it locally
                from guide.services.consent import set_sms_consent

                set_sms_consent(message.to_number, False, now)
        elif error.unknown:
            message.status = SmsStatus.UNKNOWN
            db.session.flush()
            _reconcile(gateway, message, result, now)
        elif message.attempts < MAX_ATTEMPTS:
            message.status, message.send_after = SmsStatus.QUEUED, now + backoff(message.attempts)
            result.retried += 1
        else:
            _settle(message, SmsStatus.REVIEW)
            result.review += 1
        return
    _settle(message, SmsStatus.SENT)
    message.provider_id, message.sent_at = sent.provider_id, now
    result.sent += 1
    log.info("SMS %s [%s] sent to %s", message.id, message.kind, mask_number(message.to_number))


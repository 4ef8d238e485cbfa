"""The SMS outbox: messages written in their cause's transaction, then sent by a dispatcher.

The dispatcher is safe to run as several processes: each claims rows with a conditional UPDATE (on PostgreSQL
under one advisory lock, skipping rows other transactions hold), and sends a claimed row only while it still holds
it (its lease). Temporary failures are retried with backoff, permanent ones are not; a send whose outcome is unknown
(no answer) is looked up at Twilio before anything is sent again.

Exactly once, with identical texts too: no two messages to one number are in flight at once (sending, or looked
up), so when a row looks its lost answer up, the only texts at Twilio that no row owns yet are its own; a Twilio
message settles at most one row (ux_sms_message_provider_id).

The outbox is infrastructure: it imports no feature. What it needs from them (minting a personal link, recording
that a number opted out) is handed in when the app is created (`install`, `OutboxHooks`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

from flask import Flask, current_app
from sqlalchemy import ColumnElement, CursorResult, func, literal, select, update

from guide.core.extensions import db
from guide.core.logs import mask_number
from guide.core.security import mask_personal_links
from guide.core.timeutil import as_utc
from guide.messaging.encoding import prepare
from guide.messaging.gateway import UNSUBSCRIBED, Gateway, SendError, make_gateway
from guide.models import HouseholdPhone, SmsMessage
from guide.models.sms import SmsStatus
from guide.rules.reminders import QuietHours

log = logging.getLogger("guide.messaging")
# a message is given up (left to staff, shown as not arrived) after MAX_ATTEMPTS tries spread over GIVE_UP_AFTER at
# least (backoff: 30 s doubling, capped at 1 h): tries that fail in quick succession do not use up its chances
MAX_ATTEMPTS = 12
GIVE_UP_AFTER = timedelta(hours=6)
STUCK_AFTER = timedelta(minutes=5)  # a "sending" row whose lease is older belonged to a dispatcher that died
IN_FLIGHT = (SmsStatus.SENDING, SmsStatus.UNKNOWN)  # sent or being looked up: its fate is not known yet
CLAIM_LOCK = 0x534D53  # PostgreSQL advisory lock: one claim at a time, so no number gets two rows in flight
# answers to something the person just did go out at once, even in quiet hours; so do kinds starting "reply_"
# (answers to an SMS they sent). Reminders and staff messages wait for the sending hours.
SOLICITED_KINDS = frozenset({"sign_in_code", "sign_in_link", "request_receipt"})
LINK = "{link}"  # in a queued text with a `link_target`: replaced by a freshly minted personal link at send time


@dataclass(frozen=True)
class OutboxHooks:
    """What the dispatcher needs from the features, handed in at app creation (`install`).

    - `mint_link(household_id, target)`: a new personal-link token of the household opening `target`, added to the
      current transaction (committed before the SMS goes); None when the household no longer exists.
    - `record_opt_out(number, now)`: Twilio refused the number because its owner sent STOP (error 21610): record
      that it accepts no SMS any more, in the current transaction.
    """

    mint_link: Callable[[int, str], str | None]
    record_opt_out: Callable[[str, datetime], None]


_HOOKS = "guide.messaging.outbox"  # key in app.extensions


def install(app: Flask, hooks: OutboxHooks) -> None:
    """Hand the outbox what it needs from the features (called once by `create_app`)."""
    app.extensions[_HOOKS] = hooks


def _hooks() -> OutboxHooks:
    """The app's hooks; without them the dispatcher refuses to start rather than send a reminder without its link."""
    hooks = current_app.extensions.get(_HOOKS)
    if hooks is None:
        raise RuntimeError("the SMS outbox has no hooks: call guide.messaging.outbox.install(app, OutboxHooks(...)) "
                           "when the app is created")
    return hooks


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(to_number: str, kind: str, body: str, household_id: int | None = None,
            send_after: datetime | None = None, language: str | None = None) -> SmsMessage:
    """Add an SMS to the outbox in the current transaction (committed with the change that causes it).

    Latin-script text is folded into the GSM-7 alphabet (one segment costs less); Arabic goes as UCS-2.
    """
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


def redact(body: str, kind: str) -> str:
    """The text as kept once its fate is settled (sent, failed, cancelled, or left to staff review): the sign-in
    code and personal-link tokens removed.

    Until then the exact text is needed (an unknown outcome is looked up by it); after that, whoever reads the
    database or a backup must not be able to sign in as the household.
    """
    if kind == "sign_in_code":
        body = _CODE.sub("******", body)
    return mask_personal_links(body)


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


def gives_up(message: SmsMessage, now: datetime) -> bool:
    """After a failed try: is it the last one? (MAX_ATTEMPTS tries, over GIVE_UP_AFTER at least.)"""
    first = as_utc(message.first_attempt_at) if message.first_attempt_at else now
    return message.attempts >= MAX_ATTEMPTS and now - first >= GIVE_UP_AFTER


def _give_up(message: SmsMessage, result: DispatchResult) -> None:
    """No more tries: staff see it among the SMS that did not arrive, with the advice to call."""
    _settle(message, SmsStatus.REVIEW)
    result.review += 1
    log.warning("SMS %s [%s] to %s given up after %s attempts", message.id, message.kind,
                mask_number(message.to_number), message.attempts)


def _number_free() -> ColumnElement[bool]:
    """No row to the same number is in flight (for a queued row: no other row). The numbers in flight are few: the
    subquery is computed once per statement."""
    return SmsMessage.to_number.not_in(select(SmsMessage.to_number).where(SmsMessage.status.in_(IN_FLIGHT))
                                       .scalar_subquery())


def _claim(limit: int, now: datetime, solicited_only: bool = False, lease: str | None = None) -> list[int]:
    """Take up to `limit` due messages for this process (at most one per number, none to a number that has one in
    flight); no two dispatchers get the same one. Each gets the lease `lease` and one more attempt; returns their
    ids in id order."""
    lease = lease or uuid4().hex
    due = (select(SmsMessage.id, SmsMessage.to_number)
           .where(SmsMessage.status == SmsStatus.QUEUED, SmsMessage.send_after <= now, _number_free())
           .order_by(SmsMessage.send_after, SmsMessage.id).limit(limit))
    if solicited_only:
        due = due.where(SmsMessage.kind.in_(SOLICITED_KINDS) | SmsMessage.kind.startswith("reply_"))
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:  # rows another transaction holds (another claim, a reminder being moved) are skipped, not awaited
        due = due.with_for_update(skip_locked=True)
    first = func.coalesce(SmsMessage.first_attempt_at, literal(now, SmsMessage.first_attempt_at.type))
    # Another dispatcher may have read the same due rows and won them all: look again rather than answer "nothing
    # due" (which would end `dispatch --once` with messages still waiting)
    while True:
        if postgresql:  # claims one at a time: each sees the rows the previous one put in flight (READ COMMITTED)
            db.session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
        candidates = list(db.session.execute(due))
        chosen: dict[str, int] = {}
        for message_id, number in candidates:
            chosen.setdefault(number, message_id)  # one row per number at a time, the one due first
        # conditional: still queued, its number still free (on SQLite another process may have claimed since we read)
        claimed = sorted(db.session.scalars(
            update(SmsMessage).where(SmsMessage.id.in_(list(chosen.values())), SmsMessage.status == SmsStatus.QUEUED,
                                     _number_free())
            .values(status=SmsStatus.SENDING, claimed_at=now, lease=lease, attempts=SmsMessage.attempts + 1,
                    first_attempt_at=first)
            .returning(SmsMessage.id).execution_options(synchronize_session=False))) if chosen else []
        db.session.commit()
        if claimed or not candidates:
            return claimed


def _hold(message_id: int, from_status: str, lease: str, at: datetime) -> bool:
    """Take or renew the lease on one row (committed before any call to Twilio): False if another dispatcher has
    it now, or it was declared stuck meanwhile."""
    held = update(SmsMessage).where(SmsMessage.id == message_id, SmsMessage.status == from_status)
    if from_status == SmsStatus.SENDING:
        held = held.where(SmsMessage.lease == lease)
    won = cast(CursorResult[Any], db.session.execute(
        held
        .values(status=SmsStatus.SENDING, claimed_at=at, lease=lease)
        .execution_options(synchronize_session=False))).rowcount
    db.session.commit()
    return won == 1


def _recover_stuck(now: datetime) -> None:
    """Rows left "sending" by a dispatcher that died: their outcome is unknown."""
    db.session.execute(update(SmsMessage).where(SmsMessage.status == SmsStatus.SENDING,
                                                SmsMessage.claimed_at < now - STUCK_AFTER)
                       .values(status=SmsStatus.UNKNOWN, lease=None))
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
    """An unknown outcome: look the text up at Twilio. No other row to this number is in flight (see `_claim`), so a
    matching message that no row owns yet is this row's own; one that another row owns is not."""
    # it cannot have been accepted before it was written
    since = as_utc(message.created_at) if message.created_at else now
    try:
        candidates = gateway.lookup(message.to_number, message.body, since)
    except SendError:
        candidates = []
        if not gives_up(message, now):
            message.status = SmsStatus.UNKNOWN  # look again next round
            return
    owned = set(db.session.scalars(select(SmsMessage.provider_id).where(
        SmsMessage.provider_id.in_([c.provider_id for c in candidates]), SmsMessage.id != message.id))) \
        if candidates else set()
    found = next((candidate for candidate in candidates if candidate.provider_id not in owned), None)
    if found is not None:
        _settle(message, SmsStatus.SENT)
        message.provider_id, message.sent_at = found.provider_id, now
        result.reconciled += 1
    elif not gives_up(message, now):
        message.status, message.send_after = SmsStatus.QUEUED, now + backoff(message.attempts)
        result.retried += 1
    else:
        _give_up(message, result)


def dispatch_once(gateway: Gateway | None = None, limit: int = 100, now: datetime | None = None) -> DispatchResult:
    """Send what is due (one batch), reconcile unknown outcomes; returns what happened.

    `now` (tests) fixes the clock of the whole round; without it each lease is renewed at the real time."""
    hooks = _hooks()  # before anything is claimed
    fixed = now is not None
    now = (now or _now()).astimezone(UTC)  # SQLite keeps the wall time of an aware datetime, not its zone
    gateway = gateway or make_gateway(current_app)
    result = DispatchResult()
    config = current_app.config
    quiet = QuietHours(start_hour=config["QUIET_START_HOUR"], end_hour=config["QUIET_END_HOUR"],
                       zone=config["TIME_ZONE"])
    lease = uuid4().hex
    _recover_stuck(now)
    unknown = db.session.scalars(select(SmsMessage.id).where(SmsMessage.status == SmsStatus.UNKNOWN)
                                 .order_by(SmsMessage.id).limit(limit)).all()
    for message_id in unknown:
        if _hold(message_id, SmsStatus.UNKNOWN, lease, now if fixed else _now()):  # another may look it up first
            _reconcile(gateway, db.session.get_one(SmsMessage, message_id), result, now)
            db.session.commit()
    if not fixed:
        now = _now()  # the look-ups may have taken a while: the leases start now
    result.claimed = _claim(limit, now, solicited_only=not quiet.allowed(now), lease=lease)
    claimed = db.session.scalars(select(SmsMessage).where(SmsMessage.id.in_(result.claimed))
                                 .order_by(SmsMessage.send_after, SmsMessage.id)).all() if result.claimed else []
    refused = _without_consent({message.to_number for message in claimed})
    for message in claimed:
        at = now if fixed else _now()
        # a row claimed a while ago (a slow batch) may have been declared stuck by another dispatcher: renew its lease
        # before the send, or leave it to the one that looks it up now
        if at - now >= STUCK_AFTER / 2 and not _hold(message.id, SmsStatus.SENDING, lease, at):
            continue
        # an answer to what the person just did goes even to a number without consent (they asked for it);
        # Twilio itself refuses a number that sent STOP (21610)
        if not is_solicited(message.kind) and message.to_number in refused:
            _settle(message, SmsStatus.CANCELLED)
            message.error_code = "opted_out"
            result.skipped += 1
        elif not _fill_link(message, hooks):
            _settle(message, SmsStatus.CANCELLED)
            message.error_code = "no_household"
            result.skipped += 1
        else:
            if message.link_target:
                db.session.commit()  # the text as sent is stored before the send: reconciliation looks for it
            _send(gateway, message, result, now, hooks)
        db.session.commit()
    return result


def _fill_link(message: SmsMessage, hooks: OutboxHooks) -> bool:
    """A scheduled reminder gets its personal link now, so the link is fresh when it arrives. False when its
    household no longer exists."""
    if not message.link_target or LINK not in message.body:
        return True
    token = hooks.mint_link(message.household_id, message.link_target) if message.household_id else None
    if token is None:
        return False
    message.body = message.body.replace(LINK, f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/k/{token}")
    return True


def _send(gateway: Gateway, message: SmsMessage, result: DispatchResult, now: datetime, hooks: OutboxHooks) -> None:
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
                hooks.record_opt_out(message.to_number, now)
        elif error.unknown:
            message.status = SmsStatus.UNKNOWN
            db.session.flush()
            _reconcile(gateway, message, result, now)
        elif not gives_up(message, now):
            message.status, message.send_after = SmsStatus.QUEUED, now + backoff(message.attempts)
            result.retried += 1
        else:
            _give_up(message, result)
        return
    _settle(message, SmsStatus.SENT)
    message.provider_id, message.sent_at = sent.provider_id, now
    result.sent += 1
    log.info("SMS %s [%s] sent to %s", message.id, message.kind, mask_number(message.to_number))


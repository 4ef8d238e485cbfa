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

import contextlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

from flask import Flask, current_app
from sqlalchemy import ColumnElement, CursorResult, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import distinct_on

from guide.core.extensions import db
from guide.core.logs import mask_number
from guide.core.security import mask_personal_links
from guide.core.timeutil import as_utc
from guide.messaging.encoding import prepare
from guide.messaging.gateway import UNSUBSCRIBED, Gateway, SendError, Sent, make_gateway
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
    released: int = 0  # claimed, not sent, put back in the queue (the dispatcher was stopping)
    claimed: list[int] = field(default_factory=list)


def is_solicited(kind: str) -> bool:
    return kind in SOLICITED_KINDS or kind.startswith("reply_")


def _settled(status: str, body: str, kind: str) -> dict[str, Any]:
    """What a row holds once its fate is known (sent, failed, cancelled, or left to staff review): it is never sent
    again, so its text is kept without the sign-in code or link token (`redact`). For one row (`_settle`) or for
    many in one UPDATE (`_Batch._record`)."""
    return {"status": status, "body": redact(body, kind)}


def _settle(message: SmsMessage, status: str) -> None:
    for name, value in _settled(status, message.body, message.kind).items():
        setattr(message, name, value)


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
    due = (select(SmsMessage.id, SmsMessage.to_number, SmsMessage.send_after)
           .where(SmsMessage.status == SmsStatus.QUEUED, SmsMessage.send_after <= now, _number_free())
           .order_by(SmsMessage.send_after, SmsMessage.id).limit(limit))
    if solicited_only:
        due = due.where(SmsMessage.kind.in_(SOLICITED_KINDS) | SmsMessage.kind.startswith("reply_"))
    first = func.coalesce(SmsMessage.first_attempt_at, literal(now, SmsMessage.first_attempt_at.type))
    claim = (update(SmsMessage)
             .values(status=SmsStatus.SENDING, claimed_at=now, lease=lease, attempts=SmsMessage.attempts + 1,
                     first_attempt_at=first)
             .returning(SmsMessage.id).execution_options(synchronize_session=False))
    if db.engine.dialect.name == "postgresql":
        # one statement: the due rows no other transaction holds (another claim, a reminder being moved: skipped, not
        # awaited), the first one of each number, claimed. Claims take turns (the advisory lock, until the commit):
        # each sees the rows the previous one put in flight (READ COMMITTED: a new snapshot after the lock)
        locked = due.with_for_update(skip_locked=True).subquery()
        first_of_each_number = (select(locked.c.id).ext(distinct_on(locked.c.to_number))
                                .order_by(locked.c.to_number, locked.c.send_after, locked.c.id))
        db.session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))
        claimed = sorted(db.session.scalars(claim.where(SmsMessage.id.in_(first_of_each_number),
                                                        SmsMessage.status == SmsStatus.QUEUED)))
        db.session.commit()
        return claimed
    # SQLite: read, then a conditional UPDATE (still queued, its number still free: another process may have claimed
    # since we read). Another dispatcher may have won all the rows read: look again rather than answer "nothing due"
    # (which would end `dispatch --once` with messages still waiting)
    while True:
        candidates = list(db.session.execute(due))
        chosen: dict[str, int] = {}
        for message_id, number, _ in candidates:
            chosen.setdefault(number, message_id)  # one row per number at a time, the one due first
        claimed = sorted(db.session.scalars(
            claim.where(SmsMessage.id.in_(list(chosen.values())), SmsMessage.status == SmsStatus.QUEUED,
                        _number_free()))) if chosen else []
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


def dispatch_once(gateway: Gateway | None = None, limit: int = 100, now: datetime | None = None,
                  senders: int = 1, stop: Callable[[], bool] | None = None) -> DispatchResult:
    """Send what is due (one batch), reconcile unknown outcomes; returns what happened.

    `now` (tests) fixes the clock of the whole round; without it each lease is renewed at the real time.
    `senders`: how many sends are at Twilio at once (threads that only talk HTTP; the database stays in this
    thread). The fates are committed in batches (every SETTLE_EVERY messages or SETTLE_SECONDS): a process that dies
    before a commit leaves its rows "sending", found stuck and looked up at Twilio like any lost answer.
    `stop()` true (SIGTERM, Ctrl-C): no new send starts; the sends under way finish and are recorded, the rows
    claimed and not sent go back to the queue as they were (`_release`). Nothing is left "sending"."""
    hooks = _hooks()  # before anything is claimed
    stopping = stop or (lambda: False)
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
        if stopping():
            break
        if _hold(message_id, SmsStatus.UNKNOWN, lease, now if fixed else _now()):  # another may look it up first
            _reconcile(gateway, db.session.get_one(SmsMessage, message_id), result, now)
            db.session.commit()
    if stopping():
        return result
    if not fixed:
        now = _now()  # the look-ups may have taken a while: the leases start now
    result.claimed = _claim(limit, now, solicited_only=not quiet.allowed(now), lease=lease)
    claimed = db.session.scalars(select(SmsMessage).where(SmsMessage.id.in_(result.claimed))
                                 .order_by(SmsMessage.send_after, SmsMessage.id)).all() if result.claimed else []
    to_send = _prepare(claimed, hooks, result)
    batch = _Batch(gateway, result, now, hooks, max(1, senders))
    try:
        for message in to_send:
            batch.make_room()
            if stopping():
                break
            at = now if fixed else _now()
            # a row claimed a while ago (a slow batch) may have been declared stuck by another dispatcher: renew its
            # lease before the send, or leave it to the one that looks it up now
            if at - now >= STUCK_AFTER / 2 and not _hold(message.id, SmsStatus.SENDING, lease, at):
                batch.skip(message)
                continue
            batch.start(message)
    except Exception:
        db.session.rollback()  # fates not committed: those rows stay "sending" (looked up once found stuck), but
        # the sends that went through and were not written yet are still known: `_wind_up` writes them
        with contextlib.suppress(Exception):  # the error above is the one to report
            _wind_up(batch, to_send, lease)  # the sends under way are recorded, what was not started goes back
        raise
    _wind_up(batch, to_send, lease)
    return result


def _wind_up(batch: _Batch, to_send: list[_Outgoing], lease: str) -> None:
    batch.finish()
    batch.result.released += _release([message.id for message in to_send if not batch.handled(message)], lease)
    db.session.commit()


SETTLE_EVERY = 50  # fates recorded per commit at most ...
SETTLE_SECONDS = 0.5  # ... and at least this often: a short write transaction (SQLite has one writer at a time)


@dataclass(frozen=True)
class _Outgoing:
    """A claimed message as it is sent: its text is the one stored (a lost answer is looked up by it). Plain values,
    not the ORM row: the commits of a batch expire the rows, and reading one again would cost a query each."""

    id: int
    to_number: str
    body: str
    kind: str


def _prepare(claimed: Sequence[SmsMessage], hooks: OutboxHooks, result: DispatchResult) -> list[_Outgoing]:
    """Cancel what must not go (no consent, household gone) and give scheduled reminders their link; one commit
    stores the texts as they will be sent (reconciliation looks for them). Returns the messages to send."""
    refused = _without_consent({message.to_number for message in claimed})
    to_send = []
    for message in claimed:
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
            to_send.append(_Outgoing(message.id, message.to_number, message.body, message.kind))
    db.session.commit()
    return to_send


class _Batch:
    """Sends under way (at most `senders` at once, each in a thread that only talks HTTP) and their fates, recorded
    in this thread and committed every SETTLE_EVERY messages or SETTLE_SECONDS.

    The messages sent are settled together: one UPDATE of their rows by id (an executemany) before each commit. A
    failed send is rare: its row is read again and handled one by one (`_failed`)."""

    def __init__(self, gateway: Gateway, result: DispatchResult, now: datetime, hooks: OutboxHooks,
                 senders: int) -> None:
        self.gateway, self.result, self.now, self.hooks, self.senders = gateway, result, now, hooks, senders
        self.pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="sms-send") if senders > 1 else None
        self.running: dict[Future[Sent], _Outgoing] = {}
        self.done: set[int] = set()
        self.sent: list[dict[str, Any]] = []  # fates of the messages sent, not written yet
        self.unsettled, self.last_commit = 0, time.monotonic()
        self.callback = _status_callback()

    def start(self, message: _Outgoing) -> None:
        self.done.add(message.id)
        if self.pool is None:  # one at a time: the send in this thread
            try:
                sent = self.gateway.send(message.to_number, message.body, self.callback)
            except SendError as error:
                self._record(message, error)
            else:
                self._record(message, sent)
            return
        self.running[self.pool.submit(self.gateway.send, message.to_number, message.body, self.callback)] = message

    def skip(self, message: _Outgoing) -> None:
        self.done.add(message.id)  # another dispatcher holds it now

    def handled(self, message: _Outgoing) -> bool:
        return message.id in self.done

    def make_room(self) -> None:
        """Wait until fewer than `senders` sends are under way (recording those that ended)."""
        while len(self.running) >= self.senders:
            finished, _ = wait(self.running, timeout=0.2, return_when=FIRST_COMPLETED)
            self._collect(finished)

    def finish(self) -> None:
        while self.running:
            finished, _ = wait(self.running, timeout=0.2, return_when=FIRST_COMPLETED)
            self._collect(finished)
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self._write_sent()
        db.session.commit()

    def _collect(self, finished: set[Future[Sent]]) -> None:
        for future in finished:
            message = self.running.pop(future)
            error = future.exception()
            if error is not None and not isinstance(error, SendError):
                raise error
            self._record(message, error if isinstance(error, SendError) else future.result())

    def _record(self, message: _Outgoing, outcome: Sent | SendError) -> None:
        if isinstance(outcome, SendError):
            self._write_sent()  # a look-up below must see which Twilio messages the rows sent so far own
            _failed(self.gateway, db.session.get_one(SmsMessage, message.id), outcome, self.result, self.now,
                    self.hooks)
        else:
            self.sent.append({"id": message.id, **_settled(SmsStatus.SENT, message.body, message.kind),
                              "provider_id": outcome.provider_id, "sent_at": self.now})
            self.result.sent += 1
            log.info("SMS %s [%s] sent to %s", message.id, message.kind, mask_number(message.to_number))
        self.unsettled += 1
        if self.unsettled >= SETTLE_EVERY or time.monotonic() - self.last_commit >= SETTLE_SECONDS:
            self._write_sent()
            db.session.commit()
            self.unsettled, self.last_commit = 0, time.monotonic()

    def _write_sent(self) -> None:
        """The fates of the messages sent since the last write, in one UPDATE by id (in the current transaction)."""
        if self.sent:
            db.session.execute(update(SmsMessage).execution_options(synchronize_session=False), self.sent)
            self.sent = []


def _release(message_ids: list[int], lease: str) -> int:
    """Rows claimed by this round and not sent (the dispatcher is stopping): back in the queue as before the claim,
    if this round still holds them."""
    if not message_ids:
        return 0
    released = cast(CursorResult[Any], db.session.execute(
        update(SmsMessage).where(SmsMessage.id.in_(message_ids), SmsMessage.status == SmsStatus.SENDING,
                                 SmsMessage.lease == lease)
        .values(status=SmsStatus.QUEUED, lease=None, claimed_at=None, attempts=SmsMessage.attempts - 1,
                first_attempt_at=case((SmsMessage.attempts <= 1, None), else_=SmsMessage.first_attempt_at))
        .execution_options(synchronize_session=False))).rowcount
    log.info("%s claimed SMS put back in the queue (the dispatcher is stopping)", released)
    return released


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


def _failed(gateway: Gateway, message: SmsMessage, error: SendError, result: DispatchResult, now: datetime,
            hooks: OutboxHooks) -> None:
    """A send that did not go through: permanent (failed), unknown outcome (looked up), or retried later."""
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


@dataclass(frozen=True)
class OutboxHealth:
    """The outbox at a glance (/healthz, /metrics). `stuck`: a message that may go now has waited more than
    OUTBOX_STUCK_MINUTES and no SMS went out meanwhile (no dispatcher running, or each round failing). A morning
    backlog after the quiet hours is not stuck: messages go out."""

    by_status: dict[str, int]
    oldest_due_seconds: float
    stuck: bool


def health(now: datetime | None = None) -> OutboxHealth:
    now = (now or _now()).astimezone(UTC)
    config = current_app.config
    quiet = QuietHours(start_hour=config["QUIET_START_HOUR"], end_hour=config["QUIET_END_HOUR"],
                       zone=config["TIME_ZONE"])
    pending = (SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.UNKNOWN, SmsStatus.REVIEW)
    by_status = {status: 0 for status in pending}
    for status, count in db.session.execute(select(SmsMessage.status, func.count()).where(
            SmsMessage.status.in_(pending)).group_by(SmsMessage.status)):
        by_status[status] = count
    due = select(func.min(SmsMessage.send_after)).where(SmsMessage.status == SmsStatus.QUEUED,
                                                        SmsMessage.send_after <= now)
    if not quiet.allowed(now):  # only the answers to what someone just did may go now
        due = due.where(SmsMessage.kind.in_(SOLICITED_KINDS) | SmsMessage.kind.startswith("reply_"))
    oldest = db.session.scalar(due)
    age = max(0.0, (now - as_utc(oldest)).total_seconds()) if oldest else 0.0
    limit = timedelta(minutes=config["OUTBOX_STUCK_MINUTES"])
    stuck = False
    if age > limit.total_seconds():
        last_sent = db.session.scalar(select(func.max(SmsMessage.sent_at)))
        stuck = last_sent is None or now - as_utc(last_sent) > limit
    return OutboxHealth(by_status, age, stuck)


def metric_families() -> list[Any]:
    """For /metrics, read at each scrape: the outbox by status, the oldest sendable message's age, stuck or not,
    and the SMS of the last 24 hours by status and Twilio error code."""
    from prometheus_client.core import GaugeMetricFamily  # noqa: PLC0415 - only a scrape needs it

    state = health()
    depth = GaugeMetricFamily("guide_outbox_messages", "SMS in the outbox not settled yet, by status.",
                              labels=["status"])
    for status, count in state.by_status.items():
        depth.add_metric([status], count)
    oldest = GaugeMetricFamily("guide_outbox_oldest_due_seconds",
                               "Age of the oldest SMS that may go now and waits in the queue (0: none).")
    oldest.add_metric([], state.oldest_due_seconds)
    stuck = GaugeMetricFamily("guide_outbox_stuck", "1 when the outbox is stuck (see /healthz), else 0.")
    stuck.add_metric([], 1 if state.stuck else 0)
    recent = GaugeMetricFamily("guide_sms_last_24h", "SMS written in the last 24 hours, by status (sent, "
                               "delivered, undelivered, failed, review, cancelled...) and Twilio error code.",
                               labels=["status", "error_code"])
    since = _now() - timedelta(hours=24)
    for status, code, count in db.session.execute(
            select(SmsMessage.status, SmsMessage.error_code, func.count()).where(SmsMessage.created_at >= since)
            .group_by(SmsMessage.status, SmsMessage.error_code)):
        recent.add_metric([status, code or ""], count)
    return [depth, oldest, stuck, recent]

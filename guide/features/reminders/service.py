"""Reminders computed from the data and kept in the outbox: moved when their cause moves, withdrawn when it goes.

The wanted reminders of a household are a pure function of its rows (appointments, proposals awaiting an answer,
documents date, move date, the phones that accept SMS, its language) and of the clock: `guide.rules.reminders`
says when. `sync` compares them with the reminder rows already queued and only writes the difference:

- a wanted reminder with no row yet is queued (one queued row per key: a unique partial index stops two
  schedulers racing from queuing it twice);
- a queued row still wanted but with another moment or text (language changed) is updated;
- a queued row no longer wanted (appointment cancelled or moved, answer given, number opted out) is cancelled;
- a reminder already sent is never queued again.

A reminder's key names its cause and the moment it is about ("appt:12@202611241300:appointment_soon:+336..."),
so a moved appointment gets new reminders even when the old ones went out.

`sync` runs in the transaction that changes a household's data (session hooks, `install`), so a reminder is
written or withdrawn with its cause; `flask --app guide sms schedule` runs it for every household (a safety net,
e.g. nightly, and what the bench measures). The texts carry "{link}": the personal link is minted when the SMS
is sent, so it has not expired by then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Row, Select, bindparam, event, select, update
from sqlalchemy.orm import QueryableAttribute, Session

from guide.core.events import record_changed
from guide.core.extensions import db
from guide.core.security import LINK_TOKEN_CHARS
from guide.features.reminders import bulk
from guide.features.reminders.bulk import Wanted
from guide.messaging.encoding import prepare
from guide.messaging.texts import texts
from guide.models import Appointment, Household, HouseholdPhone, Proposal, SmsMessage
from guide.models.proposal import AppointmentStatus, ProposalStatus
from guide.models.sms import SmsStatus
from guide.rules import deadlines, open_days
from guide.rules.reminders import (
    QuietHours,
    ReminderKind,
    answer_deadline_reminders,
    appointment_reminders,
    documents_reminder,
    survey_invitation,
)

CHUNK = 500  # household ids per IN (...) query
_ACTIVE_APPOINTMENT = (AppointmentStatus.PLANNED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHANGE_ASKED)
_TEXT_OF = {  # reminder kind -> text kind in content/<lang>/sms.yaml
    ReminderKind.APPOINTMENT_DAY_BEFORE: "appointment_day_before",
    ReminderKind.APPOINTMENT_SOON: "appointment_soon",
    ReminderKind.ANSWER_3_DAYS: "answer_3_days",
    ReminderKind.ANSWER_1_DAY: "answer_1_day",
    ReminderKind.DOCUMENTS_DUE: "documents_due",
    ReminderKind.COURTESY_VISIT_2_MONTHS: "courtesy_visit",
    ReminderKind.COURTESY_VISIT_4_MONTHS: "courtesy_visit",
    ReminderKind.COURTESY_VISIT_6_MONTHS: "courtesy_visit",
    ReminderKind.SATISFACTION_SURVEY: "survey",
}
_DATE_FORMAT = {"tr": "%d.%m.%Y"}  # numeric dates: short, and read the same way by every reader


@dataclass
class SyncResult:
    wanted: int = 0
    queued: int = 0
    moved: int = 0
    withdrawn: int = 0
    unchanged: int = 0


def quiet_hours() -> QuietHours:
    config = current_app.config
    return QuietHours(start_hour=config["QUIET_START_HOUR"], end_hour=config["QUIET_END_HOUR"],
                      zone=config["TIME_ZONE"])


def sms_date(day: date, lang: str) -> str:
    return day.strftime(_DATE_FORMAT.get(lang, "%d/%m/%Y"))


class _Texts:
    """Each text prepared once per (language, kind); dates and times (ASCII digits) are filled in afterwards.

    Dates ("30/09/2026") and times ("14:30") always have the same length, and the link is counted at its real
    length, so the segment count of the template holds for every filled text.
    """

    def __init__(self, link_length: int) -> None:
        self.dummy = {"date": "00/00/0000", "time": "00:00", "open_date": "00/00/0000", "link": "x" * link_length}
        self.cache: dict[tuple[str, str], tuple[str, int, str]] = {}

    def body(self, lang: str, kind: str, day: str = "", hour: str = "", open_day: str = "") -> tuple[str, int, str]:
        found = self.cache.get((lang, kind))
        if found is None:
            template = texts(lang).get(kind) or texts("fr")[kind]
            prepared, _ = prepare(template, lang)
            if any(f"{{{name}}}" in template and f"{{{name}}}" not in prepared for name in self.dummy):
                raise ValueError(f"a placeholder of {lang}.{kind} did not survive the GSM-7 folding")
            _, count = prepare(prepared.format(**self.dummy), lang)
            found = self.cache[(lang, kind)] = (prepared, count.segments, count.encoding)
        prepared, segments, encoding = found
        body = prepared.replace("{date}", day).replace("{time}", hour).replace("{open_date}", open_day)
        return body, segments, encoding


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _rows(statement: Select[*tuple[Any, ...]], household_ids: list[int] | None,
          column: QueryableAttribute[Any]) -> Sequence[Row[*tuple[Any, ...]]]:
    """Plain rows through the session's connection (no ORM loading: 100,000s of rows)."""
    connection = db.session.connection()
    if household_ids is None:
        return connection.execute(statement).all()
    found: list[Row[*tuple[Any, ...]]] = []
    for chunk in _chunks(household_ids):
        found += connection.execute(statement.where(column.in_(chunk))).all()
    return found


def wanted(household_ids: list[int] | None, now: datetime) -> list[Wanted]:
    """Every reminder that should be queued now for these households (all of them when None)."""
    quiet = quiet_hours()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    phones: dict[int, list[str]] = defaultdict(list)
    for household_id, number in _rows(select(HouseholdPhone.household_id, HouseholdPhone.number)
                                      .where(HouseholdPhone.sms_consent.is_(True)),
                                      household_ids, HouseholdPhone.household_id):
        phones[household_id].append(number)
    if not phones:
        return []
    households = {row.id: row for row in _rows(
        select(Household.id, Household.language, Household.documents_updated_on, Household.moved_on),
        household_ids, Household.id) if row.id in phones}
    collected = _Collected(households, phones, _Texts(len(f"{base}/k/") + LINK_TOKEN_CHARS))
    _add_appointments(collected, household_ids, now, quiet)
    _add_answers(collected, household_ids, now, quiet)
    _add_documents_and_survey(collected, now, quiet)
    return collected.result


class _Collected:
    """The reminders wanted so far. Many households share a slot or a date: each rule runs once per distinct
    moment, each text is filled once per language, day and hour."""

    def __init__(self, households: dict[int, Any], phones: dict[int, list[str]], bodies: _Texts) -> None:
        self.households, self.phones, self.bodies = households, phones, bodies
        self.result: list[Wanted] = []
        self._plans: dict[tuple[object, ...], list[tuple[str, str, datetime]]] = {}
        self._labels: dict[tuple[date, str], str] = {}
        self._texts: dict[tuple[str, str, str, str, str], tuple[str, int, str]] = {}

    def plan(self, key: tuple[object, ...], compute: Callable[..., Iterable[Any]]) -> list[tuple[str, str, datetime]]:
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = [(r.kind.value, _TEXT_OF[r.kind], r.send_at.astimezone(UTC))
                                        for r in compute()]
        return found

    def label(self, day: date, lang: str) -> str:
        found = self._labels.get((day, lang))
        if found is None:
            found = self._labels[(day, lang)] = sms_date(day, lang)
        return found

    def add(self, household_id: int, subject: str, reminders: list[tuple[str, str, datetime]], target: str,
            day: date | None = None, hour: str = "", closed_on: QuietHours | None = None) -> None:
        """`closed_on`: given when the office is closed on the deadline `day`: the text then says so and gives the
        last open day before it, or the day it is sent when that is later (rules/open_days.py)."""
        household = self.households.get(household_id)
        if household is None or not reminders:
            return
        lang = household.language or "fr"
        day_label = self.label(day, lang) if day else ""
        for kind_value, text_kind, send_at in reminders:
            kind, open_label = text_kind, ""
            if closed_on is not None and day is not None:
                advised = open_days.advised_answer_day(day, closed_on.local(send_at).date())
                kind, open_label = "answer_office_closed", self.label(advised or day, lang)
            key = (lang, kind, day_label, hour, open_label)
            filled = self._texts.get(key)
            if filled is None:
                filled = self._texts[key] = self.bodies.body(lang, kind, day_label, hour, open_label)
            body, segments, encoding = filled
            for number in self.phones[household_id]:
                self.result.append(Wanted(f"{subject}:{kind_value}:{number}", household_id, number, kind, send_at,
                                          body, segments, encoding, target))


def _add_appointments(collected: _Collected, household_ids: list[int] | None, now: datetime,
                      quiet: QuietHours) -> None:
    slots: dict[datetime, tuple[str, date, str]] = {}
    appointments = _rows(select(Appointment.id, Appointment.household_id, Appointment.starts_at)
                         .where(Appointment.status.in_(_ACTIVE_APPOINTMENT), Appointment.starts_at >= now),
                         household_ids, Appointment.household_id)
    for appointment_id, household_id, starts_at in appointments:
        if household_id not in collected.households:
            continue
        slot = slots.get(starts_at)
        if slot is None:
            aware = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
            local = quiet.local(aware)
            slot = slots[starts_at] = (f"{aware.astimezone(UTC):%Y%m%d%H%M}", local.date(), f"{local:%H:%M}")
        stamp, day, hour = slot
        collected.add(household_id, f"appt:{appointment_id}@{stamp}",
                      collected.plan(("appt", stamp), lambda s=starts_at: appointment_reminders(
                          s if s.tzinfo else s.replace(tzinfo=UTC), now, quiet)),
                      "/my", day, hour)


def _add_answers(collected: _Collected, household_ids: list[int] | None, now: datetime, quiet: QuietHours) -> None:
    proposals = _rows(select(Proposal.id, Proposal.household_id, Proposal.visit_on)
                      .where(Proposal.visit_on.is_not(None), Proposal.answer_on.is_(None),
                             Proposal.status.in_((ProposalStatus.RECEIVED, ProposalStatus.VISIT_PLANNED,
                                                  ProposalStatus.VISITED))),
                      household_ids, Proposal.household_id)
    for proposal_id, household_id, visit_on in proposals:
        answer_by = deadlines.decision_deadline(visit_on)
        collected.add(household_id, f"prop:{proposal_id}@{answer_by:%Y%m%d}",
                      collected.plan(("answer", answer_by), lambda d=answer_by: answer_deadline_reminders(d, now,
                                                                                                          quiet)),
                      f"/my/proposals/{proposal_id}", answer_by,
                      closed_on=None if open_days.office_open(answer_by) else quiet)


def _add_documents_and_survey(collected: _Collected, now: datetime, quiet: QuietHours) -> None:
    for household in collected.households.values():
        if household.documents_updated_on is not None:
            due = deadlines.documents_refresh_due(household.documents_updated_on)
            collected.add(household.id, f"docs:{household.id}@{due:%Y%m%d}",
                          collected.plan(("docs", due), lambda d=due: documents_reminder(d, now, quiet)), "/my", due)
        if household.moved_on is not None:
            # courtesy visits are appointments (guide/features/after_move/service.py): their own reminders above
            moved_on = household.moved_on
            subject = f"move:{household.id}@{moved_on:%Y%m%d}"
            collected.add(household.id, subject,
                          collected.plan(("survey", moved_on), lambda d=moved_on: survey_invitation(d, now, quiet)),
                          "/my/survey")


def sync(household_ids: Iterable[int] | None = None, now: datetime | None = None) -> SyncResult:
    """Bring the queued reminders of these households (every household when None) in line with their data.

    Runs in the caller's transaction; the caller commits.
    """
    now = now or datetime.now(UTC)
    ids = None if household_ids is None else sorted(set(household_ids))
    if ids == []:
        return SyncResult()
    want = {w.key: w for w in wanted(ids, now)}
    result = SyncResult(wanted=len(want))
    # the rows that matter: queued ones, and recent ones of any state (already sent: not again)
    existing = _rows(select(SmsMessage.id, SmsMessage.reminder_key, SmsMessage.status, SmsMessage.send_after,
                            SmsMessage.body)
                     .where(SmsMessage.reminder_key.is_not(None), SmsMessage.status != SmsStatus.CANCELLED,
                            (SmsMessage.status == SmsStatus.QUEUED)
                            | (SmsMessage.send_after >= now - timedelta(days=1))),
                     ids, SmsMessage.household_id)
    seen: set[str] = set()
    withdraw: list[int] = []
    changes: list[dict] = []
    for row_id, key, status, send_after, body in existing:
        seen.add(key)
        target = want.get(key)
        if status != SmsStatus.QUEUED:
            continue
        if target is None:
            withdraw.append(row_id)
            continue
        send_after = send_after if send_after.tzinfo else send_after.replace(tzinfo=UTC)
        if send_after != target.send_at or body != target.body:
            changes.append({"row_id": row_id, "new_send_after": target.send_at, "new_body": target.body,
                            "new_segments": target.segments, "new_encoding": target.encoding})
        else:
            result.unchanged += 1
    for chunk in _chunks(withdraw):
        db.session.execute(update(SmsMessage).where(SmsMessage.id.in_(chunk), SmsMessage.status == SmsStatus.QUEUED)
                           .values(status=SmsStatus.CANCELLED, error_code="withdrawn"))
    if changes:  # only while still queued: a dispatcher may have claimed the row meanwhile
        table = SmsMessage.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("row_id"),
                                               table.c.status == SmsStatus.QUEUED)
                           .values(send_after=bindparam("new_send_after"), body=bindparam("new_body"),
                                   segments=bindparam("new_segments"), encoding=bindparam("new_encoding")),
                           changes)
    new = [w for key, w in want.items() if key not in seen]
    bulk.insert(new, now)
    result.withdrawn, result.moved, result.queued = len(withdraw), len(changes), len(new)
    return result


# ----------------------------------------------------------------------------------------------------------------
# In the cause's transaction: any change to what reminders depend on re-syncs that household before commit.

_WATCHED = (Appointment, Proposal, HouseholdPhone, Household)
_PENDING = "reminders_pending"


def _household_of(instance: object) -> int | None:
    if isinstance(instance, Household):
        return instance.id
    return getattr(instance, "household_id", None)


def _after_flush(session: Session, _context: object) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, _WATCHED):
            household_id = _household_of(instance)
            if household_id is not None:
                pending.add(household_id)


def mark_changed(model: type, row_id: int, **_: object) -> None:
    """A row changed by a plain UPDATE (no ORM object the hooks can see; `record_changed`): re-sync its household at
    commit."""
    if model not in _WATCHED:
        return
    household_id = row_id if model is Household else db.session.scalar(
        select(model.household_id).where(model.id == row_id))  # type: ignore[union-attr]  # Household is handled above
    if household_id is not None:
        db.session.info.setdefault(_PENDING, set()).add(household_id)


def _before_commit(session: Session) -> None:
    session.flush()  # commit flushes after this hook: flush first so the pending changes are known
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    sync(pending)
    session.flush()
    session.info.pop(_PENDING, None)


def _after_rollback(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Keep reminders in step with their causes in every transaction of the app's session (idempotent)."""
    record_changed.connect(mark_changed)  # blinker connects a receiver once
    target = db.session
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
        event.listen(target, "before_commit", _before_commit)
        event.listen(target, "after_soft_rollback", _after_rollback)

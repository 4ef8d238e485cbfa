"""Reminders computed from the data: queued with their cause, moved when it moves, withdrawn when it goes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from guide.core.extensions import db
from guide.core.security import keyed_hash
from guide.core.versioned import save_if_current
from guide.features.reminders import bulk
from guide.features.reminders import service as schedule
from guide.messaging import outbox
from guide.models import Appointment, Household, HouseholdPhone, Proposal, SignInLink, SmsMessage
from guide.models.sms import SmsStatus
from guide.rules.reminders import QuietHours, appointment_reminders
from tests.factories import make_appointment, make_household, make_proposal
from tests.sms.conftest import MONDAY_10, drain

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris


def paris(*parts: int) -> datetime:
    """A Paris wall time, as stored: in UTC."""
    return datetime(*parts, tzinfo=PARIS).astimezone(UTC)


def _reminders(app, household_id: int, status: str | None = SmsStatus.QUEUED) -> list[SmsMessage]:
    with app.app_context():
        query = select(SmsMessage).where(SmsMessage.household_id == household_id,
                                         SmsMessage.reminder_key.is_not(None)).order_by(SmsMessage.send_after)
        if status:
            query = query.where(SmsMessage.status == status)
        rows = db.session.scalars(query).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _sync(app, *household_ids: int, now: datetime = NOW) -> schedule.SyncResult:
    with app.app_context():
        result = schedule.sync(household_ids or None, now=now)
        db.session.commit()
        return result


def _local(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(PARIS)


def test_an_appointment_gets_its_two_reminders_in_the_households_language(app, ctx) -> None:
    household = make_household(phone="+33611111111", language="pt")
    make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))  # Thursday
    _sync(app, household.id)
    day_before, soon = _reminders(app, household.id)
    assert (day_before.kind, soon.kind) == ("appointment_day_before", "appointment_soon")
    assert _local(day_before.send_after) == datetime(2026, 11, 25, 18, 0, tzinfo=PARIS)
    assert _local(soon.send_after) == datetime(2026, 11, 26, 12, 30, tzinfo=PARIS)
    assert "26/11/2026" in day_before.body and "14:30" in day_before.body and "{link}" in day_before.body
    assert "Lembrete" in day_before.body or "lembr" in day_before.body.lower(), day_before.body  # Portuguese text
    assert day_before.segments == 1 and day_before.encoding == "GSM-7"
    assert day_before.to_number == "+33611111111"


def test_arabic_reminders_go_as_ucs2_within_two_segments(app, ctx) -> None:
    household = make_household(language="ar")
    make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    _sync(app, household.id)
    for reminder in _reminders(app, household.id):
        assert reminder.encoding == "UCS-2" and reminder.segments <= 2


def test_moving_an_appointment_moves_its_reminders(app, ctx) -> None:
    household = make_household()
    appointment = make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    _sync(app, household.id)
    old = {r.id for r in _reminders(app, household.id)}
    with app.app_context():
        db.session.get(Appointment, appointment.id).starts_at = paris(2026, 12, 3, 14, 0)
        db.session.commit()
    result = _sync(app, household.id)
    assert result.queued == 0 and result.withdrawn == 0, "the commit hook already moved them"
    queued = _reminders(app, household.id)
    assert {r.id for r in queued}.isdisjoint(old)
    assert [_local(r.send_after) for r in queued] == [datetime(2026, 12, 2, 18, 0, tzinfo=PARIS),
                                                      datetime(2026, 12, 3, 12, 0, tzinfo=PARIS)]
    withdrawn = [r for r in _reminders(app, household.id, status=None) if r.id in old]
    assert {(r.status, r.error_code) for r in withdrawn} == {("cancelled", "withdrawn")}


def test_the_commit_that_creates_an_appointment_queues_its_reminders(app, ctx) -> None:
    household = make_household()
    # real clock: an appointment ten days ahead at 15:00 always has its reminders still to come
    day = datetime.now(PARIS).date() + timedelta(days=10)
    starts = paris(day.year, day.month, day.day, 15, 0)
    make_appointment(household, starts_at=starts)
    expected = appointment_reminders(starts, datetime.now(UTC), QuietHours())
    queued = _reminders(app, household.id)
    assert [r.kind for r in queued] == [e.kind.value for e in expected]
    assert [_local(r.send_after) for r in queued] == [e.send_at for e in expected]


@pytest.mark.parametrize("change", ["cancel", "done", "opt_out", "delete"])
def test_reminders_are_withdrawn_when_their_cause_goes(app, ctx, change: str) -> None:
    household = make_household()
    appointment = make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    _sync(app, household.id)
    assert len(_reminders(app, household.id)) == 2
    with app.app_context():
        if change in ("cancel", "done"):
            db.session.get(Appointment, appointment.id).status = "cancelled" if change == "cancel" else "done"
        elif change == "opt_out":
            db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.household_id == household.id)).one()\
                .sms_consent = False
        else:
            db.session.delete(db.session.get(Appointment, appointment.id))
        db.session.commit()
    _sync(app, household.id)
    assert _reminders(app, household.id) == []
    assert {r.error_code for r in _reminders(app, household.id, status="cancelled")} == {"withdrawn"}


def test_no_reminder_for_a_number_without_sms_consent(app, ctx) -> None:
    household = make_household()
    with app.app_context():
        db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.household_id == household.id)).one()\
            .sms_consent = False
        db.session.add(HouseholdPhone(household_id=household.id, number="+33699999999", sms_consent=True))
        db.session.commit()
    make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    _sync(app, household.id)
    assert {r.to_number for r in _reminders(app, household.id)} == {"+33699999999"}


def test_a_language_change_rewrites_the_queued_text(app, ctx) -> None:
    household = make_household(language="fr")
    make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    _sync(app, household.id)
    before = _reminders(app, household.id)
    with app.app_context():
        db.session.get(Household, household.id).language = "en"
        db.session.commit()
    result = _sync(app, household.id)
    after = _reminders(app, household.id)
    assert [r.id for r in after] == [r.id for r in before], "the same rows, rewritten"
    assert all(a.body != b.body for a, b in zip(after, before, strict=True))
    assert result.moved == 0, "the commit hook already rewrote them"
    assert "Reminder" in after[0].body or "reminder" in after[0].body.lower(), after[0].body


def test_answer_reminders_follow_the_visit_and_stop_with_the_answer(app, ctx) -> None:
    household = make_household()
    proposal = make_proposal(household, visit_on=date(2026, 11, 20), status="visited")  # answer by 30/11
    _sync(app, household.id)
    three, one = _reminders(app, household.id)
    assert (three.kind, one.kind) == ("answer_3_days", "answer_1_day")
    assert _local(three.send_after) == datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
    # the day before is a Sunday: the reminder moves to the morning of the last day itself
    assert _local(one.send_after) == datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    assert "30/11/2026" in three.body and three.link_target == f"/my/proposals/{proposal.id}"
    with app.app_context():
        found = db.session.get(Proposal, proposal.id)
        found.status, found.answer_on = "accepted", date(2026, 11, 24)
        db.session.commit()
    _sync(app, household.id)
    assert _reminders(app, household.id) == []


def test_a_deadline_on_a_closed_day_keeps_its_date_and_the_reminders_give_the_last_open_day(app, ctx) -> None:
    """A visit on 31 December: the answer is due on Sunday 10 January (the charter's date, kept). The office is
    closed that day, so the reminders say so and give the last open day: Friday 8 January, or the day they are
    sent when that is later (never a day after the deadline)."""
    household = make_household(language="fr")
    proposal = make_proposal(household, visit_on=date(2026, 12, 31), status="visited")
    _sync(app, household.id)
    reminders = _reminders(app, household.id)
    assert [r.kind for r in reminders] == ["answer_office_closed", "answer_office_closed"]
    three, one = reminders
    assert _local(three.send_after).date() == date(2027, 1, 7)
    assert "fin le 10/01/2027, bureau fermé" in three.body and "Réponse au plus tard le 08/01/2027" in three.body
    sent_on = _local(one.send_after).date()
    assert date(2027, 1, 8) <= sent_on <= date(2027, 1, 10)
    assert f"au plus tard le {max(sent_on, date(2027, 1, 8)):%d/%m/%Y}" in one.body, one.body
    assert three.link_target == f"/my/proposals/{proposal.id}"


def test_a_weekday_deadline_keeps_the_plain_reminders(app, ctx) -> None:
    household = make_household(language="en")
    make_proposal(household, visit_on=date(2027, 1, 1), status="visited")  # answer by Monday 11 January
    _sync(app, household.id)
    kinds = [r.kind for r in _reminders(app, household.id)]
    assert kinds == ["answer_3_days", "answer_1_day"], kinds


def test_documents_courtesy_visits_and_survey(app, ctx) -> None:
    """Courtesy visits are appointments (guide/features/after_move/service.py) with their own reminders: the move date
    itself only yields the survey invitation, whose link opens the survey page."""
    household = make_household(documents_updated_on=date(2026, 6, 15), moved_on=date(2026, 11, 2))
    _sync(app, household.id)
    reminders = _reminders(app, household.id)
    assert [r.kind for r in reminders] == ["documents_due", "survey"]
    assert reminders[1].link_target == "/my/survey"


def test_a_reminder_already_sent_is_not_queued_again(app, ctx) -> None:
    household = make_household()
    make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    _sync(app, household.id)
    first = _reminders(app, household.id)[0]
    with app.app_context():
        db.session.get(SmsMessage, first.id).status = SmsStatus.DELIVERED
        db.session.commit()
    assert _sync(app, household.id).queued == 0
    assert len(_reminders(app, household.id, status=None)) == 2


def test_past_reminders_are_not_sent_late(app, ctx) -> None:
    household = make_household()
    make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    late = datetime(2026, 11, 26, 9, 0, tzinfo=PARIS)  # after the "day before" moment, before the "soon" one
    _sync(app, household.id, now=late)
    kinds = {r.kind for r in _reminders(app, household.id) if r.send_after.replace(tzinfo=UTC) >= late}
    assert "appointment_soon" in kinds


@pytest.mark.parametrize("copy_from", [bulk.COPY_FROM, 1], ids=["row-inserts", "bulk-copy"])
def test_one_queued_row_per_reminder_even_when_two_schedulers_race(app, ctx, monkeypatch, copy_from) -> None:
    monkeypatch.setattr(bulk, "COPY_FROM", copy_from)  # 1: PostgreSQL takes its COPY path for 40 rows
    households = [make_household() for _ in range(20)]
    for household in households:
        make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    with app.app_context():  # start from nothing queued
        db.session.execute(SmsMessage.__table__.delete())
        db.session.commit()
    barrier, errors = threading.Barrier(2), []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                schedule.sync(now=NOW)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with app.app_context():
        keys = db.session.scalars(select(SmsMessage.reminder_key).where(SmsMessage.status == "queued")).all()
    assert len(keys) == len(set(keys)) == 40


def test_a_bulk_load_keeps_the_rows_another_scheduler_queued_first(app, ctx, monkeypatch) -> None:
    """The direct COPY meets keys queued meanwhile: it falls back to ON CONFLICT DO NOTHING, nothing lost twice."""
    monkeypatch.setattr(bulk, "COPY_FROM", 1)
    for _ in range(6):
        make_appointment(make_household(), starts_at=paris(2026, 11, 26, 14, 30))
    with app.app_context():
        db.session.execute(SmsMessage.__table__.delete())
        db.session.commit()
        every = schedule.wanted(None, NOW)
        bulk.insert(every[::2], NOW)  # "the other scheduler" queued half of them first
        db.session.commit()
        first_ids = set(db.session.scalars(select(SmsMessage.id)).all())
        bulk.insert(every, NOW)  # we load all of them
        db.session.commit()
        rows = db.session.execute(select(SmsMessage.id, SmsMessage.reminder_key)
                                  .where(SmsMessage.status == "queued")).all()
    keys = [key for _, key in rows]
    assert len(every) == 12 and sorted(keys) == sorted(w.key for w in every), "each reminder queued exactly once"
    assert first_ids <= {row_id for row_id, _ in rows}, "the rows queued first are kept"


def test_the_database_refuses_a_second_queued_row_for_a_key(app) -> None:
    row = {"to_number": "+33612345678", "kind": "appointment_soon", "body": "x", "status": "queued",
           "reminder_key": "appt:1@202611261330:appointment_soon:+33612345678"}
    with app.app_context():
        db.session.add(SmsMessage(**row))
        db.session.commit()
        db.session.add(SmsMessage(**{**row, "status": "sent"}))  # another state: allowed
        db.session.commit()
        db.session.add(SmsMessage(**row))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_the_personal_link_is_minted_when_the_reminder_is_sent(sms_app, fake, ctx) -> None:
    household = make_household()
    proposal = make_proposal(household, visit_on=date(2026, 11, 20), status="visited")
    _sync(sms_app, household.id)
    due = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
    with sms_app.app_context():
        result = outbox.dispatch_once(now=due)
    assert result.sent == 1
    [accepted] = fake.accepted()
    assert "{link}" not in accepted["body"] and "http://localhost/k/" in accepted["body"]
    token = accepted["body"].split("/k/")[1].split()[0]
    with sms_app.app_context():
        link = db.session.scalars(select(SignInLink).where(SignInLink.token_hash == keyed_hash("link", token))).one()
        assert link.target == f"/my/proposals/{proposal.id}" and link.household_id == household.id
        stored = db.session.scalars(select(SmsMessage).where(SmsMessage.status == "sent")).one()
        # once Twilio has it, the token is no longer kept: a database reader cannot sign in as the household
        assert token not in stored.body and stored.body == accepted["body"].replace(token, "…")


def test_reminders_wait_for_the_sending_hours_but_a_sign_in_code_does_not(sms_app, fake, ctx) -> None:
    household = make_household()
    make_proposal(household, visit_on=date(2026, 11, 20), status="visited")
    _sync(sms_app, household.id)
    sunday_night = datetime(2026, 11, 29, 21, 0, tzinfo=PARIS)  # both reminders are due by then
    with sms_app.app_context():
        outbox.enqueue("+33612345678", "sign_in_code", "Code 123456", household_id=household.id)
        db.session.commit()
        result = outbox.dispatch_once(now=sunday_night)
    assert result.sent == 1 and [m["body"] for m in fake.accepted()] == ["Code 123456"]
    with sms_app.app_context():
        assert drain(now=MONDAY_10 + timedelta(days=7)) == 2


def test_a_versioned_save_moves_the_reminders_too(app, ctx) -> None:
    """Staff edits go through a conditional UPDATE (no ORM object): the reminders follow all the same."""

    household = make_household()
    appointment = make_appointment(household, starts_at=paris(2026, 11, 26, 14, 30))
    _sync(app, household.id)
    with app.app_context():
        assert save_if_current(Appointment, appointment.id, appointment.version,
                               {"starts_at": paris(2026, 12, 3, 14, 0)})
        db.session.commit()
    assert [_local(r.send_after) for r in _reminders(app, household.id)] == [
        datetime(2026, 12, 2, 18, 0, tzinfo=PARIS), datetime(2026, 12, 3, 12, 0, tzinfo=PARIS)]
    with app.app_context():
        assert save_if_current(Household, household.id, household.version, {"language": "tr"})
        db.session.commit()
    assert all("03.12.2026" in r.body for r in _reminders(app, household.id))

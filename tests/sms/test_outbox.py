"""The outbox dispatcher against a fake Twilio through the real SDK: retries, reconciliation, quiet hours, opt-out."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from guide.extensions import db
from guide.models import HouseholdPhone, SmsMessage
from guide.sms import outbox
from tests.factories import make_household
from tests.fake_twilio import Fault
from tests.sms.conftest import MONDAY_10


def _queue(sms_app, to: str = "+33612345678", body: str = "Rendez-vous demain à 10 h. Lien : https://x/k/abc",
           **values) -> int:
    with sms_app.app_context():
        message = outbox.enqueue(to, "test", body, **values)
        db.session.commit()
        return message.id


def _message(sms_app, message_id: int) -> SmsMessage:
    with sms_app.app_context():
        message = db.session.get(SmsMessage, message_id)
        db.session.expunge(message)
        return message


def _dispatch(sms_app, now=MONDAY_10):
    with sms_app.app_context():
        return outbox.dispatch_once(now=now)


def test_a_queued_sms_is_sent_once_in_gsm7(sms_app, fake) -> None:
    message_id = _queue(sms_app, body="Votre rendez-vous à l'hôtel de ville – côté « mairie »")
    result = _dispatch(sms_app)
    assert result.sent == 1
    stored = _message(sms_app, message_id)
    assert stored.status == "sent" and stored.provider_id.startswith("SM") and stored.encoding == "GSM-7"
    [accepted] = fake.accepted()
    assert accepted["to"] == "+33612345678" and "hotel" in accepted["body"] and "«" not in accepted["body"]
    assert _dispatch(sms_app).sent == 0, "nothing is sent twice"


def test_arabic_goes_as_ucs2_and_segments_are_counted(sms_app) -> None:
    message_id = _queue(sms_app, body="موعدكم غدا في الساعة العاشرة. " * 3, language="ar")
    stored = _message(sms_app, message_id)
    assert stored.encoding == "UCS-2" and stored.segments == 2


def test_a_temporary_failure_is_retried_with_backoff(sms_app, fake) -> None:
    fake.inject(Fault.server_error(503))
    message_id = _queue(sms_app)
    assert _dispatch(sms_app).retried == 1
    stored = _message(sms_app, message_id)
    assert stored.status == "queued" and stored.send_after.replace(tzinfo=UTC) > MONDAY_10
    assert _dispatch(sms_app).sent == 0, "not due yet"
    assert _dispatch(sms_app, MONDAY_10 + timedelta(minutes=5)).sent == 1
    assert len(fake.accepted()) == 1


@pytest.mark.parametrize("code", [21211, 21614])
def test_a_permanent_error_is_not_retried(sms_app, fake, code: int) -> None:
    fake.inject(Fault.permanent(code))
    message_id = _queue(sms_app)
    assert _dispatch(sms_app).failed == 1
    stored = _message(sms_app, message_id)
    assert (stored.status, stored.error_code) == ("failed", str(code))
    assert _dispatch(sms_app, MONDAY_10 + timedelta(hours=2)).claimed == []


def test_unsubscribed_at_twilio_is_mirrored_locally(sms_app, app, ctx, fake) -> None:
    household = make_household(phone="+33611111111")
    with sms_app.app_context():
        from guide.models import Consent

        db.session.add(Consent(household_id=household.id, kind="sms", given_on=date(2026, 9, 1)))
        db.session.commit()
    fake.inject(Fault.permanent(21610))
    _queue(sms_app, to="+33611111111", household_id=household.id)
    _dispatch(sms_app)
    with sms_app.app_context():
        assert not db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.number == "+33611111111")
                                      ).one().sms_consent
        from guide.models import Consent

        assert db.session.scalars(select(Consent.withdrawn_on).where(Consent.household_id == household.id)).all() \
            == [date(2026, 11, 23)], "the household's consent record says the same (MONDAY_10's date)"


def test_an_opted_out_number_gets_nothing(sms_app, app, ctx, fake) -> None:
    household = make_household(phone="+33622222222")
    with sms_app.app_context():
        phone = db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.number == "+33622222222")).one()
        phone.sms_consent = False
        db.session.commit()
    message_id = _queue(sms_app, to="+33622222222", household_id=household.id)
    assert _dispatch(sms_app).skipped == 1
    assert _message(sms_app, message_id).status == "cancelled" and fake.accepted() == []


def test_a_response_lost_after_acceptance_is_reconciled_not_resent(sms_app, fake) -> None:
    fake.inject(Fault.lost())
    message_id = _queue(sms_app)
    result = _dispatch(sms_app)
    assert result.reconciled == 1 and result.sent == 0
    stored = _message(sms_app, message_id)
    assert stored.status == "sent" and stored.provider_id == fake.accepted()[0]["sid"]
    _dispatch(sms_app, MONDAY_10 + timedelta(hours=1))
    assert len(fake.accepted()) == 1


def test_a_dropped_connection_before_acceptance_is_sent_later_once(sms_app, fake) -> None:
    fake.inject(Fault.drop())
    message_id = _queue(sms_app)
    first = _dispatch(sms_app)
    assert first.retried == 1 and fake.accepted() == []
    _dispatch(sms_app, MONDAY_10 + timedelta(minutes=5))
    assert _message(sms_app, message_id).status == "sent" and len(fake.accepted()) == 1


@pytest.mark.parametrize("when", [
    datetime(2026, 11, 22, 11, 0),  # Sunday
    datetime(2026, 11, 23, 8, 59),  # Monday before 09:00
    datetime(2026, 11, 23, 20, 0),  # Monday 20:00
    datetime(2026, 12, 25, 11, 0),  # Christmas, a Friday
])
def test_nothing_is_sent_in_quiet_hours(sms_app, fake, when: datetime) -> None:
    from zoneinfo import ZoneInfo

    message_id = _queue(sms_app)
    when = when.replace(tzinfo=ZoneInfo("Europe/Paris"))
    assert _message(sms_app, message_id).send_after.replace(tzinfo=UTC) <= when, "due then: only the hour holds it"
    assert _dispatch(sms_app, when).claimed == []
    assert fake.accepted() == []


def test_a_dispatcher_that_died_mid_send_is_recovered(sms_app, fake) -> None:
    message_id = _queue(sms_app)
    with sms_app.app_context():
        db.session.execute(SmsMessage.__table__.update().values(status="sending", claimed_at=MONDAY_10,
                                                                attempts=1))
        db.session.commit()
    _dispatch(sms_app, MONDAY_10 + timedelta(minutes=10))  # not found at Twilio: back to the queue
    _dispatch(sms_app, MONDAY_10 + timedelta(minutes=15))
    assert _message(sms_app, message_id).status == "sent" and len(fake.accepted()) == 1


# --- status callbacks ------------------------------------------------------------------------------

def test_status_callback_records_delivery_and_a_final_state_never_goes_back(sms_app, fake) -> None:
    message_id = _queue(sms_app)
    _dispatch(sms_app)
    sid = _message(sms_app, message_id).provider_id
    client = sms_app.test_client()
    delivered = fake.build_status_callback(sid, "delivered")
    assert client.post("/sms/status", data=delivered.form, headers=delivered.headers).status_code == 204
    assert _message(sms_app, message_id).status == "delivered"
    late = fake.build_status_callback(sid, "sent")
    client.post("/sms/status", data=late.form, headers=late.headers)
    assert _message(sms_app, message_id).status == "delivered"
    client.post("/sms/status", data=delivered.form, headers=delivered.headers)  # replayed: no change, no error
    assert _message(sms_app, message_id).status == "delivered"


def test_forged_status_callbacks_are_refused(sms_app, fake) -> None:
    message_id = _queue(sms_app)
    _dispatch(sms_app)
    sid = _message(sms_app, message_id).provider_id
    callback = fake.build_status_callback(sid, "failed")
    client = sms_app.test_client()
    assert client.post("/sms/status", data=callback.form).status_code == 403
    forged = {**callback.headers, "X-Twilio-Signature": "AAAA"}
    assert client.post("/sms/status", data=callback.form, headers=forged).status_code == 403
    tampered = {**callback.form, "MessageStatus": "delivered"}
    assert client.post("/sms/status", data=tampered, headers=callback.headers).status_code == 403
    assert _message(sms_app, message_id).status == "sent"


# --- reliability: 2 dispatchers, 5,000 messages, 30 % failures ---------------------------------------

def _bulk_queue(sms_app, count: int) -> None:
    now = datetime.now(UTC) - timedelta(minutes=1)
    with sms_app.app_context():
        db.session.execute(insert(SmsMessage), [
            {"to_number": f"+3361{n:07d}", "kind": "test", "body": f"Message {n}: rendez-vous lundi.",
             "status": "queued", "segments": 1, "encoding": "GSM-7", "send_after": now, "created_at": now,
             "attempts": 0} for n in range(count)])
        db.session.commit()


def _run_dispatchers(sms_app, workers: int = 2, rounds: int = 200, now: datetime = MONDAY_10) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(rounds):
                with sms_app.app_context():
                    result = outbox.dispatch_once(limit=100, now=now)
                    pending = db.session.scalar(select(func.count()).select_from(SmsMessage).where(
                        SmsMessage.status.in_(["queued", "sending", "unknown"])))
                if not result.claimed and not pending:
                    return
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def _opt_out(sms_app, numbers: list[str]) -> None:
    """These numbers belong to a household and said STOP."""
    household = make_household()
    with sms_app.app_context():
        db.session.execute(insert(HouseholdPhone), [
            {"household_id": household.id, "number": number, "label": "", "sms_consent": False} for number in numbers])
        db.session.commit()


def test_two_dispatchers_deliver_5000_messages_exactly_once_despite_failures(sms_app, app, ctx, fake,
                                                                             monkeypatch) -> None:
    from zoneinfo import ZoneInfo

    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))  # retry at once: time is not the test
    fake.fail_randomly(0.30, seed=7)  # 5xx, 429 and connection errors
    _bulk_queue(sms_app, 5000)
    opted_out = [f"+3361{n:07d}" for n in range(0, 5000, 10)]  # one message in ten goes to a number that said STOP
    _opt_out(sms_app, opted_out)
    sunday = datetime(2026, 11, 22, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with sms_app.app_context():
        assert db.session.scalar(select(func.max(SmsMessage.send_after))).replace(tzinfo=UTC) <= sunday, "all due"
    _run_dispatchers(sms_app, now=sunday, rounds=3)
    assert fake.accepted() == [], "nothing goes out in quiet hours"
    _run_dispatchers(sms_app)
    accepted = fake.accepted()
    bodies = Counter(m["body"] for m in accepted)
    assert len(bodies) == 4500 and max(bodies.values()) == 1, "every message with consent, exactly once"
    assert not {m["to"] for m in accepted} & set(opted_out), "none to a number that said STOP"
    with sms_app.app_context():
        statuses = Counter(db.session.scalars(select(SmsMessage.status)))
    assert statuses == {"sent": 4500, "cancelled": 500}


def test_a_dispatcher_that_loses_the_race_for_due_rows_claims_the_next_ones(sms_app, monkeypatch) -> None:
    """Another dispatcher takes the rows this one was about to claim: it claims the next due ones instead of
    answering "nothing due" (which ended `dispatch --once` with 200 messages still waiting). On SQLite the other
    dispatcher wins the conditional claim right after this one read the due rows; on PostgreSQL it holds them
    locked while it claims them."""
    ids = [_queue(sms_app, to=f"+336100000{n:02d}", body=f"message {n}") for n in range(6)]
    now = MONDAY_10
    with sms_app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as rival:
                rival.execute(select(SmsMessage.id).where(SmsMessage.id.in_(ids[:3])).with_for_update())
                claimed = outbox._claim(3, now)
                rival.rollback()
        else:
            read_due = db.session.scalars
            raced: list[int] = []

            def rival_wins_what_was_read(statement, *args, **kwargs):
                rows = list(read_due(statement, *args, **kwargs))
                if not raced and rows:
                    raced.extend(rows)
                    with db.engine.begin() as rival:
                        rival.execute(update(SmsMessage).where(SmsMessage.id.in_(rows))
                                      .values(status="sending", claimed_at=now))
                return rows

            monkeypatch.setattr(db.session, "scalars", rival_wins_what_was_read)
            claimed = outbox._claim(3, now)
            assert raced == ids[:3], "the rival took the rows first read"
        db.session.remove()
    assert claimed == ids[3:]


def test_lost_responses_cause_no_duplicate(sms_app, fake, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))
    fake.fail_randomly(0.30, seed=11, mix=(Fault.lost(), Fault.server_error(500), Fault.drop()))
    _bulk_queue(sms_app, 600)
    _run_dispatchers(sms_app)
    bodies = Counter(m["body"] for m in fake.accepted())
    assert max(bodies.values()) == 1
    with sms_app.app_context():
        statuses = Counter(db.session.scalars(select(SmsMessage.status)))
    assert set(statuses) <= {"sent", "review"} and sum(statuses.values()) == 600
    assert len(bodies) == statuses["sent"]


def test_a_failed_lookup_keeps_the_outcome_unknown_until_twilio_answers(sms_app, fake) -> None:
    fake.inject(Fault.lost())
    fake.inject(Fault.server_error(503), match="list")
    message_id = _queue(sms_app)
    _dispatch(sms_app)
    assert _message(sms_app, message_id).status == "unknown", "not resent while Twilio cannot be asked"
    _dispatch(sms_app, MONDAY_10 + timedelta(minutes=1))
    assert _message(sms_app, message_id).status == "sent" and len(fake.accepted()) == 1


def _code_message(sms_app) -> int:
    with sms_app.app_context():
        message = outbox.enqueue("+33612345678", "sign_in_code", "Votre code est 482913. Lien : https://x.fr/k/AbC-12_x")
        db.session.commit()
        return message.id


def test_a_sign_in_code_is_not_kept_once_sent(sms_app, fake) -> None:
    """Before the send the exact text is kept (a lost answer is looked up by it); after it, no code or token."""
    fake.inject(Fault.lost())
    message_id = _code_message(sms_app)
    _dispatch(sms_app)  # the answer is lost: reconciled by looking the exact text up
    stored = _message(sms_app, message_id)
    assert stored.status == "sent"
    assert "482913" not in stored.body and "AbC-12_x" not in stored.body
    assert stored.body == "Votre code est ******. Lien : https://x.fr/k/…"
    assert [m["body"] for m in fake.accepted()] == ["Votre code est 482913. Lien : https://x.fr/k/AbC-12_x"]


def test_other_numbers_are_kept_as_written() -> None:
    assert outbox.redact("Cheque 123456 envoye. Ref MED-20261122-7K2Q", "staff_reply") == \
        "Cheque 123456 envoye. Ref MED-20261122-7K2Q"


def test_a_sign_in_code_is_not_kept_after_a_permanent_failure(sms_app, fake) -> None:
    fake.inject(Fault.permanent(21211))
    message_id = _code_message(sms_app)
    _dispatch(sms_app)
    stored = _message(sms_app, message_id)
    assert stored.status == "failed"
    assert stored.body == "Votre code est ******. Lien : https://x.fr/k/…"


def test_a_sign_in_code_is_not_kept_once_left_to_staff_review(sms_app, fake) -> None:
    fake.inject(*[Fault.server_error(503)] * outbox.MAX_ATTEMPTS)
    message_id = _code_message(sms_app)
    now = MONDAY_10
    for _ in range(outbox.MAX_ATTEMPTS):
        _dispatch(sms_app, now)
        now += timedelta(hours=1, minutes=1)  # past the longest backoff
    stored = _message(sms_app, message_id)
    assert stored.status == "review" and fake.accepted() == []
    assert "482913" not in stored.body and "AbC-12_x" not in stored.body

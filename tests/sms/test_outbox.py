"""The outbox dispatcher against a fake Twilio through the real SDK: retries, reconciliation, quiet hours, opt-out."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from guide.core.extensions import db
from guide.messaging import outbox
from guide.messaging.gateway import TwilioGateway
from guide.models import Consent, HouseholdPhone, SmsMessage
from tests.app.test_staff import log_in
from tests.conftest import get_page
from tests.factories import make_household, make_staff
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
        db.session.add(Consent(household_id=household.id, kind="sms", given_on=date(2026, 9, 1)))
        db.session.commit()
    fake.inject(Fault.permanent(21610))
    _queue(sms_app, to="+33611111111", household_id=household.id)
    _dispatch(sms_app)
    with sms_app.app_context():
        assert not db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.number == "+33611111111")
                                      ).one().sms_consent

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
    message_id = _queue(sms_app)
    when = when.replace(tzinfo=ZoneInfo("Europe/Paris"))
    assert _message(sms_app, message_id).send_after.replace(tzinfo=UTC) <= when, "due then: only the hour holds it"
    assert _dispatch(sms_app, when).claimed == []
    assert fake.accepted() == []


def test_a_dispatcher_that_died_mid_send_is_recovered(sms_app, fake) -> None:
    message_id = _queue(sms_app)
    with sms_app.app_context():
        db.session.execute(SmsMessage.__table__.update().values(status="sending", claimed_at=MONDAY_10.astimezone(UTC),
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


def _run_dispatchers(sms_app, workers: int = 2, rounds: int = 200, now: datetime = MONDAY_10) -> list[str]:
    """Each worker runs `dispatch_once` until nothing is pending or it has done `rounds` rounds; returns how each
    ended (a worker that ran out of rounds with messages pending says so)."""
    errors: list[BaseException] = []
    endings: list[str] = []

    def work(number: int) -> None:
        try:
            pending = 0
            for done in range(1, rounds + 1):
                with sms_app.app_context():
                    result = outbox.dispatch_once(limit=100, now=now)
                    pending = db.session.scalar(select(func.count()).select_from(SmsMessage).where(
                        SmsMessage.status.in_(["queued", "sending", "unknown"])))
                if not result.claimed and not pending:
                    endings.append(f"worker {number}: done after {done} rounds")
                    return
            endings.append(f"worker {number}: stopped after {rounds} rounds with {pending} messages pending")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return endings


def _fates(sms_app, fake, numbers: list[str]) -> str:
    """Where the messages to these numbers went: each row's status, attempts and error, and each request Twilio got
    for the number (create or lookup, the fault injected, the HTTP status answered, the message stored)."""
    requests: dict[str, list[str]] = {number: [] for number in numbers}
    for request in fake.requests:
        number = request.form.get("To") or request.query.get("To")
        if number in requests:
            requests[number].append(f"{request.endpoint}(fault={request.fault}, status={request.status}, "
                                    f"stored={request.message_sid})")
    lines = []
    with sms_app.app_context():
        for row in db.session.scalars(select(SmsMessage).where(SmsMessage.to_number.in_(numbers))
                                      .order_by(SmsMessage.id)):
            lines.append(f"row {row.id} to {row.to_number}: {row.status}, attempts {row.attempts}, "
                         f"error {row.error_code}, provider_id {row.provider_id}; "
                         f"requests: {'; '.join(requests[row.to_number]) or 'none'}")
    return "\n".join(lines)


def _opt_out(sms_app, numbers: list[str]) -> None:
    """These numbers belong to a household and said STOP (its own first phone is outside the test's numbers)."""
    household = make_household(phone="+33799999999")
    with sms_app.app_context():
        db.session.execute(insert(HouseholdPhone), [
            {"household_id": household.id, "number": number, "label": "", "sms_consent": False} for number in numbers])
        db.session.commit()


@dataclass
class Delivery:
    """What reached the fake Twilio, per number the outbox wrote to."""

    wanted: set[str]  # numbers that should get their message
    lost: list[str]  # ... and did not
    twice: list[str]  # numbers that got their message more than once
    stopped: list[str]  # numbers that said STOP and got a message all the same
    sent: int
    endings: list[str]  # how each dispatcher ended

    def report(self, sms_app, fake) -> str:
        return (f"{len(self.lost)} lost, {len(self.twice)} sent more than once, {len(self.stopped)} sent after STOP; "
                f"dispatchers: {self.endings}\n" + _fates(sms_app, fake, (self.lost + self.twice + self.stopped)[:20]))


def deliver_5000(sms_app, fake, seed: int = 7, count: int = 5000) -> Delivery:
    """The reliability scenario (also run by bench/sms_exactly_once.py): `count` messages, one in ten to a number that
    said STOP, 30 % of the sends failing (5xx, 429, connections dropped or reset), nothing sent on a Sunday, then
    two dispatchers at once. Retries go at once (`outbox.backoff` patched by the caller): time is not the test."""

    fake.fail_randomly(0.30, seed=seed)
    _bulk_queue(sms_app, count)
    opted_out = [f"+3361{n:07d}" for n in range(0, count, 10)]
    _opt_out(sms_app, opted_out)
    sunday = datetime(2026, 11, 22, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with sms_app.app_context():
        assert db.session.scalar(select(func.max(SmsMessage.send_after))).replace(tzinfo=UTC) <= sunday, "all due"
    _run_dispatchers(sms_app, now=sunday, rounds=3)
    assert fake.accepted() == [], "nothing goes out in quiet hours"
    endings = _run_dispatchers(sms_app)
    received = Counter(m["to"] for m in fake.accepted())
    wanted = {f"+3361{n:07d}" for n in range(count) if n % 10}
    return Delivery(wanted=wanted, lost=sorted(wanted - set(received)),
                    twice=sorted(number for number, times in received.items() if times > 1),
                    stopped=sorted(set(received) & set(opted_out)), sent=sum(received.values()), endings=endings)


def test_two_dispatchers_deliver_5000_messages_exactly_once_despite_failures(sms_app, app, ctx, fake,
                                                                             monkeypatch) -> None:
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))  # retry at once: time is not the test
    delivery = deliver_5000(sms_app, fake)
    assert not (delivery.lost or delivery.twice or delivery.stopped), delivery.report(sms_app, fake)
    assert delivery.sent == len(delivery.wanted) == 4500, "every message with consent, exactly once"
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
            execute = db.session.execute
            raced: list[int] = []

            def rival_wins_what_was_read(statement, *args, **kwargs):
                result = execute(statement, *args, **kwargs)
                if raced or not isinstance(statement, Select):
                    return result
                rows = result.all()  # the due rows this dispatcher read: (id, number)
                raced.extend(row[0] for row in rows)
                with db.engine.begin() as rival:
                    rival.execute(update(SmsMessage).where(SmsMessage.id.in_(raced))
                                  .values(status="sending", claimed_at=now))
                return rows

            monkeypatch.setattr(db.session, "execute", rival_wins_what_was_read)
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


# --- exactly once: quick failures, identical texts, leases, giving up ---------------------------------------------

def test_failures_in_quick_succession_do_not_use_up_a_message(sms_app, fake, monkeypatch) -> None:
    """The 5,000-message test lost one message in a few hundred runs: 30 % of sends fail and retries go at once, so
    now and then one message failed 12 times in a row within a second and was given up ("review"), never sent.
    Giving up takes MAX_ATTEMPTS tries over GIVE_UP_AFTER at least; quick failures only wait for the next try."""
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))
    fake.inject(*[Fault.server_error(503)] * outbox.MAX_ATTEMPTS)
    message_id = _queue(sms_app)
    for _ in range(outbox.MAX_ATTEMPTS):
        assert _dispatch(sms_app).retried == 1
    stored = _message(sms_app, message_id)
    assert (stored.status, stored.attempts) == ("queued", outbox.MAX_ATTEMPTS), "12 quick failures: not given up"
    assert _dispatch(sms_app).sent == 1 and len(fake.accepted()) == 1


def test_a_message_given_up_shows_on_the_household_file_as_not_arrived(sms_app, app, ctx, client, fake,
                                                                        monkeypatch) -> None:
    """A reminder written 40 days before it was due, tried for more than 6 hours: given up, and the household's
    officer sees it on top of the file with the advice to call (the notice counted 30 days from when it was written,
    so it missed such a reminder)."""

    officer = make_staff()
    household = make_household(phone="+33655555555", officer_id=officer.id)
    written = datetime.now(UTC) - timedelta(days=40)
    message_id = _queue(sms_app, to="+33655555555", household_id=household.id)
    with sms_app.app_context():
        db.session.execute(update(SmsMessage).values(created_at=written, kind="appointment_soon"))
        db.session.commit()
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))
    fake.fail_to("+33655555555", Fault.server_error(503))
    now = MONDAY_10
    for _ in range(outbox.MAX_ATTEMPTS):
        _dispatch(sms_app, now)
        now += timedelta(minutes=35)  # 12 tries over 6 h 25 min
    stored = _message(sms_app, message_id)
    assert (stored.status, stored.attempts) == ("review", outbox.MAX_ATTEMPTS) and fake.accepted() == []
    log_in(client, officer)
    notice = get_page(client, f"/staff/households/{household.id}").soup.select_one("#sms-failure")
    assert notice is not None, "the officer is told the SMS did not arrive"
    assert notice.select_one(f"[data-sms-failed='{message_id}']")["data-status"] == "review"
    assert "Appelez le ménage" in notice.get_text()


def test_two_identical_texts_to_one_number_are_two_messages(sms_app, fake) -> None:
    """The first send's answer is lost (Twilio has it), the second's connection drops (Twilio has nothing): looking
    the second one up must not take the first one's message. Both rows sent, each with its own Twilio message."""
    first, second = _queue(sms_app, body="Rendez-vous lundi à 10 h."), _queue(sms_app, body="Rendez-vous lundi à 10 h.")
    fake.inject(Fault.lost(), Fault.drop())
    _dispatch(sms_app)
    _dispatch(sms_app, MONDAY_10 + timedelta(minutes=1))
    _dispatch(sms_app, MONDAY_10 + timedelta(minutes=2))
    rows = [_message(sms_app, first), _message(sms_app, second)]
    sids = [m["sid"] for m in fake.accepted()]
    assert len(sids) == 2, f"the text must reach Twilio twice, got {len(sids)}"
    assert [row.status for row in rows] == ["sent", "sent"]
    assert sorted(row.provider_id for row in rows) == sorted(sids), "each row settled by its own message"


def test_one_twilio_message_settles_at_most_one_row(sms_app) -> None:
    first, second = _queue(sms_app), _queue(sms_app)
    with sms_app.app_context():
        db.session.execute(update(SmsMessage).where(SmsMessage.id == first).values(status="sent", provider_id="SM1"))
        db.session.commit()
        db.session.execute(update(SmsMessage).where(SmsMessage.id == second).values(provider_id=None))
        db.session.commit()  # many rows without a Twilio message are fine
        with pytest.raises(IntegrityError):
            db.session.execute(update(SmsMessage).where(SmsMessage.id == second).values(status="sent",
                                                                                       provider_id="SM1"))
            db.session.commit()
        db.session.rollback()


def test_no_two_messages_to_one_number_are_in_flight_at_once(sms_app) -> None:
    a1, a2 = _queue(sms_app, to="+33611111111"), _queue(sms_app, to="+33611111111")
    b1 = _queue(sms_app, to="+33622222222")
    with sms_app.app_context():
        assert outbox._claim(10, MONDAY_10) == [a1, b1], "one row per number in a batch"
        assert outbox._claim(10, MONDAY_10) == [], "the number's first row is still in flight"
        db.session.execute(update(SmsMessage).where(SmsMessage.id == a1).values(status="unknown"))
        db.session.commit()
        assert outbox._claim(10, MONDAY_10) == [], "being looked up is in flight too"
        db.session.execute(update(SmsMessage).where(SmsMessage.id == a1).values(status="sent"))
        db.session.commit()
        assert outbox._claim(10, MONDAY_10) == [a2]
        db.session.remove()


def test_a_row_declared_stuck_during_a_slow_batch_is_not_sent_by_its_first_dispatcher(sms_app, fake, sms_clock,
                                                                                         monkeypatch) -> None:
    """Dispatcher A claims two rows; its first send takes 6 minutes. Meanwhile dispatcher B finds the second row
    "sending" for more than 5 minutes, declares it stuck, looks it up (not there), sends it. A must not send it
    again: it sends a row only while it still holds its lease."""
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))  # B sends it at once
    first, second = _queue(sms_app, to="+33611111111"), _queue(sms_app, to="+33622222222")
    real = TwilioGateway
    other_dispatcher: list[outbox.DispatchResult] = []

    class SlowFirstSend(real):  # type: ignore[misc, valid-type]
        def send(self, to, body, status_callback):  # type: ignore[no-untyped-def]
            sent = super().send(to, body, status_callback)
            if not other_dispatcher:
                sms_clock.shift(timedelta(minutes=6))
                with sms_app.app_context():
                    other_dispatcher.append(outbox.dispatch_once())
            return sent

    with sms_app.app_context():
        config = sms_app.config
        gateway = SlowFirstSend(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                                sender=config["TWILIO_FROM"], api_url=config["TWILIO_API_URL"])
        outbox.dispatch_once(gateway)  # now: the clock's Friday 13:00, in the sending hours
        db.session.remove()
    assert other_dispatcher[0].claimed == [second], "B took the row A held too long"
    assert sorted(m["to"] for m in fake.accepted()) == ["+33611111111", "+33622222222"], "each sent once"
    assert {_message(sms_app, first).status, _message(sms_app, second).status} == {"sent"}


class Killed(BaseException):
    """A dispatcher process killed mid-round (SIGKILL, OOM, a deploy): nothing after it runs, nothing is committed."""


def _dispatch_until_none_pending(app, gateway: TwilioGateway, deadline: float,  # type: ignore[no-untyped-def]
                                 errors: list[BaseException]) -> None:
    """One dispatcher, started again after each kill: rounds of dispatch_once until no row waits to be sent."""
    try:
        while time.perf_counter() < deadline:
            claimed: list[int] = []
            with app.app_context():  # a fresh session each round, as a restarted process
                try:
                    claimed = outbox.dispatch_once(gateway).claimed  # the clock: Friday 13:00, sending hours
                except Killed:
                    pass  # the session is thrown away with the context: nothing it had not committed stays
                pending = db.session.scalar(select(func.count()).select_from(SmsMessage).where(
                    SmsMessage.status.in_(["queued", "sending", "unknown"])))
            if not pending:
                return
            if not claimed:
                time.sleep(0.05)  # as `flask sms dispatch` waits between empty rounds
    except BaseException as error:  # noqa: BLE001 - reported below
        errors.append(error)


def test_fifty_identical_texts_to_one_number_arrive_once_each_despite_faults_and_kills(sms_app, fake,
                                                                                       monkeypatch) -> None:
    """50 identical texts to one number; 30 % of Twilio requests fail (answers lost after acceptance, connections
    dropped or reset, 5xx, 429; look-ups too); two dispatchers, each killed now and then just before or just after a
    send or a look-up, then started again. Twilio gets the text 50 times, one message per row, none twice."""

    number, body, count = "+33612345678", "Votre rendez-vous est confirmé lundi à 10 h.", 50
    for _ in range(count):
        _queue(sms_app, to=number, body=body)
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))  # retries at once: time is not the test
    monkeypatch.setattr(outbox, "STUCK_AFTER", timedelta(seconds=3))  # a killed dispatcher's row comes back soon
    fake.fail_randomly(0.30, seed=50, match="any", mix=(Fault.lost(), Fault.drop(), Fault.reset(),
                                                       Fault.server_error(500), Fault.server_error(503),
                                                       Fault.rate_limited()))
    dice, lock, kills = random.Random(5), threading.Lock(), Counter()

    def kill(where: str) -> None:
        with lock:
            if dice.random() < 0.05:
                kills[where] += 1
                raise Killed(where)

    class KilledNowAndThen(TwilioGateway):
        def send(self, to, body, status_callback):  # type: ignore[no-untyped-def]
            kill("before a send")
            sent = super().send(to, body, status_callback)
            kill("after a send, its answer not recorded")
            return sent

        def lookup(self, to, body, since):  # type: ignore[no-untyped-def]
            found = super().lookup(to, body, since)
            kill("after a look-up")
            return found

    config = sms_app.config
    errors: list[BaseException] = []
    deadline = time.perf_counter() + 240

    def work() -> None:
        gateway = KilledNowAndThen(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                                   sender=config["TWILIO_FROM"], api_url=config["TWILIO_API_URL"])
        _dispatch_until_none_pending(sms_app, gateway, deadline, errors)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    accepted = [m["sid"] for m in fake.accepted() if m["to"] == number and m["body"] == body]
    with sms_app.app_context():
        rows = db.session.execute(select(SmsMessage.id, SmsMessage.status, SmsMessage.provider_id)).all()
    statuses = Counter(row.status for row in rows)
    assert statuses == {"sent": count}, f"all {count} sent: {dict(statuses)} (kills: {dict(kills)})"
    assert len(accepted) == count, f"Twilio got the text {len(accepted)} times for {count} rows (kills: {dict(kills)})"
    assert sorted(row.provider_id for row in rows) == sorted(accepted), "each row settled by its own message"
    assert sum(kills.values()) > 0 and fake.requests, "the dispatchers were killed now and then"

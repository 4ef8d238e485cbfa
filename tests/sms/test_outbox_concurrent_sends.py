"""Exactly once with concurrent sends: the reliability scenarios of test_outbox.py run again with each dispatcher
sending 4 messages at once (SMS_SENDERS, as `flask --app guide sms dispatch` does by default) and committing the
fates in batches."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from guide.core.extensions import db
from guide.messaging import outbox
from guide.models import SmsMessage
from tests.sms import test_outbox
from tests.sms.test_outbox import deliver_5000


@pytest.fixture()
def concurrent_sends(monkeypatch) -> None:
    monkeypatch.setattr(outbox, "dispatch_once", functools.partial(outbox.dispatch_once, senders=4))


def test_two_dispatchers_sending_4_at_once_deliver_5000_messages_exactly_once(sms_app, app, ctx, fake,
                                                                              monkeypatch, concurrent_sends) -> None:
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))  # retry at once: time is not the test
    delivery = deliver_5000(sms_app, fake, seed=11)
    assert not (delivery.lost or delivery.twice or delivery.stopped), delivery.report(sms_app, fake)
    assert delivery.sent == len(delivery.wanted) == 4500, "every message with consent, exactly once"
    with sms_app.app_context():
        statuses = Counter(db.session.scalars(select(SmsMessage.status)))
    assert statuses == {"sent": 4500, "cancelled": 500}


def test_fifty_identical_texts_sent_4_at_once_arrive_once_each_despite_faults_and_kills(sms_app, fake, monkeypatch,
                                                                                        concurrent_sends) -> None:
    test_outbox.test_fifty_identical_texts_to_one_number_arrive_once_each_despite_faults_and_kills(
        sms_app, fake, monkeypatch)


def test_a_stop_request_mid_batch_puts_the_unsent_back(sms_app, fake) -> None:
    """stop() is asked before the claim, then before each send; it turns true at its 4th call, after 2 sends have
    started: those are recorded, the other 18 claimed go back to the queue as they were."""
    with sms_app.app_context():
        for n in range(20):
            outbox.enqueue(f"+3361{n:07d}", "sign_in_code", f"Votre code : {n:06d}")
        db.session.commit()
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with sms_app.app_context():
        result = outbox.dispatch_once(senders=2, stop=stop)
        rows = list(db.session.scalars(select(SmsMessage)))
        statuses = Counter(row.status for row in rows)
        assert result.sent == 2 and result.released == 18, result
        assert statuses == {"sent": 2, "queued": 18}, dict(statuses)
        assert all(row.attempts == 0 and row.first_attempt_at is None for row in rows if row.status == "queued")
        db.session.remove()
    assert len(fake.accepted()) == 2

"""The dispatcher as a real process (`flask --app guide sms dispatch`) stopped by SIGTERM in the middle of a batch:
the sends under way finish and are recorded, the messages claimed and not sent go back to the queue, nothing stays
"sending", and a new dispatcher then sends the rest: every message reaches Twilio exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from guide.core.extensions import db
from guide.models import SmsMessage
from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio, Fault

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def _queue(app, count: int) -> None:
    queued_at = datetime.now(UTC) - timedelta(minutes=1)
    with app.app_context():  # sign-in codes go at any hour: the test does not depend on the clock
        db.session.execute(insert(SmsMessage), [
            {"to_number": f"+3361{n:07d}", "kind": "sign_in_code", "body": f"Votre code : {n:06d}",
             "status": "queued", "segments": 1, "encoding": "GSM-7", "send_after": queued_at,
             "created_at": queued_at, "attempts": 0} for n in range(count)])
        db.session.commit()
        db.session.remove()


def _env(database_url: str, fake: FakeTwilio, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUIDE_")}
    env.update({"GUIDE_DATABASE_URL": database_url, "GUIDE_SECRET_KEY": "shutdown-test",
                "GUIDE_SMS_BACKEND": "twilio", "GUIDE_TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
                "GUIDE_TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN, "GUIDE_TWILIO_FROM": "+33939000000",
                "GUIDE_TWILIO_API_URL": fake.base_url, **extra})
    return env


def _rows(app) -> list[SmsMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_sigterm_mid_batch_leaves_each_message_sent_once_or_back_in_the_queue(app, database_url) -> None:
    count, batch = 300, 100
    _queue(app, count)
    with FakeTwilio() as fake:
        fake.fail_randomly(1.0, seed=1, mix=(Fault.slow(0.05),))  # every send takes 50 ms: SIGTERM lands mid-batch
        process = subprocess.Popen([FLASK, "--app", "guide", "sms", "dispatch", "--interval", "0.2"], cwd=ROOT,
                                   env=_env(database_url, fake, GUIDE_SMS_BATCH=str(batch), GUIDE_SMS_SENDERS="4"),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while len(fake.accepted()) < 20 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        assert process.poll() is None, f"the dispatcher ended before the signal: {process.communicate()[0]}"
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
        accepted = Counter(message["body"] for message in fake.accepted())
        rows = _rows(app)
        statuses = Counter(row.status for row in rows)

        assert process.returncode == 0, f"a clean stop exits 0: {process.returncode}\n{output}"
        assert "stopped: nothing left sending" in output, output
        assert set(statuses) <= {"sent", "queued"}, f"nothing left sending or unknown: {dict(statuses)}\n{output}"
        assert statuses["queued"] > 0 and 0 < statuses["sent"] < count, f"stopped mid-way: {dict(statuses)}"
        assert "put back in the queue" in output, f"the signal came mid-batch, claimed rows went back: {output}"
        assert max(accepted.values()) == 1, "no text reached Twilio twice"
        sent_ids = {row.provider_id for row in rows if row.status == "sent"}
        assert sent_ids == {m["sid"] for m in fake.accepted()}, "each send recorded on its row, none forgotten"
        for row in rows:
            if row.status == "queued":
                assert row.attempts == 0 and row.lease is None and row.claimed_at is None, \
                    f"row {row.id} back in the queue as it was before the claim: attempts {row.attempts}"

        # a new dispatcher sends the rest; nothing goes twice
        fake.clear_faults()
        done = subprocess.run([FLASK, "--app", "guide", "sms", "dispatch", "--once"], cwd=ROOT,
                              env=_env(database_url, fake), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        accepted = Counter(message["body"] for message in fake.accepted())
    assert len(accepted) == count and max(accepted.values()) == 1, "every message sent, none twice"
    assert Counter(row.status for row in _rows(app)) == {"sent": count}

"""SMS dispatch throughput to the local fake Twilio, through the real SDK (target: ≥ 200 messages/s for one dispatcher).

Queues N due messages, then drains them with 1, then 2 dispatcher processes (each `dispatch_once` in a loop, as
`flask --app guide sms dispatch` does), against the fake Twilio HTTP server of the test suite. Prints messages
per second and checks every message went out exactly once.

Usage: .venv/bin/python bench/dispatch.py [--messages 3000] [--database-url postgresql://...]
(PostgreSQL: a scratch database, e.g. `createdb -h 127.0.0.1 -U postgres bench`; its tables are dropped.)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import reset_database  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Monday inside the sending hours


def _app(url: str, fake_url: str):  # type: ignore[no-untyped-def]
    from guide import create_app
    from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SMS_BACKEND": "twilio",
                       "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
                       "TWILIO_FROM": "+33939000000", "TWILIO_API_URL": fake_url,
                       "PUBLIC_BASE_URL": "https://relogement.example.fr"})


def _drain(url: str, fake_url: str) -> None:
    from guide.messaging.outbox import dispatch_once

    app = _app(url, fake_url)
    with app.app_context():  # as `flask --app guide sms dispatch` (its batch and concurrent sends)
        config = app.config
        while dispatch_once(limit=config["SMS_BATCH"], senders=config["SMS_SENDERS"], now=NOW).claimed:
            pass


def run(url: str, fake, messages: int, dispatchers: int) -> float:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from guide.core.extensions import db
    from guide.models import SmsMessage

    app = _app(url, fake.base_url)
    with app.app_context():
        db.session.execute(sa.delete(SmsMessage))
        db.session.execute(sa.insert(SmsMessage), [
            {"to_number": f"+336{40000000 + i:08d}", "kind": "bench", "status": "queued", "segments": 1,
             "body": f"Rappel : rendez-vous demain 24/11/2026 a 14:30. Details : https://x.fr/k/{i:022d}",
             "send_after": datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "attempts": 0, "encoding": "GSM-7"}
            for i in range(messages)])
        db.session.commit()
    fake.reset()
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_drain, args=(url, fake.base_url)) for _ in range(dispatchers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    with app.app_context():
        statuses = Counter(db.session.scalars(sa.select(SmsMessage.status)))
    bodies = Counter(message["body"] for message in fake.accepted())
    duplicates = sum(count - 1 for count in bodies.values() if count > 1)
    rate = messages / elapsed
    print(f"{dispatchers} dispatcher(s): {messages:,} messages in {elapsed:.2f} s = {rate:,.0f} messages/s; "
          f"statuses {dict(statuses)}; accepted by the fake {len(bodies):,}, duplicates {duplicates}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/dispatch.sqlite3"
    reset_database(url)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

    import flask_migrate

    from tests.fake_twilio import FakeTwilio

    with FakeTwilio() as fake:
        app = _app(url, fake.base_url)
        with app.app_context():
            flask_migrate.upgrade()
            from guide.core.extensions import db

            print(f"database: {db.engine.dialect.name}; fake Twilio at {fake.base_url}")
            db.engine.dispose()  # no connection crosses the fork
        rates = [run(url, fake, args.messages, dispatchers) for dispatchers in (1, 2)]
    verdict = "OK" if rates[0] >= 200 else "BELOW TARGET"
    print(f"target: one dispatcher ≥ 200 messages/s -> {rates[0]:,.0f} messages/s: {verdict}")


if __name__ == "__main__":
    main()

"""Every SMS exactly once: the 5,000-message reliability test, run N times in a row; lost and duplicated per run.

Each run is `tests/sms/test_outbox.py::test_two_dispatchers_deliver_5000_messages_exactly_once_despite_failures`
(the same scenario code, `deliver_5000`): 5,000 queued messages, one in ten to a number that said STOP, 30 % of the
sends failing (5xx, 429, connections dropped or reset: a new random seed each run), nothing sent on a Sunday, then
two dispatchers at once against the local fake Twilio through the real SDK. Goal: 0 lost and 0 duplicated every run.

Usage: .venv/bin/python bench/sms_exactly_once.py [--runs 20] [--messages 5000] [--database-url postgresql://...]
(SQLite in a temporary file by default; PostgreSQL: a scratch database, its tables are dropped.)
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import reset_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--senders", type=int, default=4, help="sends at once per dispatcher (SMS_SENDERS)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/exactly_once.sqlite3"
    reset_database(url)

    import flask_migrate
    import time_machine

    from guide import create_app
    from guide.core.extensions import db
    from guide.messaging import outbox
    from tests import factories
    from tests.conftest import TEST_CONFIG
    from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
    from tests.sms.conftest import CLOCK
    from tests.sms.test_outbox import deliver_5000

    outbox.backoff = lambda attempts: timedelta(0)  # as the test: retries go at once, time is not the point
    outbox.dispatch_once = functools.partial(outbox.dispatch_once, senders=args.senders)  # as the CLI runs it
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    total_sent = total_lost = total_twice = total_stopped = 0
    failed_runs = 0
    with FakeTwilio() as fake, time_machine.travel(CLOCK, tick=True):  # the test's clock (a Friday, 13:00 in Paris)
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SMS_BACKEND": "twilio",
                          "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
                          "TWILIO_FROM": "+33700000000", "TWILIO_API_URL": fake.base_url,
                          "PUBLIC_BASE_URL": "http://localhost"})
        with app.app_context():
            flask_migrate.upgrade()
            print(f"database: {db.engine.dialect.name}; {args.messages:,} messages a run, 2 dispatchers "
                  f"({args.senders} sends at once each), 30 % faults")
        factories.APP = app
        logging.getLogger("guide.messaging").setLevel(logging.ERROR)  # one warning per injected fault otherwise
        for run in range(1, args.runs + 1):
            with app.app_context(), db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            fake.reset()
            started = time.perf_counter()
            delivery = deliver_5000(app, fake, seed=run, count=args.messages)
            seconds = time.perf_counter() - started
            lost, twice, stopped = len(delivery.lost), len(delivery.twice), len(delivery.stopped)
            total_sent, total_lost, total_twice, total_stopped = (total_sent + delivery.sent, total_lost + lost,
                                                                  total_twice + twice, total_stopped + stopped)
            ok = not (lost or twice or stopped)
            failed_runs += not ok
            print(f"run {run:2d}: sent {delivery.sent:5d}, lost {lost}, duplicated {twice}, after STOP {stopped}, "
                  f"{seconds:5.1f} s {'OK' if ok else 'FAILED'}", flush=True)
            if not ok:
                print(delivery.report(app, fake), flush=True)
    print(f"total: {args.runs} runs, sent {total_sent:,}, lost {total_lost}, duplicated {total_twice}, "
          f"after STOP {total_stopped}; runs with a loss or a duplicate: {failed_runs}")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())

"""SMS dispatch throughput to the local fake Twilio, through the real SDK (target: ≥ 200 messages/s for one dispatcher).

Queues N due messages, then drains them with one dispatcher process (`dispatch_once` in a loop, with the batch and
the concurrent sends of `flask --app guide sms dispatch`), against the fake Twilio HTTP server of the test suite,
and checks every message went out exactly once. Side by side in one run, in interleaved rounds (a noisy neighbour
hits all of them), on SQLite and, with --database-url, on PostgreSQL:
  floor   the fake alone: the same N sends through the SDK, as many at once, no database (what one dispatcher
          could reach at best on this machine);
  before  the dispatcher of another checkout (--before, e.g. main's code: `git archive main | tar -x -C /tmp/main`);
  after   this checkout's dispatcher.
Each dispatcher is a fresh Python process; its time runs from its first round to its last (not its start-up).

Usage: .venv/bin/python bench/dispatch.py [--messages 2000] [--rounds 3] [--before /tmp/main]
       [--database-url postgresql://...]
(PostgreSQL: a scratch database, e.g. `createdb -h 127.0.0.1 -U postgres bench`; its tables are dropped.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import reset_database  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Monday inside the sending hours
ACCOUNT_SID, AUTH_TOKEN = "AC" + "0" * 32, "test"  # tests/fake_twilio.py's defaults


def _config(url: str, fake_url: str) -> dict[str, object]:
    return {"DATABASE_URL": url, "SECRET_KEY": "bench", "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": "+33939000000", "TWILIO_API_URL": fake_url,
            "PUBLIC_BASE_URL": "https://relogement.example.fr"}


def child(root: str, url: str, fake_url: str, floor: int) -> None:
    """In a fresh process: drain the outbox with `root`'s dispatcher, or (`floor` > 0) only send that many messages
    through the SDK; prints the seconds it took as JSON."""
    sys.path.insert(0, root)
    import twilio.rest  # noqa: F401 - imported before the clock starts, as in a dispatcher already running

    from guide import create_app
    from guide.messaging.gateway import TwilioGateway

    app = create_app(_config(url, fake_url))
    config = app.config
    if floor:
        from concurrent.futures import ThreadPoolExecutor

        gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, sender=config["TWILIO_FROM"], api_url=fake_url)
        started = time.perf_counter()
        with ThreadPoolExecutor(config["SMS_SENDERS"]) as pool:
            list(pool.map(lambda i: gateway.send(f"+336{40000000 + i:08d}", _body(i), "https://x.fr/sms/status"),
                          range(floor)))
        print(json.dumps({"seconds": time.perf_counter() - started}))
        return
    from guide.messaging.outbox import dispatch_once

    with app.app_context():  # as `flask --app guide sms dispatch` (its batch and concurrent sends)
        started = time.perf_counter()
        while dispatch_once(limit=config["SMS_BATCH"], senders=config["SMS_SENDERS"], now=NOW).claimed:
            pass
        print(json.dumps({"seconds": time.perf_counter() - started}))


def _body(i: int) -> str:
    return f"Rappel : rendez-vous demain 24/11/2026 a 14:30. Details : https://x.fr/k/{i:022d}"


def _queue(url: str, fake_url: str, messages: int) -> None:
    import sqlalchemy as sa

    from guide import create_app
    from guide.core.extensions import db
    from guide.models import SmsMessage

    app = create_app(_config(url, fake_url))
    with app.app_context():
        db.session.execute(sa.delete(SmsMessage))
        db.session.execute(sa.insert(SmsMessage), [
            {"to_number": f"+336{40000000 + i:08d}", "kind": "bench", "status": "queued", "segments": 1,
             "body": _body(i), "send_after": datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "attempts": 0,
             "encoding": "GSM-7"} for i in range(messages)])
        db.session.commit()
        db.engine.dispose()


def _statuses(url: str, fake_url: str) -> dict[str, int]:
    import sqlalchemy as sa

    from guide import create_app
    from guide.core.extensions import db
    from guide.models import SmsMessage

    app = create_app(_config(url, fake_url))
    with app.app_context():
        found = dict(Counter(db.session.scalars(sa.select(SmsMessage.status))))
        db.engine.dispose()
    return found


def run(variant: str, root: str, url: str, fake, messages: int) -> float:  # type: ignore[no-untyped-def]
    """One dispatcher (or the floor) over `messages`: messages per second; exits if one was lost or sent twice."""
    if variant != "floor":
        _queue(url, fake.base_url, messages)
    fake.reset()
    output = subprocess.run([sys.executable, __file__, "--child", root, "--child-url", url, "--child-fake",
                             fake.base_url, "--child-floor", str(messages if variant == "floor" else 0)],
                            check=True, capture_output=True, text=True, cwd=root).stdout
    seconds = json.loads(output.strip().splitlines()[-1])["seconds"]
    accepted = Counter(message["body"] for message in fake.accepted())
    duplicates = sum(count - 1 for count in accepted.values() if count > 1)
    statuses = {"sent": messages} if variant == "floor" else _statuses(url, fake.base_url)
    if len(accepted) != messages or duplicates or statuses != {"sent": messages}:
        sys.exit(f"{variant}: accepted by the fake {len(accepted)} of {messages}, duplicates {duplicates}, "
                 f"statuses {statuses}")
    return messages / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default=None, help="another checkout whose dispatcher is measured beside")
    parser.add_argument("--database-url", default=None, help="also on this PostgreSQL database")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-fake", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.child_url, args.child_fake, args.child_floor)
        return
    import flask_migrate

    from guide import create_app
    from tests.fake_twilio import FakeTwilio

    databases = [("SQLite", f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/dispatch.sqlite3")]
    if args.database_url:
        databases.append(("PostgreSQL", args.database_url))
    variants = [("floor", str(ROOT))] + ([("before", str(Path(args.before).resolve()))] if args.before else []) + [
        ("after", str(ROOT))]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
          f"{args.messages:,} messages a run, one dispatcher")
    rates: dict[tuple[str, str], list[float]] = {}
    with FakeTwilio() as fake:
        for _, url in databases:
            reset_database(url)
            app = create_app(_config(url, fake.base_url))
            with app.app_context():
                flask_migrate.upgrade()
                from guide.core.extensions import db

                db.engine.dispose()
        for round_number in range(1, args.rounds + 1):
            for name, url in databases:
                for variant, root in variants:
                    if variant == "floor" and name != databases[0][0]:
                        continue  # no database: once a round is enough
                    rate = run(variant, root, url, fake, args.messages)
                    key = ("-", variant) if variant == "floor" else (name, variant)
                    rates.setdefault(key, []).append(rate)
                    print(f"round {round_number} {key[0]:10s} {variant:6s}: {rate:7,.0f} messages/s", flush=True)
    print(f"\nmessages/s, one dispatcher (median of {args.rounds} rounds; each round's figures: lost 0, duplicated 0)")
    floor = statistics.median(rates[("-", "floor")])
    print(f"  {'floor (fake Twilio + SDK, no database)':40s} {floor:7,.0f}")
    for name, _ in databases:
        for variant, _ in variants[1:]:
            median = statistics.median(rates[(name, variant)])
            print(f"  {name + ' ' + variant:40s} {median:7,.0f}  ({median / floor:.0%} of the floor)   "
                  f"target ≥ 200: {'OK' if median >= 200 else 'BELOW'}")


if __name__ == "__main__":
    main()

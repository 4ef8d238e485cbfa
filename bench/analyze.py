"""SQLite's planner with and without statistics: moving one appointment with a big SMS outbox (issue 20).

Seeds households and appointments as bench/reminders.py does, queues their reminders (about one outbox row per
appointment), then times one appointment moved and committed (the commit hook re-syncs that household's
reminders), p50/p95 over 300 changes, three times:
1. the database never analysed (no sqlite_stat1: what every database had before `guide.core.maintenance`);
2. after the migrations' `ANALYZE` on the empty schema (a fresh install before its first night);
3. after the nightly `flask --app guide optimize-db` (`guide.core.maintenance.optimize(nightly=True)`).
Usage: .venv/bin/python bench/analyze.py [--appointments 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reminders import move_appointments, seed  # noqa: E402

# the hook withdraws a moved appointment's queued reminders: UPDATE sms_message SET status='cancelled' ... WHERE
# id IN (...) AND status = 'queued'. Without statistics SQLite reads it through ix_sms_message_due (every queued
# row) instead of the primary key; the same WHERE as a SELECT is timed here
QUERY = "SELECT id FROM sms_message WHERE id IN (:a, :b) AND status = 'queued'"


def moves(rng: random.Random, appointment_ids: list[int], label: str) -> None:
    import sqlalchemy as sa

    from guide.core.extensions import db

    plan = db.session.execute(sa.text("EXPLAIN QUERY PLAN " + QUERY), {"a": 7, "b": 8}).all()
    started = time.perf_counter()
    for row_id in range(1, 301):
        db.session.execute(sa.text(QUERY), {"a": row_id * 97, "b": row_id * 97 + 1}).all()
    query_ms = (time.perf_counter() - started) * 1000 / 300
    print(f"   withdrawing a reminder's WHERE: {query_ms:.2f} ms on average; plan: {' / '.join(r[-1] for r in plan)}")
    samples = move_appointments(rng, appointment_ids)
    print(f"{label:58} p50 {statistics.median(samples):6.2f} ms   p95 {samples[int(len(samples) * 0.95)]:6.2f} ms")


def reconnect() -> None:
    """New connections: SQLite reads the statistics when a connection opens its schema."""
    from guide.core.extensions import db

    db.session.remove()
    db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    url = f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/analyze.sqlite3"

    import flask_migrate
    import sqlalchemy as sa

    from guide import create_app
    from guide.core.extensions import db
    from guide.core.maintenance import optimize
    from guide.features.reminders.service import sync
    from guide.models import Appointment, SmsMessage

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PUBLIC_BASE_URL": "https://relogement.example.fr"})
    with app.app_context():
        flask_migrate.upgrade()  # runs ANALYZE on the empty schema, then PRAGMA optimize
        stats = db.session.execute(sa.text("SELECT tbl, idx, stat FROM sqlite_stat1")).all()
        seed(app, args.appointments)
        sync()
        db.session.commit()
        outbox = db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage))
        print(f"{args.appointments:,} appointments, {outbox:,} outbox rows")
        appointment_ids = list(db.session.scalars(sa.select(Appointment.id)))
        rng = random.Random(5)

        db.session.execute(sa.text("DROP TABLE sqlite_stat1"))
        db.session.commit()
        reconnect()
        moves(rng, appointment_ids, "1. never analysed")

        db.session.execute(sa.text("ANALYZE"))  # recreates sqlite_stat1, then put back what the migrations wrote
        db.session.execute(sa.text("DELETE FROM sqlite_stat1"))
        for row in stats:
            db.session.execute(sa.text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                               {"t": row.tbl, "i": row.idx, "s": row.stat})
        db.session.commit()
        reconnect()
        moves(rng, appointment_ids, f"2. analysed when empty (migrations; {len(stats)} stat rows)")

        started = time.perf_counter()
        with db.engine.connect() as connection:
            ran = optimize(connection, nightly=True)
        print(f"   nightly optimize: {'; '.join(ran)} in {time.perf_counter() - started:.2f} s")
        reconnect()
        moves(rng, appointment_ids, "3. after the nightly optimize-db")
        for row in db.session.execute(sa.text("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'sms_message'")):
            print("   ", row.tbl, row.idx, row.stat)
        started = time.perf_counter()
        db.session.execute(sa.text("PRAGMA analysis_limit=0"))
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"   full ANALYZE in {time.perf_counter() - started:.2f} s")
        reconnect()
        moves(rng, appointment_ids, "4. after a full ANALYZE (no analysis_limit)")
        for row in db.session.execute(sa.text("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'sms_message'")):
            print("   ", row.tbl, row.idx, row.stat)


if __name__ == "__main__":
    main()

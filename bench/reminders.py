"""Scheduling SMS reminders for 100,000 appointments (target: ≤ 10 s for the whole run).

Seeds households (each with phones that accept SMS, in the five languages) and their appointments on realistic
half-hour slots over the next four months, plus a proposal awaiting an answer for one household in three; then
times `guide.features.reminders.service.sync()` for every household:

1. first run: every reminder queued;
2. second run: nothing changed (what the nightly safety net costs);
3. after 10 % of the appointments moved and 2 % cancelled;
and the per-change cost inside a request: one appointment moved and committed (the commit hook re-syncs that
household), p50/p95 over 300 changes.

Usage: .venv/bin/python bench/reminders.py [--appointments 100000] [--database-url postgresql://...]
(PostgreSQL: a scratch database, e.g. `createdb -h 127.0.0.1 -U postgres bench`; its tables are dropped.)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import reset_database  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
PER_HOUSEHOLD = 2


def seed(app, appointments: int) -> list[int]:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from guide.core.extensions import db
    from guide.models import Appointment, Household, HouseholdPhone, Proposal

    rng = random.Random(7)
    households = appointments // PER_HOUSEHOLD
    languages = ["fr", "ar", "en", "tr", "pt"]
    now = datetime.now(UTC)
    today = date.today()
    db.session.execute(sa.insert(Household), [
        {"reference": f"R-{i:06d}", "display_name": f"Famille {i}", "language": languages[i % 5], "occupants": 3,
         "stage": "visit", "documents_updated_on": today - timedelta(days=i % 300), "version": 1,
         "created_at": now, "updated_at": now} for i in range(households)])
    ids = db.session.scalars(sa.select(Household.id).order_by(Household.id)).all()
    db.session.execute(sa.insert(HouseholdPhone), [
        {"household_id": hid, "number": f"+336{30000000 + n:08d}", "label": "", "sms_consent": n % 10 != 0}
        for n, hid in enumerate(ids)])
    slots = []
    for day in range(1, 121):
        on = today + timedelta(days=day)
        if on.weekday() == 6:
            continue
        for half_hour in range(18, 35):  # 09:00 to 17:00
            local = datetime(on.year, on.month, on.day, half_hour // 2, 30 * (half_hour % 2), tzinfo=PARIS)
            slots.append(local.astimezone(UTC))
    rows = []
    for hid in ids:
        for _ in range(PER_HOUSEHOLD):
            rows.append({"household_id": hid, "kind": "home_interview", "starts_at": rng.choice(slots),
                         "place": "", "with_whom": "", "status": "planned", "duration_minutes": 60, "version": 1,
                         "change_note": "", "created_at": now, "updated_at": now})
    for start in range(0, len(rows), 20_000):
        db.session.execute(sa.insert(Appointment), rows[start:start + 20_000])
    db.session.execute(sa.insert(Proposal), [
        {"household_id": hid, "rank": 1, "address": "1 rue du Bench", "commune": "Lille", "flat_type": "T3",
         "rent": 420, "charges": 90, "housing_benefit": 120, "landlord": "LMH", "received_on": today,
         "visit_on": today + timedelta(days=n % 20), "status": "visit_planned", "version": 1,
         "created_at": now, "updated_at": now} for n, hid in enumerate(ids) if n % 3 == 0])
    db.session.commit()
    return list(ids)


def timed(label: str, app) -> float:  # type: ignore[no-untyped-def]
    from guide.core.extensions import db
    from guide.features.reminders.service import sync

    started, cpu = time.perf_counter(), time.process_time()
    result = sync()
    db.session.commit()
    elapsed = time.perf_counter() - started
    print(f"{label:42} {elapsed:6.2f} s (this process's CPU {time.process_time() - cpu:5.2f} s)   "
          f"wanted {result.wanted:>7,}  queued {result.queued:>7,}  "
          f"moved {result.moved:>6,}  withdrawn {result.withdrawn:>6,}  unchanged {result.unchanged:>7,}")
    return elapsed


def move_appointments(rng: random.Random, appointment_ids: list[int], count: int = 300) -> list[float]:
    """Move `count` random appointments by an hour, one commit each (the commit hook re-syncs that household's
    reminders): each change's milliseconds, sorted."""
    from guide.core.extensions import db
    from guide.models import Appointment

    samples = []
    for appointment_id in rng.sample(appointment_ids, count):
        started = time.perf_counter()
        appointment = db.session.get(Appointment, appointment_id)
        appointment.starts_at = appointment.starts_at + timedelta(hours=1)
        db.session.commit()
        samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/reminders.sqlite3"
    reset_database(url)

    import flask_migrate
    import sqlalchemy as sa

    from guide import create_app
    from guide.core.extensions import db
    from guide.models import Appointment

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PUBLIC_BASE_URL": "https://relogement.example.fr"})
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        ids = seed(app, args.appointments)
        print(f"database: {db.engine.dialect.name}; seeded {len(ids):,} households, {args.appointments:,} "
              f"appointments in {time.perf_counter() - started:.1f} s (not counted)")
        first = timed("1. first run (everything queued)", app)
        timed("2. again, nothing changed", app)
        rng = random.Random(3)
        appointment_ids = db.session.scalars(sa.select(Appointment.id)).all()
        moved = set(rng.sample(appointment_ids, len(appointment_ids) // 10))
        table = Appointment.__table__
        new_times = [{"row_id": row.id, "new_start": row.starts_at + timedelta(days=2)}
                     for row in db.session.execute(sa.select(table.c.id, table.c.starts_at)) if row.id in moved]
        db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                           .values(starts_at=sa.bindparam("new_start")), new_times)
        cancelled = rng.sample(appointment_ids, len(appointment_ids) // 50)
        for start in range(0, len(cancelled), 5_000):
            db.session.execute(sa.update(Appointment).where(Appointment.id.in_(cancelled[start:start + 5_000]))
                               .values(status="cancelled"))
        db.session.commit()
        timed("3. after 10 % moved and 2 % cancelled", app)
        samples = move_appointments(rng, appointment_ids)
        print(f"one appointment moved and committed (hook included): p50 {statistics.median(samples):.1f} ms, "
              f"p95 {samples[int(len(samples) * 0.95)]:.1f} ms over {len(samples)} changes")
        verdict = "OK" if first <= 10 else "OVER BUDGET"
        print(f"target: 100,000 appointments scheduled in ≤ 10 s -> first run {first:.2f} s: {verdict}")


if __name__ == "__main__":
    main()

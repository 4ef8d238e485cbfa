"""The household home ("where I stand") under load: 10,000 households in the database, 20 concurrent clients.

Seeds the households (with proposals and appointments), signs in 200 of them through personal links, then
requests /my with their sessions from concurrent clients against gunicorn. Prints p50/p95/p99 (server time
from Server-Timing, and client-observed) and the compressed size of the page.
Targets: p95 ≤ 25 ms; ≤ 15 KB compressed.
Usage: .venv/bin/python bench/household_home.py [--households 10000] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import gunicorn

TIMING = re.compile(r"app;dur=([0-9.]+)")


def seed(database_url: str, count: int) -> list[str]:
    """Insert the households in bulk; return personal-link tokens for 200 of them."""
    import sqlalchemy as sa

    from guide import create_app
    from guide.core.extensions import db
    from guide.core.security import hash_password
    from guide.features.signin.service import create_link
    from guide.models import Appointment, Household, HouseholdPhone, Proposal, StaffUser

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade()
        officer = StaffUser(email="bench@example.org", name="Agent", role="officer", phone="+33320000000",
                            password_hash=hash_password("bench-password-123"))
        db.session.add(officer)
        db.session.commit()
        today = date.today()
        languages = ["fr", "ar", "en", "tr", "pt"]
        db.session.execute(sa.insert(Household), [
            {"reference": f"B-{i:06d}", "display_name": f"Famille {i}", "language": languages[i % 5],
             "occupants": 1 + i % 6, "stage": "my-answer", "officer_id": officer.id,
             "documents_updated_on": today - timedelta(days=i % 200)} for i in range(count)])
        ids = db.session.scalars(sa.select(Household.id).order_by(Household.id)).all()
        db.session.execute(sa.insert(HouseholdPhone), [
            {"household_id": hid, "number": f"+336{20000000 + n:08d}", "label": "", "sms_consent": True}
            for n, hid in enumerate(ids)])
        db.session.execute(sa.insert(Proposal), [
            {"household_id": hid, "rank": 1, "address": "1 rue du Bench", "commune": "Lille", "flat_type": "T3",
             "rent": 420, "charges": 90, "housing_benefit": 120, "landlord": "LMH", "received_on": today,
             "visit_on": today - timedelta(days=n % 12), "status": "visited", "version": 1,
             "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)} for n, hid in enumerate(ids)])
        db.session.execute(sa.insert(Appointment), [
            {"household_id": hid, "kind": "flat_visit", "starts_at": datetime.now(UTC) + timedelta(days=1 + n % 9),
             "place": "Mairie", "with_whom": "Agent", "status": "planned", "duration_minutes": 60, "version": 1,
             "change_note": "", "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}
            for n, hid in enumerate(ids)])
        db.session.commit()
        # statistics, as the database has them a minute after a bulk load (autovacuum; on SQLite, the nightly job's
        # PRAGMA optimize): without them the planner guesses a handful of rows and sorts all 10,000 for a page of 50
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        tokens = []
        with app.test_request_context():
            for hid in random.Random(1).sample(ids, 200):
                tokens.append(create_link(db.session.get(Household, hid)))
            db.session.commit()
    return tokens


def open_session(base: str, token: str) -> str:
    """Follow a personal link like a phone would; return the session cookie."""
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", f"/k/{token}")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    conn.request("POST", f"/k/{token}", body=f"csrf_token={csrf}",
                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    assert response.status == 303, response.status
    cookie = response.getheader("Set-Cookie").split(";")[0]
    # the first page adds the session's CSRF token to the cookie: a phone keeps the new cookie, and so do we
    conn.request("GET", "/my", headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status
    changed = response.getheader("Set-Cookie")
    return changed.split(";")[0] if changed else cookie


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/home.sqlite3"
    started = time.perf_counter()
    tokens = seed(url, args.households)
    print(f"seeded {args.households} households in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
    # sign-in rate limits would stop the 200 link sign-ins from one address; they are not what is measured here
    # (and the in-app time comes from Server-Timing, sent only when asked)
    no_limits = {"GUIDE_RATELIMIT_ENABLED": "false", "GUIDE_SERVER_TIMING": "true"}
    with gunicorn(workers=args.workers, threads=args.threads, database_url=url, extra_env=no_limits) as base:
        cookies = [open_session(base, t) for t in tokens]
        parsed = urlparse(base)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port)
        conn.request("GET", "/my", headers={"Cookie": cookies[0], "Accept-Encoding": "br, gzip"})
        response = conn.getresponse()
        size = len(response.read()) + sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders())
        counter = itertools.count()
        server_ms: list[float] = []
        client_ms: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def client(seed_value: int) -> None:
            rng = random.Random(seed_value)
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
            while next(counter) < args.requests:
                began = time.perf_counter()
                conn.request("GET", "/my", headers={"Cookie": rng.choice(cookies), "Accept-Encoding": "br, gzip"})
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - began) * 1000
                timing = TIMING.search(response.getheader("Server-Timing") or "")
                with lock:
                    client_ms.append(elapsed)
                    if response.status != 200:
                        errors.append(str(response.status))
                    if timing:
                        server_ms.append(float(timing.group(1)))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        duration = time.perf_counter() - began

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    print(f"{len(client_ms)} requests of /my by {args.clients} clients in {duration:.1f} s "
          f"({len(client_ms) / duration:.0f} req/s), {len(errors)} errors")
    for name, values in (("server time", server_ms), ("client-observed", client_ms)):
        print(f"{name:16} p50 {pct(values, 50):6.1f} ms  p95 {pct(values, 95):6.1f} ms  "
              f"p99 {pct(values, 99):6.1f} ms  mean {statistics.fmean(values):6.1f} ms")
    print(f"household home: {size / 1024:.1f} KB compressed (headers included); targets: p95 ≤ 25 ms, ≤ 15 KB")


if __name__ == "__main__":
    main()

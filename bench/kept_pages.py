"""'Where I stand' drawn against kept (guide/core/personal_pages.py): CPU time and statements per request.

One process, the app in it (Flask's test client: no network, no server), a household signed in on a database of
--households: /my is asked --requests times with the kept pages off (PERSONAL_PAGE_CACHE false: the page drawn each
time, as before the kept pages) then on, in interleaved rounds. The figures are the CPU time of this process per
request (what the page costs the machine, whatever the neighbours do: this machine is shared and noisy), the wall
time (which also counts the database's answers), and the SQL statements per request. bench/floor.py gives the
same page under gunicorn and wrk against the floors.

Usage: .venv/bin/python bench/kept_pages.py [--households 10000] [--db postgresql://postgres@127.0.0.1:5432/bench_kept]
       [--requests 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GUIDE_HOUSING_BENEFIT_WARMUP", "0")

from sqlalchemy import event  # noqa: E402

from bench._server import reset_database  # noqa: E402
from bench.household_home import seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (emptied); SQLite in a temporary file if unset")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='guide-kept-')}/kept.sqlite3"
    if args.db:
        reset_database(args.db)
    tokens = seed(url, args.households)

    from guide import create_app
    from guide.core.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    page = client.get(f"/k/{tokens[0]}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None, "no sign-in form"
    assert client.post(f"/k/{tokens[0]}", data={"csrf_token": csrf.group(1)}).status_code == 303
    statements = [0]
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *_args: statements.__setitem__(0, statements[0] + 1))
    headers = {"Accept-Encoding": "gzip", "Accept-Language": "fr-FR,fr;q=0.9"}
    results: dict[str, list[tuple[float, float, float]]] = {"drawn": [], "kept": []}
    for _round in range(args.rounds):
        for mode in ("drawn", "kept"):
            app.config["PERSONAL_PAGE_CACHE"] = mode == "kept"
            for _ in range(5):  # settle: the cookie's CSRF token, the page kept, statements prepared
                assert client.get("/my", headers=headers).status_code == 200
            statements[0] = 0
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.requests):
                client.get("/my", headers=headers)
            results[mode].append(((time.process_time() - cpu) / args.requests * 1000,
                                  (time.perf_counter() - wall) / args.requests * 1000,
                                  statements[0] / args.requests))
    print(f"/my of one signed-in household, {args.households} households ({url.split(':')[0]}), {args.requests} "
          f"requests × {args.rounds} rounds each, interleaved; medians of the rounds")
    print(f"{'':8} {'CPU ms/req':>11} {'wall ms/req':>12} {'statements/req':>15}   rounds CPU ms")
    medians = {}
    for mode, runs in results.items():
        medians[mode] = [statistics.median(run[i] for run in runs) for i in range(3)]
        cpu_ms, wall_ms, per_request = medians[mode]
        print(f"{mode:8} {cpu_ms:11.2f} {wall_ms:12.2f} {per_request:15.2f}   "
              + " ".join(f"{run[0]:.2f}" for run in runs))
    print(f"kept/drawn: CPU ×{medians['kept'][0] / medians['drawn'][0]:.2f}, "
          f"wall ×{medians['kept'][1] / medians['drawn'][1]:.2f}")


if __name__ == "__main__":
    main()

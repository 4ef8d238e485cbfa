"""The housing benefit estimate's cost: memory of a process with and without the model, model load, one estimate,
several flats in one simulation, the cache, and the simulator page with an estimate (Flask test client).

Usage: .venv/bin/python bench/housing_benefit.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    os.environ.setdefault("GUIDE_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    from guide import create_app
    from guide.core import housing_benefit as hb

    app = create_app()
    client = app.test_client()
    client.get("/simulator")
    print(f"app started, simulator page served, model not loaded: RSS {rss_mb():.0f} MB"
          f" (openfisca imported: {'openfisca_france' in sys.modules})")
    started = time.perf_counter()
    hb.warm_up().join()
    print(f"model load + first simulation (warm-up thread): {time.perf_counter() - started:.1f} s, "
          f"RSS {rss_mb():.0f} MB")

    month = date.today()
    counter = iter(range(10**6))

    def home(extra: int = 0) -> hb.HousingInputs:  # new inputs every time: never from the cache
        return hb.HousingInputs((35, 33), (8, 5), (("salary", Decimal(1500 + next(counter) / 100)),),
                                Decimal(550 + extra), "59350", True)

    median, worst = timed(lambda: hb.estimate(home(), month), rounds)
    print(f"one flat, not cached: median {median:.0f} ms, max {worst:.0f} ms")
    median, worst = timed(lambda: hb.estimate_many([home(i) for i in range(4)], month), rounds)
    print(f"4 flats in one simulation, not cached: median {median:.0f} ms, max {worst:.0f} ms")
    same = [home(i) for i in range(4)]
    hb.estimate_many(same, month)
    median, worst = timed(lambda: hb.estimate_many(same, month), rounds)
    print(f"4 flats again (cache): median {median:.2f} ms, max {worst:.2f} ms")

    def page() -> None:
        figures = {"people": "4", "resources": "1800", "adults": "2", "children": "2",
                   "salary": f"{1800 + next(counter) / 100:.2f}", "rent_now": "550", "commune_now": "Lille",
                   "rent_new": "600", "commune_new": "Roubaix", "hlm_new": "1"}
        assert client.get("/simulator/all?" + urlencode(figures)).status_code == 200

    median, worst = timed(page, rounds)
    print(f"simulator page with 2 estimates, not cached: median {median:.0f} ms, max {worst:.0f} ms; "
          f"RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

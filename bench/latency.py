"""Server latency of guide pages under concurrent load, against gunicorn (the production server).

20 clients (threads with keep-alive connections) request a mix of guide pages for a fixed number of requests.
Prints p50/p95/p99 as seen by the clients and as measured inside the app (Server-Timing, a WSGI middleware around
the whole request since 2026-12-07: hooks, compression, headers and pages from the page cache included; before, it
ran between request hooks and missed 40-50 % of the cost), and throughput.
Target: p95 server time ≤ 20 ms at 20 concurrent clients on the 2-core machine.
Usage: .venv/bin/python bench/latency.py [--clients 20] [--requests 6000] [--workers N] [--threads N]
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
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import gunicorn  # noqa: E402
from guide.core.content import load_flow_structures, load_journey, load_language  # noqa: E402

TIMING = re.compile(r"app;dur=([0-9.]+)")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    urls = (["/", "/journey", "/glossary", "/flows"] + [f"/journey/{s['slug']}" for s in load_journey()]
            + [f"/pages/{p}" for p in sorted(load_language("fr").pages)]
            + [f"/flows/{f}" for f in sorted(load_flow_structures())]
            + ["/flows/proposal?rank=2&visited=yes&visit_date=2026-11-20",
               "/flows/costs?packing=no&fittings=yes&car=no&temporary=no&invoice=yes&invoice_date=2026-11-20"])
    languages = ["fr", "ar", "en", "tr", "pt"]
    counter = itertools.count()
    client_ms: list[float] = []
    server_ms: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(base: str, seed: int) -> None:
        rng = random.Random(seed)
        parsed = urlparse(base)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        while next(counter) < args.requests:
            url = rng.choice(urls)
            headers = {"Accept-Encoding": "br, gzip", "Cookie": f"lang={rng.choice(languages)}"}
            started = time.perf_counter()
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
                with lock:
                    errors.append(repr(exc))
                continue
            elapsed = (time.perf_counter() - started) * 1000
            timing = TIMING.search(response.getheader("Server-Timing") or "")
            with lock:
                if response.status != 200:
                    errors.append(f"{response.status} {url}")
                client_ms.append(elapsed)
                if timing:
                    server_ms.append(float(timing.group(1)))
        conn.close()

    # the in-app time comes from Server-Timing, which the app sends only when asked
    with gunicorn(workers=args.workers, threads=args.threads, extra_env={"GUIDE_SERVER_TIMING": "true"}) as base:
        for url in urls:  # warm every worker's caches a little
            http.client.HTTPConnection(urlparse(base).hostname, urlparse(base).port).request("GET", url)
        threads = [threading.Thread(target=client, args=(base, i)) for i in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        duration = time.perf_counter() - started

    print(f"gunicorn: {args.workers} workers × {args.threads} threads; {args.clients} concurrent clients; "
          f"{len(client_ms)} requests in {duration:.1f} s → {len(client_ms) / duration:.0f} req/s; "
          f"{len(errors)} errors")
    for name, values in (("server time (in app)", server_ms), ("client-observed", client_ms)):
        print(f"{name:22} p50 {percentile(values, 50):6.1f} ms   p95 {percentile(values, 95):6.1f} ms   "
              f"p99 {percentile(values, 99):6.1f} ms   mean {statistics.fmean(values):6.1f} ms")
    print("target: p95 server time ≤ 20 ms")
    if errors:
        print("first errors:", errors[:5])


if __name__ == "__main__":
    main()

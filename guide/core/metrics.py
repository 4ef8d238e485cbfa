"""Prometheus metrics at /metrics, for the operator's monitoring and never for the public.

Access: only with `Authorization: Bearer <GUIDE_METRICS_TOKEN>`; without a token configured the route answers 404
(off). Keep it off the public proxy as well (docs/operations.md).

What is counted where:
- in each process (counters, histograms): request latency by route (the endpoint name, not the URL, so a household's
  link token never becomes a label), sign-in failures and limits hit, job runs and failures. Under gunicorn (several
  worker processes) set PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the processes (bin/entrypoint does):
  prometheus-client then keeps the values in files there and a scrape adds up every process, the dispatchers and the
  job worker included when they share the directory (compose.yaml mounts one volume in each).
- at scrape time, from the database (true whatever the number of processes and machines): the outbox by status,
  the age of the oldest sendable message, the SMS of the last 24 hours by final status and Twilio error code. Those
  collectors are handed in by create_app (`install(app, collectors)`): core does not know the outbox.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

_REGISTRY = CollectorRegistry(auto_describe=True)  # this process's metrics (files instead in multi-process mode)

REQUEST_SECONDS = Histogram(
    "guide_http_request_duration_seconds", "Time to answer a request, by route (endpoint) and method.",
    ["endpoint", "method"], registry=_REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SIGNIN_FAILURES = Counter(
    "guide_signin_failures", "Sign-ins refused: household_code (a wrong code), staff_password (a wrong password "
    "or a locked account).", ["kind"], registry=_REGISTRY)
LIMITS_HIT = Counter(
    "guide_limits_hit", "Requests refused by a limit: the sign-in limits per number (codes asked, wrong tries) and "
    "the per-address rate limits (HTTP 429), by limit.", ["limit"], registry=_REGISTRY)
JOB_RUNS = Counter("guide_job_runs", "Periodic job runs (guide/jobs.py) by job and outcome (ok, failed).",
                   ["job", "outcome"], registry=_REGISTRY)
JOB_SECONDS = Histogram("guide_job_duration_seconds", "Duration of the periodic jobs that succeeded.", ["job"],
                        registry=_REGISTRY, buckets=(0.1, 1, 10, 60, 300, 1800, 3600))

KEPT_PAGES = Counter(
    "guide_kept_pages", "Household pages kept per revision of the file (core/personal_pages.py), by outcome: given "
    "(from memory), drawn (rendered, then kept).", ["outcome"], registry=_REGISTRY)

_COLLECTORS = "guide.core.metrics"  # key in app.extensions: the scrape-time collectors handed in


class _Collected(Collector):
    """Metrics computed at scrape time by a function (from the database)."""

    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterator[Metric]:
        yield from self._collect()


def install(app: Flask, collectors: Iterable[Callable[[], Iterable[Metric]]] = ()) -> None:
    """Time each request, and serve /metrics (with `collectors` added at each scrape)."""
    app.extensions[_COLLECTORS] = list(collectors)
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", _metrics_view)


def observe_cached(endpoint: str, method: str, seconds: float) -> None:
    """An anonymous page answered from the page cache (core/page_cache.py), outside Flask: counted by its
    endpoint like the pages Flask renders, so the request counts are the real ones."""
    REQUEST_SECONDS.labels(endpoint=endpoint, method=method).observe(seconds)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None and request.endpoint != "metrics":
        endpoint = request.endpoint or "not_found"
        REQUEST_SECONDS.labels(endpoint=endpoint, method=request.method).observe(time.perf_counter() - started)
        if response.status_code == 429:
            LIMITS_HIT.labels(limit=f"rate:{endpoint}").inc()
    return response


def authorized(header: str | None, token: str | None) -> bool:
    """A bearer token equal to the configured one (compared in constant time); never without a configured token."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())


def _metrics_view() -> Any:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    if not authorized(request.headers.get("Authorization"), token):
        return Response("a bearer token is needed\n", 401, {"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"})
    return Response(scrape(current_app.extensions.get(_COLLECTORS, [])), 200,
                    {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def scrape(collectors: Iterable[Callable[[], Iterable[Metric]]] = ()) -> bytes:
    """The exposition text: every process's metrics (multi-process mode) or this one's, and the database's."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # the library's own signature
    else:
        registry.register(_Collected(_REGISTRY.collect))
    for collect in collectors:
        registry.register(_Collected(collect))
    return generate_latest(registry)

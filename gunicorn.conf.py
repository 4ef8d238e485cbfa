"""Gunicorn settings for production; every value can be overridden on the command line or by GUNICORN_CMD_ARGS.

    gunicorn -c gunicorn.conf.py guide.wsgi:app
"""

import ctypes
import gc
import multiprocessing
import os
import sys

import gunicorn.http.wsgi
from prometheus_client import multiprocess

# No cyclic garbage collection while the master imports and builds the app: faster (~10% of the start), and no
# holes left in the pages the workers share. Frozen and turned back on before the first fork (when_ready below,
# guide/core/prefork.py). A SIGHUP reads this file again: the master has frozen objects by then and keeps collecting.
if not gc.get_freeze_count():
    gc.disable()

# Where to listen. Behind a reverse proxy on the same host, keep the loopback default or use a unix socket that
# only the proxy can open, e.g. GUIDE_BIND=unix:/run/guide/gunicorn.sock (nginx: proxy_pass
# http://unix:/run/guide/gunicorn.sock). Never expose this port to clients when GUIDE_PROXY_HOPS > 0: whoever
# reaches it directly could write the X-Forwarded-* headers the app then believes.
bind = os.environ.get("GUIDE_BIND", "127.0.0.1:8000")
# Rendering pages is CPU work: one process per core keeps each request's time low (bench/latency.py,
# bench/household_home.py measured both layouts); more threads only help while waiting on the database.
# bench/load.py (PostgreSQL on the same 2 cores, 10,000 households, 2026-11-22): GUIDE_THREADS=2 served 148
# instead of 125 req/s at saturation and p95 35 instead of 37.5 ms for 50 readers; worth it with a remote database.
# With several processes, set GUIDE_RATELIMIT_STORAGE_URI=redis://... so they share the rate-limit counters.
# 4 threads: a worker cleans one photo at a time and lets two more wait (guide/core/uploads.py: PHOTOS_AT_ONCE,
# PHOTOS_WAITING), so one thread is always left for other pages; Pillow works outside the GIL meanwhile.
# bench/uploads.py (2026-12-07): with 1 thread, 6 concurrent photo uploads kept /healthz waiting 1.8 to 7.4 s
# (p95); with 4, p95 stayed at 75 ms or less. bench/latency.py, 20 clients, same day (noisy shared machine):
# 4 threads served as many pages as 1 (163-251 against 128-278 req/s), client-observed p95 140-214 against
# 190-553 ms; the in-app p95 grows a little (22-35 against 10-24 ms: threads share the GIL).
workers = int(os.environ.get("GUIDE_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUIDE_THREADS", 4))
worker_class = "gthread"
keepalive = 5
timeout = 30
graceful_timeout = 20
max_requests = 5000
max_requests_jitter = 500
accesslog = None  # the proxy logs requests; the app logs without personal data
preload_app = True


def _return_big_blocks_to_the_system() -> None:
    """Memory blocks of 1 MB and more are mapped on their own and given back to the system when freed.

    Cleaning a photo takes up to ~100 MB for a moment. glibc otherwise serves such blocks from the arena of the
    thread asking, one arena per thread, and keeps them once freed: with 4 threads taking turns at photos, a
    worker grew to 408 MB instead of 233 MB (bench/uploads.py). Same as the environment variable
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576; set here, before the workers are forked, so it cannot be
    forgotten. Without glibc (musl, macOS) there is nothing to set.
    """
    m_mmap_threshold = -3  # from glibc's malloc.h
    try:
        ctypes.CDLL(None).mallopt(m_mmap_threshold, 1024 * 1024)  # the C library the server runs on
    except (OSError, AttributeError, TypeError):
        pass


_return_big_blocks_to_the_system()

# Forwarded headers are believed in one place only: the app's ProxyFix, set by GUIDE_PROXY_HOPS
# (guide/__init__.py), which takes just the rightmost value each trusted proxy added to X-Forwarded-For, -Proto
# and -Host. Gunicorn's own handling would believe X-Forwarded-Proto, X-Forwarded-Ssl and X-Forwarded-Protocol
# (secure_scheme_headers) and SCRIPT_NAME/PATH_INFO headers (forwarder_headers) from any address in
# forwarded_allow_ips (127.0.0.1 by default) and from every unix-socket peer, whatever GUIDE_PROXY_HOPS says,
# including values a client wrote. So it trusts no one: with GUIDE_PROXY_HOPS=0 no forwarded header counts at all;
# with GUIDE_PROXY_HOPS=1 the scheme comes from the proxy's X-Forwarded-Proto through ProxyFix.
# tests/app/test_multiprocess.py checks that a forged X-Forwarded-Proto does not reach the app.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""

# gunicorn >= 25 opens a control socket for `gunicornc` at one path per user ($HOME/.gunicorn/gunicorn.ctl): two
# instances on a host (the site and a staging copy, the tests) would take it from each other. Not used here.
control_socket_disable = True


def when_ready(server: object) -> None:
    """In the master, the app built, before the first fork: freeze what the workers share (copy-on-write), and load
    the housing benefit model (OpenFisca-France, ~110 MB, seconds of CPU: bench/housing_benefit.py) once for all
    the workers, after the first ones are forked so that no page waits for it (guide/core/prefork.py).
    GUIDE_HOUSING_BENEFIT_WARMUP=0 loads it nowhere in advance: each worker on the first page that asks."""
    gc.freeze()  # what the master holds now is never visited, so never copied, by a worker's collections
    if os.environ.get("GUIDE_HOUSING_BENEFIT_WARMUP", "1") == "0":
        gc.enable()
        return
    from guide.core import prefork  # noqa: PLC0415 (not in a master that loads no model: the floor of bench/)

    prefork.load_model_for_workers(server)  # turns the collector back on once the model is loaded


def post_fork(server: object, worker: object) -> None:
    gc.enable()  # the worker collects its own garbage; what the master froze stays shared
    prefork = sys.modules.get("guide.core.prefork")  # imported by when_ready when the master loads the model
    if prefork is not None:
        prefork.worker_forked()


def _drop_server_banner() -> None:
    """No "Server: gunicorn" in our answers: it tells every client which server runs here, which helps only someone
    looking for a known flaw. Gunicorn has no setting for it: each HTTP/1 answer starts with the lines of
    gunicorn/http/wsgi.py's Response.default_headers(), one of them "Server: %s" % self.version. This file runs in
    the master process before it forks the workers, so they all answer without that line.
    tests/app/test_multiprocess.py checks it on a real gunicorn."""
    response = gunicorn.http.wsgi.Response
    if getattr(response.default_headers, "without_server_banner", False):
        return
    default_headers = response.default_headers

    def without_server_banner(self: gunicorn.http.wsgi.Response) -> list[str]:
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    without_server_banner.without_server_banner = True  # type: ignore[attr-defined]
    response.default_headers = without_server_banner  # type: ignore[method-assign]


_drop_server_banner()


def child_exit(server, worker):  # gunicorn's hook
    """/metrics in multi-process mode (PROMETHEUS_MULTIPROC_DIR, guide/core/metrics.py): a worker that ended leaves
    its counters to the sum, and its live gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)

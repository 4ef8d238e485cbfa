"""Gunicorn settings for production; every value can be overridden on the command line or by GUNICORN_CMD_ARGS.

    gunicorn -c gunicorn.conf.py guide.wsgi:app
"""

import multiprocessing
import os

import gunicorn.http.wsgi

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
workers = int(os.environ.get("GUIDE_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUIDE_THREADS", 1))
worker_class = "gthread"
keepalive = 5
timeout = 30
graceful_timeout = 20
max_requests = 5000
max_requests_jitter = 500
accesslog = None  # the proxy logs requests; the app logs without personal data
preload_app = True

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

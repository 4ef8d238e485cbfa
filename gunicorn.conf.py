"""Gunicorn settings for production; every value can be overridden on the command line or by GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("GUIDE_BIND", "127.0.0.1:8000")
# Rendering pages is CPU work: one process per core keeps each request's time low (bench/latency.py,
# bench/household_home.py measured both layouts); more threads only help while waiting on a remote database.
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

"""Start the production server (gunicorn) on a free local port for a benchmark, and stop it afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def reset_database(url: str) -> None:
    """An empty PostgreSQL schema for a benchmark run, the database made if missing (a SQLite file is simply new)."""
    import sqlalchemy as sa

    if url.startswith("postgresql"):
        target = sa.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
        server = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                            {"name": target.database}).first() is None:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
        server.dispose()
        engine = sa.create_engine(target)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settle(master: psutil.Process, began: float, limit: float = 180) -> float:
    """Seconds from `began` until the server is idle: the same workers for 2 s and under 0.05 s of CPU used by the
    master and its workers in that time (the housing benefit model loaded, workers renewed if the settings do)."""
    previous: tuple[frozenset[int], float] | None = None
    quiet_since = None
    while time.perf_counter() - began < limit:
        children = master.children()
        try:
            cpu = sum(sum(p.cpu_times()[:2]) for p in [master, *children])
        except psutil.NoSuchProcess:
            cpu = -1.0
        state = (frozenset(p.pid for p in children), cpu)
        if previous and state[0] == previous[0] and 0 <= state[1] - previous[1] < 0.05:
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since >= 1.5:
                return quiet_since - began
        else:
            quiet_since = None
        previous = state
        time.sleep(0.5)
    raise RuntimeError("the server did not settle")


@contextlib.contextmanager
def gunicorn(workers: int | None = 4, threads: int | None = 2, database_url: str | None = None,
             extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a running gunicorn with the app; the schema is brought up to date first."""
    with gunicorn_process(workers, threads, database_url, extra_env) as (base, _process):
        yield base


@contextlib.contextmanager
def gunicorn_process(workers: int | None = 4, threads: int | None = 2, database_url: str | None = None,
                     extra_env: dict[str, str] | None = None,
                     root: Path = ROOT, upgrade: bool = True) -> Iterator[tuple[str, subprocess.Popen]]:
    """Like gunicorn(), also yielding the master process; None for workers or threads keeps gunicorn.conf.py's
    default, and root runs another checkout of the code (its own gunicorn.conf.py). upgrade=False leaves the
    schema as it is (an older checkout on a database the current code brought up to date)."""
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="guide-bench-")
    env = {**os.environ, "GUIDE_DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.sqlite3",
           "GUIDE_SECRET_KEY": "bench", "GUIDE_BIND": f"127.0.0.1:{port}", **(extra_env or {})}
    for name, value in (("GUIDE_WORKERS", workers), ("GUIDE_THREADS", threads)):
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    bindir = Path(sys.executable).parent
    if upgrade:
        subprocess.run([str(bindir / "flask"), "--app", "guide", "db", "upgrade"], cwd=root, env=env, check=True,
                       capture_output=True)
    process = subprocess.Popen([str(bindir / "gunicorn"), "-c", "gunicorn.conf.py", "guide.wsgi:app"],
                               cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a start takes 1-3 s, or 10 s and more on a busy shared machine
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        if env.get("GUIDE_HOUSING_BENEFIT_WARMUP", "1") != "0":
            # the housing benefit model loads in the background (in the master, then new workers: guide/core/
            # prefork.py; in each worker before): the measures start once it is done
            settle(psutil.Process(process.pid), time.perf_counter())
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)  # graceful_timeout is 20 s
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

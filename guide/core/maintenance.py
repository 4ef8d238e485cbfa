"""What the long-running commands and the periodic jobs (guide/jobs.py) share: a consistent backup while the app
runs, keeping the query planner informed, and a clean stop on SIGTERM/SIGINT.

The planner's statistics: SQLite chooses between indexes from the statistics `ANALYZE` stores (sqlite_stat1); a
database never analysed gets guesses. Moving one appointment with 100,000 rows in the SMS outbox took 33 ms (p50) /
96 ms (p95) because the planner read the outbox through its status index; analysed, the same change takes about a
third of a millisecond (issue 20, bench/analyze.py). So:
- after the migrations (`flask db upgrade`, the demo, the tests): `ANALYZE` when the database was never analysed,
  then `PRAGMA optimize` (SQLite's own "analyse what may have changed");
- every night (`flask --app guide optimize-db`, and the nightly job): `ANALYZE`, bounded by `analysis_limit` (rows
  sampled per index, so the job stays short on a big database), then `PRAGMA optimize`.
PostgreSQL's autovacuum keeps its own statistics; the nightly pass runs a plain `ANALYZE` there too.
"""


from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

import click
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from guide.core.extensions import db


def backup_database(database_uri: str, path: Path) -> str:
    """A consistent copy of the live database at `path`; returns "sqlite" or "postgresql".

    SQLite: `sqlite3.Connection.backup` in one step, a snapshot taken under a read transaction (in WAL mode writers
    go on meanwhile), written beside `path` then renamed, so `path` is never half a database.
    PostgreSQL: `pg_dump --format=custom` (a snapshot too), restored with `pg_restore --clean --if-exists -d URL`.
    """

    url = make_url(database_uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise click.ClickException("an in-memory SQLite database cannot be backed up")
        source = Path(url.database)
        if not source.exists():
            raise click.ClickException(f"no database at {source}")
        partial.unlink(missing_ok=True)
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dst.close()
            src.close()
        os.replace(partial, path)
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise click.ClickException("pg_dump not found: install the PostgreSQL client tools "
                                       "(same major version as the server or newer)")
        env = dict(os.environ)
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` would show it
        libpq_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        done = subprocess.run([pg_dump, "--format=custom", "--file", str(partial), "--dbname", libpq_url],
                              env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise click.ClickException(f"pg_dump failed: {done.stderr.strip()}")
        os.replace(partial, path)
        return "postgresql"
    raise click.ClickException(f"no backup method for {url.get_backend_name()} databases")


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM (a deploy, `docker stop`, systemd) or SIGINT (Ctrl-C) while the block runs: a worker
    loop checks it between steps and ends cleanly instead of being cut off mid-step. The previous handlers come
    back afterwards."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping after the work under way", err=True)
        stop.set()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


# Tables in the database that our migrations do not own: procrastinate's job queue (`flask --app guide jobs schema`
# makes them, procrastinate migrates them). Alembic's comparisons leave them out (`include_name` in
# migrations/env.py), so `flask db migrate` never writes a migration that drops them.
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def ours(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's `include_name`: False for the tables another tool owns (and so their indexes and constraints)."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIXES))


ANALYSIS_LIMIT = 1000  # rows sampled per index by SQLite's ANALYZE: approximate statistics, enough to choose


def _sqlite_analysed(connection: Connection) -> bool:
    return connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first() is not None


def optimize(connection: Connection, *, nightly: bool = False) -> list[str]:
    """Refresh the planner's statistics on this connection (committed); returns the statements run."""
    if connection.dialect.name == "sqlite":
        statements = [f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"]
        if nightly or not _sqlite_analysed(connection):
            statements.append("ANALYZE")
        statements.append("PRAGMA optimize")
    elif connection.dialect.name == "postgresql" and nightly:
        statements = ["ANALYZE"]
    else:
        return []
    for statement in statements:
        connection.exec_driver_sql(statement)
    connection.commit()
    return statements


def optimize_database() -> str:
    """The nightly pass on the app's database (the periodic job): returns what ran."""
    with db.engine.connect() as connection:
        return "; ".join(optimize(connection, nightly=True))

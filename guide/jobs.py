"""The periodic work, on a job engine: `flask --app guide jobs worker`.

Each night: the reminders recomputed for every household (the safety net behind the recomputation on each change),
the data-protection retention, a backup (when GUIDE_BACKUP_DIR is set), and the query planner's statistics
refreshed. When the database is PostgreSQL the jobs run on **procrastinate** (a job queue in PostgreSQL: periodic
tasks deferred once whatever the number of workers, a lock per job so two never run at once, retries, several
workers on several machines); its tables come from `flask --app guide jobs schema` (part of `bin/entrypoint
migrate`). On the SQLite default the same jobs run in the worker process itself, on a simple local scheduler
(croniter), so a single machine needs no server. `flask --app guide jobs run NAME` runs one job now.

The SMS outbox is not a job: it stays the transactional outbox it is, drained by `flask --app guide sms dispatch`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from croniter import croniter  # type: ignore[import-untyped]  # no types shipped
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text
from sqlalchemy.engine import make_url

from guide.core import metrics
from guide.core.extensions import db
from guide.core.maintenance import backup_database, optimize_database, stop_on_signals
from guide.features.privacy.retention import run_retention
from guide.features.reminders.service import sync

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger("guide.jobs")
QUEUE = "periodic"


@dataclass(frozen=True)
class Job:
    name: str
    cron: str  # the default schedule, in the metropolis's time zone; GUIDE_JOBS_CRON overrides it
    run: Callable[[], str]  # does the work in an app context, returns a one-line summary
    doc: str


def _reminders() -> str:
    result = sync()
    db.session.commit()
    return (f"{result.wanted} reminders wanted: {result.queued} queued, {result.moved} moved, "
            f"{result.withdrawn} withdrawn, {result.unchanged} unchanged")


def _retention() -> str:
    result = run_retention(datetime.now(UTC))
    if result.failed:
        raise RuntimeError(f"{len(result.failed)} households could not be anonymised (see the log)")
    return f"{len(result.households)} households anonymised, {result.access_log} access-log entries deleted"


def _backup() -> str:
    directory = current_app.config.get("BACKUP_DIR")
    if not directory:
        return "skipped: GUIDE_BACKUP_DIR is not set"
    folder = Path(directory)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    suffix = "sqlite3" if uri.startswith("sqlite") else "dump"
    path = folder / f"guide-{stamp}.{suffix}"
    kind = backup_database(uri, path)
    keep = int(current_app.config["BACKUP_KEEP"])
    old = sorted(folder.glob(f"guide-*.{suffix}"))[:-keep] if keep > 0 else []
    for stale in old:
        stale.unlink()
    return f"{kind} backup written to {path} ({len(old)} older removed, {keep} kept)"


def _optimize() -> str:
    return f"{optimize_database()} done"


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("reminders", "30 2 * * *", _reminders, "recompute every household's reminders (`sms schedule`)"),
    Job("retention", "0 3 * * *", _retention, "data protection: anonymise, purge (`privacy retention`)"),
    Job("backup", "30 3 * * *", _backup, "a backup in GUIDE_BACKUP_DIR, the last GUIDE_BACKUP_KEEP kept"),
    Job("optimize", "0 4 * * *", _optimize, "refresh the planner's statistics (PRAGMA optimize / ANALYZE)"),
)}


def schedule(app: Flask) -> dict[str, str]:
    """Each job's cron line: the default, or GUIDE_JOBS_CRON (JSON, e.g. {"backup": "0 1 * * *"})."""
    overrides = app.config.get("JOBS_CRON") or {}
    unknown = set(overrides) - set(JOBS)
    if unknown:
        raise click.ClickException(f"GUIDE_JOBS_CRON names unknown jobs: {', '.join(sorted(unknown))}")
    return {name: overrides.get(name, job.cron) for name, job in JOBS.items()}


def run_job(app: Flask, name: str) -> str:
    """One run of a job in its own app context (its own session); counted in the metrics by outcome."""
    started = time.perf_counter()
    with app.app_context():
        try:
            summary = JOBS[name].run()
        except Exception:
            db.session.rollback()
            metrics.JOB_RUNS.labels(job=name, outcome="failed").inc()
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()
    metrics.JOB_RUNS.labels(job=name, outcome="ok").inc()
    metrics.JOB_SECONDS.labels(job=name).observe(time.perf_counter() - started)
    log.info("job %s: %s", name, summary)
    return summary


# --- PostgreSQL: procrastinate -----------------------------------------------------------------------------------

def libpq_url(database_uri: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no "+psycopg" driver part)."""
    return make_url(database_uri).set(drivername="postgresql").render_as_string(hide_password=False)


def procrastinate_app(app: Flask) -> procrastinate.App:
    """A procrastinate app on the database, each job a periodic task (locked: one run at a time in all workers)."""
    import procrastinate  # noqa: PLC0415 - 0.25 s to import: only the PostgreSQL worker loads it, not each app

    job_app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=libpq_url(app.config["SQLALCHEMY_DATABASE_URI"])))
    for name, cron in schedule(app).items():
        job_app.periodic(cron=cron)(job_app.task(name=f"guide.{name}", queue=QUEUE, lock=f"guide.{name}",
                                                 retry=procrastinate.RetryStrategy(max_attempts=3, wait=300))(
            _task(app, name)))
    return job_app


def _task(app: Flask, name: str) -> Callable[[int], None]:
    def task(timestamp: int) -> None:  # procrastinate hands a periodic task the time it was due
        run_job(app, name)

    task.__name__ = name
    return task


def apply_schema() -> bool:
    """Create procrastinate's tables and functions unless they exist (PostgreSQL); True when created now."""
    from procrastinate.schema import SchemaManager  # noqa: PLC0415 - as above

    with db.engine.begin() as connection:
        if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
            return False
        # psycopg itself, without parameters: the schema's SQL has '%' that are not placeholders
        connection.connection.driver_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]
    return True


# --- SQLite (or --local): a scheduler in the worker process --------------------------------------------------------

def run_local(app: Flask, stop: threading.Event, report: Callable[[str], None] = log.info,
              now: Callable[[], datetime] | None = None) -> None:
    """Run each job at its cron times until `stop` is set (a job under way finishes first); `report` gets a line per
    run. A job that fails is logged and counted; the others go on."""
    clock = now or (lambda: datetime.now(UTC).astimezone(_zone(app)))
    crons = schedule(app)
    upcoming: dict[str, datetime] = {name: croniter(cron, clock()).get_next(datetime) for name, cron in crons.items()}
    while not stop.is_set():
        name = min(upcoming, key=lambda job: upcoming[job])
        wait = (upcoming[name] - clock()).total_seconds()
        if wait > 0:
            stop.wait(min(wait, 60.0))  # woken by a signal at once; the clock read again each minute
            continue
        try:
            report(f"{name}: {run_job(app, name)}")
        except Exception as error:  # noqa: BLE001 - logged and counted by run_job; the next runs still happen
            report(f"{name}: FAILED ({error})")
        upcoming[name] = croniter(crons[name], clock()).get_next(datetime)


def _zone(app: Flask) -> ZoneInfo:
    return ZoneInfo(app.config["TIME_ZONE"])


def register(app: Flask) -> None:
    group = AppGroup("jobs", help="Periodic work: reminders, retention, backup, optimize.")
    app.cli.add_command(group)

    @group.command("list")
    def list_jobs() -> None:
        """The jobs and when each runs."""
        for name, cron in schedule(current_app).items():
            click.echo(f"{name:10} {cron:15} {JOBS[name].doc}")

    @group.command("run")
    @click.argument("name", type=click.Choice(sorted(JOBS)))
    def run(name: str) -> None:
        """Run one job now, in this process."""
        click.echo(run_job(current_app._get_current_object(), name))  # type: ignore[attr-defined]

    @group.command("schema")
    def schema() -> None:
        """PostgreSQL: create procrastinate's tables unless they exist (run after `db upgrade`). SQLite: nothing."""
        if db.engine.dialect.name != "postgresql":
            click.echo("SQLite: the jobs run on the local scheduler, no schema needed")
            return
        click.echo("procrastinate schema created" if apply_schema() else "procrastinate schema already there")

    @group.command("worker")
    @click.option("--local", is_flag=True, help="Use the in-process scheduler even on PostgreSQL.")
    def worker(local: bool) -> None:
        """Run the periodic jobs until SIGTERM/SIGINT: procrastinate on PostgreSQL, the local scheduler on SQLite."""
        flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
        if db.engine.dialect.name == "postgresql" and not local:
            click.echo(f"procrastinate worker, queue {QUEUE!r}: " + ", ".join(
                f"{name} ({cron})" for name, cron in schedule(flask_app).items()))
            # procrastinate stops on SIGTERM/SIGINT itself, after the job under way
            procrastinate_app(flask_app).run_worker(queues=[QUEUE], install_signal_handlers=True)
            return
        with stop_on_signals() as stop:  # before saying it runs: a SIGTERM right after the line still stops cleanly
            click.echo("local scheduler: " + ", ".join(f"{name} ({cron})"
                                                       for name, cron in schedule(flask_app).items()))
            run_local(flask_app, stop, report=lambda line: click.echo(line, nl=True))
        click.echo("stopped", err=True)


def metric_families() -> list[Any]:
    """For /metrics on PostgreSQL: procrastinate's jobs by job and state (todo, doing, succeeded, failed...), read
    from its table at each scrape, whichever machine ran them. Nothing on SQLite (the worker's own counters are
    guide_job_runs_total)."""
    from prometheus_client.core import GaugeMetricFamily  # noqa: PLC0415 - only a scrape needs it

    if db.engine.dialect.name != "postgresql":
        return []
    if db.session.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
        return []
    family = GaugeMetricFamily("guide_jobs", "Periodic jobs in procrastinate's table, by job and state.",
                               labels=["job", "status"])
    for task, status, count in db.session.execute(text(
            "SELECT task_name, status::text, count(*) FROM procrastinate_jobs GROUP BY task_name, status")):
        family.add_metric([task.removeprefix("guide."), status], count)
    return [family]

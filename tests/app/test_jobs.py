"""The periodic jobs (guide/jobs.py): each runs and says what it did; the worker runs them at their cron times, on
procrastinate when the database is PostgreSQL (a real worker process, its jobs in procrastinate's tables) and on
the local scheduler on SQLite; SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from guide import create_app, jobs
from guide.core import metrics
from guide.core.extensions import db
from tests.conftest import TEST_CONFIG

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
EVERY_SECOND = "* * * * * *"  # cron with a 6th column, seconds
NEVER_TODAY = "0 0 1 1 *"


def _runs(job: str, outcome: str = "ok") -> float:
    return metrics.JOB_RUNS.labels(job=job, outcome=outcome)._value.get()


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUIDE_")}
    env.update({"GUIDE_DATABASE_URL": database_url, "GUIDE_SECRET_KEY": "jobs-test", **extra})
    return env


@pytest.mark.parametrize("name", sorted(jobs.JOBS))
def test_each_job_runs_and_is_counted(app, name: str, tmp_path) -> None:
    app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    try:
        before = _runs(name)
        summary = jobs.run_job(app, name)
    finally:
        app.config["BACKUP_DIR"] = None
    assert summary and _runs(name) == before + 1, f"{name}: {summary!r}"


def test_the_backup_job_keeps_the_last_n(app, database_url, tmp_path) -> None:
    if database_url.startswith("postgresql") and not shutil.which("pg_dump"):
        pytest.fail("pg_dump is needed for the PostgreSQL backup (apt-get install postgresql-client)")
    app.config.update(BACKUP_DIR=str(tmp_path), BACKUP_KEEP=2)
    try:
        for _ in range(3):
            jobs.run_job(app, "backup")
            time.sleep(1.1)  # the file name has the second: three distinct backups
    finally:
        app.config.update(BACKUP_DIR=None, BACKUP_KEEP=7)
    assert len(list(tmp_path.glob("guide-*"))) == 2, sorted(p.name for p in tmp_path.iterdir())


def test_a_failing_job_is_counted_and_the_scheduler_goes_on(app, monkeypatch) -> None:
    def broken() -> str:
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.JOBS, "backup", jobs.Job("backup", EVERY_SECOND, broken, "broken"))
    app.config["JOBS_CRON"] = {"backup": EVERY_SECOND, "optimize": EVERY_SECOND, "reminders": NEVER_TODAY,
                               "retention": NEVER_TODAY}
    stop, lines = threading.Event(), []
    failed, ok = _runs("backup", "failed"), _runs("optimize")
    thread = threading.Thread(target=jobs.run_local, args=(app, stop, lines.append))
    try:
        thread.start()
        deadline = time.monotonic() + 15
        while (_runs("optimize") == ok or _runs("backup", "failed") == failed) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=30)
        app.config["JOBS_CRON"] = {}
    assert not thread.is_alive(), "the scheduler stops when asked"
    assert _runs("backup", "failed") > failed and _runs("optimize") > ok, lines
    assert any("backup: FAILED (disk full)" in line for line in lines), lines


def test_an_unknown_job_in_the_schedule_is_refused(app) -> None:
    app.config["JOBS_CRON"] = {"bakcup": "0 1 * * *"}
    try:
        result = app.test_cli_runner().invoke(args=["jobs", "list"])
    finally:
        app.config["JOBS_CRON"] = {}
    assert result.exit_code != 0 and "bakcup" in result.output, result.output


def test_the_worker_process_runs_a_periodic_job_and_stops_on_sigterm(app, database_url) -> None:
    """`flask --app guide jobs worker` as deployed: on PostgreSQL a real procrastinate worker (schema from
    `jobs schema`), on SQLite the local scheduler. The optimize job every second; SIGTERM ends it with exit 0."""
    postgresql = database_url.startswith("postgresql")
    env = _env(database_url, GUIDE_JOBS_CRON=json.dumps({"optimize": EVERY_SECOND, "reminders": NEVER_TODAY,
                                                         "retention": NEVER_TODAY, "backup": NEVER_TODAY}))
    if postgresql:
        schema = subprocess.run([FLASK, "--app", "guide", "jobs", "schema"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert schema.returncode == 0 and "procrastinate schema" in schema.stdout, schema.stdout + schema.stderr
    worker = subprocess.Popen([FLASK, "--app", "guide", "jobs", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(worker.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline, done = time.monotonic() + 90, 0
        while time.monotonic() < deadline and worker.poll() is None and not done:
            time.sleep(0.5)
            if postgresql:
                with app.app_context():
                    done = db.session.scalar(text("SELECT count(*) FROM procrastinate_jobs "
                                                  "WHERE task_name = 'guide.optimize' AND status = 'succeeded'"))
                    db.session.remove()
            else:
                done = sum(("optimize:" in line and "PRAGMA optimize done" in line) for line in lines)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        reader.join(timeout=10)
    output = "".join(lines)
    assert worker.returncode == 0, f"a clean stop exits 0: {worker.returncode}\n{output}"
    if postgresql:
        assert done >= 1, f"no optimize job succeeded through procrastinate:\n{output}"
        assert "procrastinate worker" in output, output
        with app.app_context():  # /metrics reads procrastinate's table
            families = {sample.labels["status"]: sample.value for family in jobs.metric_families()
                        for sample in family.samples if sample.labels["job"] == "optimize"}
            db.session.remove()
        assert families.get("succeeded", 0) >= 1, families
    else:
        assert "local scheduler" in output and "PRAGMA optimize done" in output, output


def test_jobs_schema_on_sqlite_needs_nothing(database_url) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("SQLite only: on PostgreSQL the worker test above creates the schema")
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    result = app.test_cli_runner().invoke(args=["jobs", "schema"])
    assert result.exit_code == 0 and "no schema needed" in result.output, result.output

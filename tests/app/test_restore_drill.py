"""The restore drill: back up the live database as the nightly job does (SQLite's online backup API; pg_dump on
PostgreSQL), restore it into a fresh database, and find every table with the same number of rows."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from guide.core.extensions import db
from guide.core.maintenance import backup_database
from guide.demo import load_demo
from guide.features.guide.public import today
from guide.jobs import libpq_url
from guide.messaging import outbox


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        tables = sorted(sa.inspect(connection).get_table_names())
        return {table: connection.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
                for table in tables}


def _fill(app) -> dict[str, int]:
    with app.app_context():
        load_demo(today())  # staff, households, phones, appointments, requests, plan items...
        outbox.enqueue("+33612345678", "test", "Un message en attente.")
        db.session.commit()
        counts = _counts(db.engine)
        db.session.remove()
    assert sum(1 for n in counts.values() if n) >= 8, f"the drill needs real data in many tables: {counts}"
    return counts


def test_a_backup_restores_into_a_fresh_database_with_every_row(app, database_url, tmp_path) -> None:
    before = _fill(app)
    if database_url.startswith("sqlite"):
        dump = tmp_path / "backup.sqlite3"
        assert backup_database(app.config["SQLALCHEMY_DATABASE_URI"], dump) == "sqlite"
        restored = tmp_path / "restored.sqlite3"
        shutil.copyfile(dump, restored)  # restoring a SQLite backup: the file put in place
        with sqlite3.connect(restored) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        engine = sa.create_engine(f"sqlite:///{restored}")
        try:
            after = _counts(engine)
        finally:
            engine.dispose()
    else:
        if not shutil.which("pg_restore"):
            pytest.fail("pg_dump/pg_restore are needed (apt-get install postgresql-client)")
        dump = tmp_path / "backup.dump"
        assert backup_database(app.config["SQLALCHEMY_DATABASE_URI"], dump) == "postgresql"
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        fresh = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{fresh}"'))
        target = url.set(database=fresh)
        try:
            done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                                   libpq_url(target.render_as_string(hide_password=False)), str(dump)],
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            engine = sa.create_engine(target)
            try:
                after = _counts(engine)
            finally:
                engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{fresh}"'))
            admin.dispose()
    assert after == before, {table: (before.get(table), after.get(table)) for table in set(before) | set(after)
                             if before.get(table) != after.get(table)}

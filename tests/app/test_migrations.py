"""The schema comes only from migrations, and the migrations match the models (on SQLite and PostgreSQL)."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from guide import create_app
from guide.core.extensions import db
from guide.core.maintenance import ours
from tests.conftest import TEST_CONFIG
from tests.factories import make_household


def test_models_and_migrations_agree(app) -> None:
    with app.app_context(), db.engine.connect() as connection:
        # as `flask db migrate` compares (migrations/env.py): procrastinate's job tables, made by `flask jobs schema`
        # (tests/app/test_jobs.py on PostgreSQL), are not ours
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": ours})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"run `flask --app guide db migrate`: {differences}"


def test_the_one_number_migration_stops_on_shared_numbers_with_a_list_then_passes(app, ctx) -> None:
    """A database where a number is on two files: the upgrade to 0009 changes nothing and names the files for an
    administrator (the number masked); once the number is taken off the wrong file, it goes through."""

    # the files are made at the head (the factories load the models of today), then the schema goes back
    first = make_household(phone="+33611110001", reference="DUP-A")
    second = make_household(phone="+33611110002", reference="DUP-B")
    make_household(phone="+33611110003", reference="ALONE")
    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="0008")
    try:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("UPDATE household_phone SET number = '+33611110001' WHERE household_id = :h"),
                               {"h": second.id})
        with app.app_context(), pytest.raises(RuntimeError) as stopped:  # `flask db upgrade` prints it and exits 1
            command.upgrade(app.extensions["migrate"].migrate.get_config(), "0009")
        message = str(stopped.value)
        assert "+33******01: DUP-A, DUP-B" in message, message
        assert "+33611110001" not in message and "ALONE" not in message, "only what the administrator needs"
        with app.app_context(), db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008", \
                "nothing changed"
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM household_phone WHERE household_id = :h"), {"h": first.id})
        with app.app_context():
            flask_migrate.upgrade(revision="0009")
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
    finally:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as connection:  # empty what exists at this revision, then back to the head
                present = set(sa_inspect(connection).get_table_names())
                for table in reversed(db.metadata.sorted_tables):
                    if table.name in present:
                        connection.execute(table.delete())
            flask_migrate.upgrade()


def test_0011_keeps_a_shared_twilio_message_on_one_row_and_shows_the_others_as_not_arrived(database_url,
                                                                                          tmp_path) -> None:
    """Before 0011 the look-up of a lost answer could give two identical texts to one number the same Twilio
    message: the first row keeps it, the others go to staff review (the household file says they did not arrive),
    and the unique index can then be built. Runs from an empty database (a fresh schema on PostgreSQL)."""

    url, schema = f"sqlite:///{tmp_path / 'before_0011.sqlite3'}", None
    if database_url.startswith("postgresql"):
        schema = "before_0011"
        engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        url = f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{schema}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    try:
        with app.app_context():
            flask_migrate.upgrade(revision="0008")
            rows = [(1, "SMA", "sent"), (2, "SMA", "sent"), (3, "SMA", "delivered"), (4, "SMB", "sent"),
                    (5, None, "queued")]
            for row_id, sid, status in rows:
                db.session.execute(sa.text(
                    "INSERT INTO sms_message (id, to_number, kind, body, status, segments, send_after, created_at, "
                    "provider_id, encoding, attempts) VALUES (:id, '+33612345678', 'test', 'Même texte', :status, 1, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :sid, 'GSM-7', 1)"),
                    {"id": row_id, "sid": sid, "status": status})
            db.session.commit()
            flask_migrate.upgrade()
            after = db.session.execute(sa.text("SELECT id, provider_id, status FROM sms_message ORDER BY id")).all()
            db.session.remove()
            db.engine.dispose()
    finally:
        if schema:
            with engine.begin() as connection:
                connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()
    assert [tuple(row) for row in after] == [(1, "SMA", "sent"), (2, None, "review"), (3, None, "review"),
                                             (4, "SMB", "sent"), (5, None, "queued")]

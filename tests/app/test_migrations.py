"""The schema comes only from migrations, and the migrations match the models (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from guide.extensions import db


def test_models_and_migrations_agree(app) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"run `flask --app guide db migrate`: {differences}"


def test_the_one_number_migration_stops_on_shared_numbers_with_a_list_then_passes(app, ctx) -> None:
    """A database where a number is on two files: the upgrade to 0009 changes nothing and names the files for an
    administrator (the number masked); once the number is taken off the wrong file, it goes through."""
    import flask_migrate
    import pytest
    from alembic import command
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy import text

    from tests.factories import make_household

    with app.app_context():
        flask_migrate.downgrade(revision="0008")
    try:
        first = make_household(phone="+33611110001", reference="DUP-A")
        second = make_household(phone="+33611110002", reference="DUP-B")
        make_household(phone="+33611110003", reference="ALONE")
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

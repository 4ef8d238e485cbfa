"""The planner's statistics (guide/core/maintenance.py): ANALYZE after the migrations and in the nightly
`flask --app guide optimize-db`, so SQLite reads an outbox row by its key, not through the status index."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask

from guide.core.extensions import db
from guide.models.sms import SmsMessage

WITHDRAW = "EXPLAIN QUERY PLAN SELECT id FROM sms_message WHERE id IN (1, 2) AND status = 'queued'"


def test_the_migrations_leave_the_database_analysed(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL's autovacuum analyses on its own; nothing is run after its migrations
        found = db.session.execute(sa.text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        assert found is not None, "the migrations ran no ANALYZE (no sqlite_stat1 table)"


def test_the_nightly_command_refreshes_the_statistics(app: Flask) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(sa.insert(SmsMessage), [
            {"to_number": "+33612345678", "kind": "reminder", "body": "Rappel", "status": "queued",
             "send_after": now, "created_at": now, "reminder_key": f"k{n}"} for n in range(3000)])
        db.session.commit()
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:  # as a database never analysed since it filled up
            db.session.execute(sa.text("DELETE FROM sqlite_stat1"))
            db.session.commit()
    result = app.test_cli_runner().invoke(args=["optimize-db"])
    assert result.exit_code == 0, result.output
    assert "ANALYZE" in result.output, f"the command ran no ANALYZE: {result.output}"
    if not sqlite:
        return
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # new connections read the new statistics
        stats = db.session.execute(sa.text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'sms_message'")).all()
        assert stats, "no statistics were stored for the outbox"
        plan = " / ".join(row[-1] for row in db.session.execute(sa.text(WITHDRAW)))
        assert "PRIMARY KEY" in plan, f"the outbox is still read through an index of its status: {plan}"

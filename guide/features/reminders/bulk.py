"""Queueing reminders in bulk: the rows `sync` (guide/features/reminders/service.py) decided to add go into the
outbox table straight through the driver, in batches of INSERT ... ON CONFLICT DO NOTHING, or on PostgreSQL by
COPY from `COPY_FROM` rows (100,000s of rows on a first run). A scheduler racing us may have queued some of the same
keys: the unique index on the reminder key keeps one row each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from guide.core.extensions import db
from guide.models.sms import SmsStatus

COPY_FROM = 2_000  # rows from which PostgreSQL gets them by COPY


class Wanted(NamedTuple):
    key: str
    household_id: int
    number: str
    kind: str  # the text kind
    send_at: datetime
    body: str  # transliterated already, with "{link}"
    segments: int
    encoding: str
    link_target: str


_COLUMNS = ("household_id", "to_number", "kind", "body", "status", "segments", "encoding", "send_after",
            "created_at", "attempts", "reminder_key", "link_target")


def insert(wanted_rows: list[Wanted], now: datetime) -> None:
    """Queue new reminders in bulk, straight through the driver (100,000s of rows on a first run).

    ON CONFLICT DO NOTHING: a scheduler racing us may have queued the same key; the unique index keeps one.
    """
    if not wanted_rows:
        return
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    stamps: dict[datetime, str] = {}

    def stamp(moment: datetime) -> datetime | str:  # SQLite keeps UTC as text, as SQLAlchemy writes it
        if not sqlite:
            return moment
        found = stamps.get(moment)
        if found is None:
            found = stamps[moment] = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return found

    created = stamp(now)
    rows = [(w.household_id, w.number, w.kind, w.body, SmsStatus.QUEUED, w.segments, w.encoding, stamp(w.send_at),
             created, 0, w.key, w.link_target) for w in wanted_rows]
    columns = ", ".join(_COLUMNS)
    if not sqlite and len(rows) >= COPY_FROM:
        _copy_postgresql(connection, rows, columns)
        return
    sql = f"INSERT INTO sms_message ({columns}) VALUES ({', '.join([marker] * len(_COLUMNS))}) ON CONFLICT DO NOTHING"
    for start in range(0, len(rows), 10_000):
        connection.exec_driver_sql(sql, rows[start:start + 10_000])


def _write(copy, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    for row in rows:
        copy.write_row(row)


def _copy_postgresql(connection, rows: list[tuple], columns: str) -> None:  # type: ignore[no-untyped-def]
    """Many rows: COPY them straight into the outbox, in household order (the indexes fill in sequence).

    Nothing else has queued these keys when we looked (`sync` left them out otherwise), so the direct COPY
    normally succeeds. If a scheduler running at the same time queued some of them first, the unique index
    refuses the COPY: back to the savepoint, then COPY into a scratch table of this transaction and one
    INSERT ... SELECT ... ON CONFLICT DO NOTHING keeps what the other one queued.
    """
    from psycopg.errors import UniqueViolation  # noqa: PLC0415  (lazy: PostgreSQL only; psycopg takes ~0.3 s to import)

    rows = sorted(rows, key=lambda row: row[0])
    cursor = connection.connection.driver_connection.cursor()  # the session's own transaction
    try:
        cursor.execute("SAVEPOINT reminder_copy")
        try:
            with cursor.copy(f"COPY sms_message ({columns}) FROM STDIN") as copy:
                _write(copy, rows)
        except UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT reminder_copy")
        else:
            cursor.execute("RELEASE SAVEPOINT reminder_copy")
            return
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS reminder_load (LIKE sms_message INCLUDING DEFAULTS) "
                       "ON COMMIT DROP")
        cursor.execute("TRUNCATE reminder_load")
        with cursor.copy(f"COPY reminder_load ({columns}) FROM STDIN") as copy:
            _write(copy, rows)
        cursor.execute(f"INSERT INTO sms_message ({columns}) SELECT {columns} FROM reminder_load "
                       "ON CONFLICT DO NOTHING")
    finally:
        cursor.close()

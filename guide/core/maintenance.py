"""Keeping the database's query planner informed: statistics after migrations and every night.

SQLite chooses between indexes from the statistics `ANALYZE` stores (sqlite_stat1); a database never analysed gets
guesses. Moving one appointment with 100,000 rows in the SMS outbox took 33 ms (p50) / 96 ms (p95) because the
planner read the outbox through its status index; analysed, the same change takes about a third of a millisecond
(issue 20, bench/analyze.py). So:
- after the migrations (`flask db upgrade`, the demo, the tests): `ANALYZE` when the database was never analysed,
  then `PRAGMA optimize` (SQLite's own "analyse what may have changed");
- every night (`flask --app guide optimize-db`, scheduled with the other nightly jobs): `ANALYZE`, bounded by
  `analysis_limit` (rows sampled per index, so the job stays short on a big database), then `PRAGMA optimize`.
PostgreSQL's autovacuum keeps its own statistics; the nightly command runs a plain `ANALYZE` there too.
"""

from __future__ import annotations

from sqlalchemy import Connection

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

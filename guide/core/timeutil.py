"""Time in one place: stored moments are UTC (SQLite hands them back without a zone), people live in Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def as_utc(moment: datetime) -> datetime:
    """A stored moment with its zone: SQLite returns naive datetimes, which were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIME_ZONE"])


def local(moment: datetime) -> datetime:
    """A stored moment in the service's time zone (Europe/Paris by default)."""
    return as_utc(moment).astimezone(zone())


def today() -> date:
    """Today in the service's time zone, the date every rule is given."""
    return datetime.now(zone()).date()


def from_local(naive: datetime) -> datetime:
    """A date and time typed in a form (Paris wall-clock time) as the UTC moment to store."""
    return naive.replace(tzinfo=zone()).astimezone(UTC)

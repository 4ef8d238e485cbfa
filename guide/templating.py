"""Jinja filters and globals shared by every audience: dates in the reader's language, phone numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_currency, format_date, format_datetime, format_time

from guide import phones


def _local(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(current_app.config["TIME_ZONE"]))


def date_full(value: date | datetime | None) -> str:
    """"lundi 30 novembre 2026", in the page's language."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, format="full")


def date_short(value: date | None) -> str:
    return "" if value is None else format_date(value, format="short")


def time_short(value: datetime | None) -> str:
    """"14:30" in Paris time (Flask-Babel converts to the configured zone)."""
    return "" if value is None else format_time(value if value.tzinfo else value.replace(tzinfo=UTC), format="short")


def datetime_full(value: datetime | None) -> str:
    return "" if value is None else format_datetime(value if value.tzinfo else value.replace(tzinfo=UTC),
                                                    format="full")


def register(app: Flask) -> None:
    app.jinja_env.filters.update(date_full=date_full, date_short=date_short, time_short=time_short,
                                 datetime_full=datetime_full, phone=phones.display)
    app.jinja_env.globals.update(format_currency=format_currency)

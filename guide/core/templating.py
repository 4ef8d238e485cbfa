"""Jinja filters and globals shared by every audience: dates, lists of names and amounts' examples in the
reader's language, phone numbers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from babel.lists import format_list
from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_time, get_locale

from guide.core import phones
from guide.core.forms import amount_example
from guide.core.timeutil import as_utc, local


def date_full(value: date | datetime | None) -> str:
    """"lundi 30 novembre 2026", in the page's language."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    formatted: str = format_date(value, format="full")
    return formatted


def date_short(value: date | None) -> str:
    return "" if value is None else format_date(value, format="short")


def time_short(value: datetime | None) -> str:
    """"14:30" in Paris time (Flask-Babel converts to the configured zone)."""
    return "" if value is None else format_time(as_utc(value), format="short")


def datetime_full(value: datetime | None) -> str:
    return "" if value is None else format_datetime(as_utc(value), format="full")


def names(values: Iterable[object], locale: str | None = None) -> str:
    """Names joined for reading, in the page's language (or `locale`): "a, b et c" in French, "a, b, and c" in
    English, "a وb وc" in Arabic (Babel's lists, from the CLDR), never a Latin ", " in every language."""
    return str(format_list([str(value) for value in values], locale=locale or str(get_locale() or "fr")))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(date_full=date_full, date_short=date_short, time_short=time_short,
                                 datetime_full=datetime_full, phone=phones.display, names=names)
    app.jinja_env.globals.update(format_currency=format_currency, amount_example=amount_example)

"""The days the relocation office is open: Monday to Friday, except the public holidays of metropolitan France.

A deadline stays the charter's date (the last allowed day) whatever the day. When the office is closed on that
day, the household is told so and advised to answer by the last open day before it: never a later date than the
landlord will accept. Pure: no Flask, no database.
"""

from __future__ import annotations

from datetime import date, timedelta

from guide.rules.reminders import french_public_holidays

CLOSED_WEEKDAYS = frozenset({5, 6})  # Saturday, Sunday
_SEARCH_DAYS = 14  # no run of closed days is that long (a weekend and a holiday make four at most)


def office_open(day: date) -> bool:
    """Whether the office is open on this day."""
    return day.weekday() not in CLOSED_WEEKDAYS and day not in french_public_holidays(day.year)


def last_open_day(day: date) -> date:
    """The last day the office is open, on or before `day`."""
    for back in range(_SEARCH_DAYS):
        candidate = day - timedelta(days=back)
        if office_open(candidate):
            return candidate
    raise AssertionError(f"no open day in the {_SEARCH_DAYS} days up to {day}")  # pragma: no cover


def advised_answer_day(deadline: date, today: date) -> date | None:
    """For a deadline on a day the office is closed: the last open day before it, or `today` when that day is
    already past. None when the office is open on the deadline (the deadline itself is the advice)."""
    if office_open(deadline):
        return None
    return max(last_open_day(deadline), today)

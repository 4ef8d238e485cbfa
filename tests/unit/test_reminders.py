"""SMS reminder timings, as tables of worked examples in Europe/Paris (each moment names its weekday).

2026's public holidays in metropolitan France: Thu 1 Jan, Mon 6 Apr (Easter Monday), Fri 1 May, Fri 8 May,
Thu 14 May (Ascension), Mon 25 May (Whit Monday), Tue 14 Jul, Sat 15 Aug, Sun 1 Nov, Wed 11 Nov, Fri 25 Dec.
Clocks go forward on Sunday 29 March (02:00 CET → 03:00 CEST) and back on Sunday 25 October (03:00 CEST →
02:00 CET). Moments inside a clock change are written in UTC, where they are not ambiguous.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from guide.rules.deadlines import (
    courtesy_visit_dates,
    decision_deadline,
    documents_refresh_due,
    satisfaction_survey_date,
)
from guide.rules.reminders import (
    QuietHours,
    Reminder,
    ReminderKind,
    answer_deadline_reminders,
    appointment_reminders,
    courtesy_visit_reminders,
    documents_reminder,
    french_public_holidays,
    survey_invitation,
)

PARIS = ZoneInfo("Europe/Paris")
QUIET = QuietHours()
EVER_OPEN = QuietHours(start_hour=0, end_hour=24, closed_weekdays=frozenset(), public_holidays=False)
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)  # a `now` before every example, so nothing is dropped as past


def paris(text: str) -> datetime:
    """'2026-06-06 20:30' on the Paris clock."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def expect(*pairs: tuple[ReminderKind, str]) -> list[tuple[ReminderKind, datetime]]:
    """Expected reminders from (kind, Paris time) pairs."""
    return [(kind, paris(when)) for kind, when in pairs]


def as_utc(reminders: list[Reminder] | list[tuple[ReminderKind, datetime]]) -> list[tuple[ReminderKind, datetime]]:
    """Reminders with their moments in UTC: Python never finds a local time inside a repeated hour equal to
    a time in another zone (PEP 495), so moments from a clock change are compared in UTC."""
    return [(kind, send_at.astimezone(UTC)) for kind, send_at in reminders]


def assert_same_clock(actual: datetime, expected: datetime) -> None:
    """The same instant, shown on the Paris clock with the right offset (CET or CEST)."""
    assert actual == expected
    assert actual.tzinfo is not None and actual.utcoffset() == expected.astimezone(PARIS).utcoffset()


# --- quiet hours -------------------------------------------------------------------------------------------


def test_public_holidays_are_metropolitan_france() -> None:
    assert sorted(french_public_holidays(2026)) == [
        date(2026, 1, 1),  # Thursday, New Year's Day
        date(2026, 4, 6),  # Monday, Easter Monday
        date(2026, 5, 1),  # Friday, Labour Day
        date(2026, 5, 8),  # Friday, Victory in Europe Day
        date(2026, 5, 14),  # Thursday, Ascension
        date(2026, 5, 25),  # Monday, Whit Monday
        date(2026, 7, 14),  # Tuesday, Bastille Day
        date(2026, 8, 15),  # Saturday, Assumption
        date(2026, 11, 1),  # Sunday, All Saints' Day
        date(2026, 11, 11),  # Wednesday, Armistice Day
        date(2026, 12, 25),  # Friday, Christmas
    ]  # no Good Friday (3 April) nor Saint Stephen's Day (26 December): those are Alsace-Moselle's only


@pytest.mark.parametrize(
    ("moment", "next_allowed"),
    [
        # Inside the window: the moment itself
        (paris("2026-06-06 09:00"), paris("2026-06-06 09:00")),  # Saturday, opening minute
        (paris("2026-06-06 19:59:59"), paris("2026-06-06 19:59:59")),  # Saturday, last second
        (paris("2026-06-09 14:37:12"), paris("2026-06-09 14:37:12")),  # Tuesday afternoon
        # Before the window: 09:00 the same day
        (paris("2026-06-06 08:00"), paris("2026-06-06 09:00")),  # Saturday 08:00 → Saturday 09:00
        (paris("2026-06-08 00:00"), paris("2026-06-08 09:00")),  # Monday midnight → Monday 09:00
        (paris("2026-06-08 08:59:59"), paris("2026-06-08 09:00")),  # Monday
        # After the window, and Sundays: 09:00 the next open day
        (paris("2026-06-06 20:00"), paris("2026-06-08 09:00")),  # Saturday 20:00 (excluded) → Monday 09:00
        (paris("2026-06-06 20:30"), paris("2026-06-08 09:00")),  # Saturday 20:30 → Monday 09:00
        (paris("2026-06-07 12:00"), paris("2026-06-08 09:00")),  # Sunday noon → Monday 09:00
        (paris("2026-06-09 23:59"), paris("2026-06-10 09:00")),  # Tuesday night → Wednesday 09:00
        # Public holidays: the next open day
        (paris("2026-01-01 10:00"), paris("2026-01-02 09:00")),  # Thursday, New Year's Day → Friday
        (paris("2026-04-04 20:30"), paris("2026-04-07 09:00")),  # Saturday → Easter Sunday, Monday → Tuesday
        (paris("2026-04-06 10:00"), paris("2026-04-07 09:00")),  # Easter Monday → Tuesday
        (paris("2026-04-02 21:00"), paris("2026-04-03 09:00")),  # Thursday → Good Friday is open here
        (paris("2026-04-30 20:15"), paris("2026-05-02 09:00")),  # Thursday → Friday 1 May → Saturday
        (paris("2026-05-01 10:00"), paris("2026-05-02 09:00")),  # Friday 1 May → Saturday
        (paris("2026-05-07 21:00"), paris("2026-05-09 09:00")),  # Thursday → Friday 8 May → Saturday
        (paris("2026-05-13 20:30"), paris("2026-05-15 09:00")),  # Wednesday → Ascension Thursday → Friday
        (paris("2026-05-23 20:30"), paris("2026-05-26 09:00")),  # Saturday → Sunday, Whit Monday → Tuesday
        (paris("2026-07-13 20:00"), paris("2026-07-15 09:00")),  # Monday → Tuesday 14 July → Wednesday
        (paris("2026-08-14 20:30"), paris("2026-08-17 09:00")),  # Friday → Saturday 15 August, Sunday → Monday
        (paris("2026-10-31 20:30"), paris("2026-11-02 09:00")),  # Saturday → All Saints' Sunday → Monday
        (paris("2026-11-10 22:00"), paris("2026-11-12 09:00")),  # Tuesday → Wednesday 11 Nov → Thursday
        (paris("2026-12-24 20:00"), paris("2026-12-26 09:00")),  # Thursday → Christmas Friday → Saturday
        (paris("2026-12-31 20:00"), paris("2027-01-02 09:00")),  # Thursday → New Year Friday → Saturday
        # Clocks forward (Sunday 29 March): from CET (+01:00) to CEST (+02:00)
        (paris("2026-03-28 20:30"), paris("2026-03-30 09:00")),  # Saturday 20:30 CET → Monday 09:00 CEST
        (utc("2026-03-29 00:30"), paris("2026-03-30 09:00")),  # Sunday 01:30 CET, before the change → Monday
        (utc("2026-03-29 01:30"), paris("2026-03-30 09:00")),  # Sunday 03:30 CEST, after it → Monday
        (paris("2026-03-30 08:00"), paris("2026-03-30 09:00")),  # Monday, first morning in CEST
        # Clocks back (Sunday 25 October): from CEST to CET
        (paris("2026-10-24 20:30"), paris("2026-10-26 09:00")),  # Saturday 20:30 CEST → Monday 09:00 CET
        (utc("2026-10-25 00:30"), paris("2026-10-26 09:00")),  # Sunday 02:30 CEST, first pass → Monday
        (utc("2026-10-25 01:30"), paris("2026-10-26 09:00")),  # Sunday 02:30 CET, second pass → Monday
        (paris("2026-10-26 08:00"), paris("2026-10-26 09:00")),  # Monday, first morning in CET
        # Moments given in UTC are judged on the Paris clock
        (utc("2026-06-06 07:30"), paris("2026-06-06 09:30")),  # Saturday 07:30 UTC is 09:30 in Paris
        (utc("2026-06-06 18:30"), paris("2026-06-08 09:00")),  # Saturday 18:30 UTC is 20:30 → Monday
        (utc("2026-06-08 06:30"), paris("2026-06-08 09:00")),  # Monday 06:30 UTC is 08:30 CEST
        (utc("2026-01-05 08:30"), paris("2026-01-05 09:30")),  # Monday 08:30 UTC is 09:30 CET
        (utc("2026-01-05 19:30"), paris("2026-01-06 09:00")),  # Monday 19:30 UTC is 20:30 CET → Tuesday
    ],
)
def test_next_allowed(moment: datetime, next_allowed: datetime) -> None:
    assert_same_clock(QUIET.next_allowed(moment), next_allowed)
    assert QUIET.allowed(moment) is (next_allowed == moment)
    assert QUIET.allowed(next_allowed)


@pytest.mark.parametrize(
    ("moment", "previous_allowed"),
    [
        (paris("2026-06-08 10:00"), paris("2026-06-08 10:00")),  # Monday, open: the moment itself
        (paris("2026-06-08 20:00"), paris("2026-06-08 19:59")),  # Monday 20:00 → Monday 19:59
        (paris("2026-06-09 08:59"), paris("2026-06-08 19:59")),  # Tuesday early → Monday 19:59
        (paris("2026-06-08 06:30"), paris("2026-06-06 19:59")),  # Monday early → Saturday 19:59 (Sunday shut)
        (paris("2026-06-07 12:00"), paris("2026-06-06 19:59")),  # Sunday → Saturday 19:59
        (paris("2026-04-07 06:30"), paris("2026-04-04 19:59")),  # Tuesday → Easter Monday, Sunday → Saturday
        (paris("2026-05-02 08:00"), paris("2026-04-30 19:59")),  # Saturday → 1 May Friday → Thursday
        (paris("2026-05-15 08:00"), paris("2026-05-13 19:59")),  # Friday → Ascension Thursday → Wednesday
        (paris("2026-05-26 06:30"), paris("2026-05-23 19:59")),  # Tuesday → Whit Monday, Sunday → Saturday
        (paris("2026-12-26 08:00"), paris("2026-12-24 19:59")),  # Saturday → Christmas Friday → Thursday
        (paris("2027-01-02 08:00"), paris("2026-12-31 19:59")),  # Saturday → New Year Friday → Thursday
        (paris("2026-03-30 06:30"), paris("2026-03-28 19:59")),  # Monday CEST → Saturday CET
        (paris("2026-10-26 08:30"), paris("2026-10-24 19:59")),  # Monday CET → Saturday CEST
    ],
)
def test_previous_allowed(moment: datetime, previous_allowed: datetime) -> None:
    assert_same_clock(QUIET.previous_allowed(moment), previous_allowed)


EIGHT_TO_NINE = QuietHours(start_hour=8, end_hour=21)
SUNDAYS_OPEN = QuietHours(closed_weekdays=frozenset())
WEEKENDS_SHUT = QuietHours(closed_weekdays=frozenset({5, 6}))
NO_HOLIDAYS = QuietHours(public_holidays=False)
LONDON = QuietHours(zone="Europe/London")
NIGHTS_2_TO_4 = QuietHours(start_hour=2, end_hour=4, closed_weekdays=frozenset(), public_holidays=False)
NIGHTS_1_TO_3 = QuietHours(start_hour=1, end_hour=3, closed_weekdays=frozenset(), public_holidays=False)
NIGHTS_2_TO_3 = QuietHours(start_hour=2, end_hour=3, closed_weekdays=frozenset(), public_holidays=False)


@pytest.mark.parametrize(
    ("quiet", "moment", "next_allowed", "previous_allowed"),
    [
        # 08:00 to 21:00: Saturday 08:00 and 20:30 are open; Monday 07:30 → 08:00, or back to Saturday 20:59
        (EIGHT_TO_NINE, paris("2026-06-06 08:00"), paris("2026-06-06 08:00"), paris("2026-06-06 08:00")),
        (EIGHT_TO_NINE, paris("2026-06-06 20:30"), paris("2026-06-06 20:30"), paris("2026-06-06 20:30")),
        (EIGHT_TO_NINE, paris("2026-06-08 07:30"), paris("2026-06-08 08:00"), paris("2026-06-06 20:59")),
        # Sundays open: Saturday 20:30 → Sunday 09:00; but All Saints' Sunday is shut → Monday 2 November
        (SUNDAYS_OPEN, paris("2026-06-06 20:30"), paris("2026-06-07 09:00"), paris("2026-06-06 19:59")),
        (SUNDAYS_OPEN, paris("2026-10-31 20:30"), paris("2026-11-02 09:00"), paris("2026-10-31 19:59")),
        # Weekends shut: Friday evening → Monday; Monday early → back to Friday
        (WEEKENDS_SHUT, paris("2026-06-05 20:30"), paris("2026-06-08 09:00"), paris("2026-06-05 19:59")),
        (WEEKENDS_SHUT, paris("2026-06-08 08:00"), paris("2026-06-08 09:00"), paris("2026-06-05 19:59")),
        # Public holidays not observed: Thursday 30 April → Friday 1 May; Christmas Friday is open
        (NO_HOLIDAYS, paris("2026-04-30 20:15"), paris("2026-05-01 09:00"), paris("2026-04-30 19:59")),
        (NO_HOLIDAYS, paris("2026-12-25 12:00"), paris("2026-12-25 12:00"), paris("2026-12-25 12:00")),
        # Always open: Sunday 03:00
        (EVER_OPEN, paris("2026-06-07 03:00"), paris("2026-06-07 03:00"), paris("2026-06-07 03:00")),
        # London's clock, an hour behind Paris: Monday 07:30 there → 09:00 there; back to Saturday 19:59 there
        (LONDON, paris("2026-06-08 08:30"), paris("2026-06-08 10:00"), paris("2026-06-06 20:59")),
        # Windows across a clock change: a window's first minute stays its first, its last stays its last.
        # Saturday 28 March → Sunday 03:00 CEST (02:00 never was); back to Saturday 03:59 CET
        (NIGHTS_2_TO_4, paris("2026-03-28 23:00"), utc("2026-03-29 01:00"), paris("2026-03-28 03:59")),
        # Sunday 29 March 05:00 CEST → Monday 01:00; back to Sunday 01:59 CET, the minute before 03:00 CEST
        (NIGHTS_1_TO_3, utc("2026-03-29 03:00"), paris("2026-03-30 01:00"), utc("2026-03-29 00:59")),
        # Saturday 24 October → Sunday 02:00 CEST, the first pass; back to Saturday 02:59 CEST
        (NIGHTS_2_TO_3, paris("2026-10-24 23:00"), utc("2026-10-25 00:00"), paris("2026-10-24 02:59")),
        # Sunday 25 October 05:00 CET → Monday 02:00; back to Sunday 02:59 CET, the second pass's last minute
        (NIGHTS_2_TO_3, utc("2026-10-25 04:00"), paris("2026-10-26 02:00"), utc("2026-10-25 01:59")),
    ],
)
def test_quiet_hours_are_configurable(
    quiet: QuietHours, moment: datetime, next_allowed: datetime, previous_allowed: datetime
) -> None:
    assert quiet.next_allowed(moment).astimezone(UTC) == next_allowed.astimezone(UTC)
    assert quiet.previous_allowed(moment).astimezone(UTC) == previous_allowed.astimezone(UTC)
    assert quiet.allowed(next_allowed) and quiet.allowed(previous_allowed)


@pytest.mark.parametrize(
    ("quiet", "first", "last"),
    [
        (QUIET, "2026-01-01", "2027-01-01"),  # every half hour of 2026
        (NIGHTS_2_TO_4, "2026-03-21", "2026-04-05"),  # a window that meets the clock changes, around them
        (NIGHTS_2_TO_4, "2026-10-17", "2026-11-01"),
        (QuietHours(start_hour=2, end_hour=4, closed_weekdays=frozenset({5})), "2026-03-21", "2026-04-05"),
    ],
)
def test_next_and_previous_allowed_agree_with_a_step_by_step_search(quiet: QuietHours, first: str, last: str) -> None:
    """Each half hour against a plain hour-by-hour search (Paris offsets are whole hours, so a window always
    opens and closes on a whole UTC hour)."""
    hour = timedelta(hours=1)
    moment, stop = paris(first).astimezone(UTC), paris(last).astimezone(UTC)
    while moment < stop:
        if quiet.allowed(moment):
            expected_next = expected_previous = moment
        else:
            expected_next = moment.replace(minute=0) + (hour if moment.minute else timedelta())
            while not quiet.allowed(expected_next):
                expected_next += hour
            expected_previous = moment.replace(minute=0)
            while not quiet.allowed(expected_previous):
                expected_previous -= hour
            expected_previous += timedelta(minutes=59)
        assert quiet.next_allowed(moment).astimezone(UTC) == expected_next, moment
        assert quiet.previous_allowed(moment).astimezone(UTC) == expected_previous, moment
        moment += timedelta(minutes=30)


@pytest.mark.parametrize(
    "settings",
    [
        {"start_hour": 20, "end_hour": 9},  # overnight windows are not supported
        {"start_hour": 9, "end_hour": 9},
        {"start_hour": -1},
        {"end_hour": 25},
        {"closed_weekdays": frozenset(range(7))},  # never open
        {"closed_weekdays": frozenset({7})},
    ],
)
def test_quiet_hours_refuse_impossible_settings(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        QuietHours(**settings)  # type: ignore[arg-type]


def test_quiet_hours_are_frozen_values() -> None:
    assert QuietHours() == QUIET and hash(QuietHours()) == hash(QUIET)
    with pytest.raises(dataclasses.FrozenInstanceError):
        QUIET.start_hour = 8  # type: ignore[misc]


@pytest.mark.parametrize(
    "call",
    [
        lambda: QUIET.allowed(datetime(2026, 6, 8, 10)),
        lambda: QUIET.next_allowed(datetime(2026, 6, 8, 10)),
        lambda: QUIET.previous_allowed(datetime(2026, 6, 8, 10)),
        lambda: appointment_reminders(datetime(2026, 6, 9, 14), LONG_AGO, QUIET),
        lambda: appointment_reminders(paris("2026-06-09 14:00"), datetime(2026, 6, 1), QUIET),
        lambda: answer_deadline_reminders(date(2026, 6, 12), datetime(2026, 6, 1), QUIET),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


# --- appointments ------------------------------------------------------------------------------------------
# Rows give Paris times as text; `now` None means long before, so that nothing is dropped as past.

DAY_BEFORE = ReminderKind.APPOINTMENT_DAY_BEFORE
SOON = ReminderKind.APPOINTMENT_SOON
Pairs = list[tuple[ReminderKind, str]]


def now_or_long_ago(now: str | None) -> datetime:
    return paris(now) if now else LONG_AGO


@pytest.mark.parametrize(
    ("starts_at", "now", "reminders"),
    [
        # Both: the evening before at 18:00, and 2 hours before.
        # Tuesday 14:00 → Monday 18:00, Tuesday 12:00
        ("2026-06-09 14:00", None, [(DAY_BEFORE, "2026-06-08 18:00"), (SOON, "2026-06-09 12:00")]),
        # Saturday 15:00 → Friday 18:00, Saturday 13:00
        ("2026-06-06 15:00", None, [(DAY_BEFORE, "2026-06-05 18:00"), (SOON, "2026-06-06 13:00")]),
        # Wednesday 21:30 → Tuesday 18:00, Wednesday 19:30 (still open)
        ("2026-06-10 21:30", None, [(DAY_BEFORE, "2026-06-09 18:00"), (SOON, "2026-06-10 19:30")]),
        # Saturday 23:00 → Friday 18:00; 21:00 is quiet → back to Saturday 19:59, the same day
        ("2026-06-06 23:00", None, [(DAY_BEFORE, "2026-06-05 18:00"), (SOON, "2026-06-06 19:59")]),
        # Morning appointments: "soon" would move back to the evening before, where "day before" already
        # is → only that one.
        # Tuesday 08:30 → Monday 18:00, not again at 19:59
        ("2026-06-09 08:30", None, [(DAY_BEFORE, "2026-06-08 18:00")]),
        # Saturday 10:00 → Friday 18:00
        ("2026-06-06 10:00", None, [(DAY_BEFORE, "2026-06-05 18:00")]),
        # Sunday 11:00 (rare) → Saturday 18:00
        ("2026-06-07 11:00", None, [(DAY_BEFORE, "2026-06-06 18:00")]),
        # Monday: Sunday 18:00 would become Monday 09:00, not "the day before" → none of those; "soon" is
        # then the only one, moved back to Saturday 19:59 when 2 hours before is quiet.
        # Monday 08:30 → Saturday 19:59
        ("2026-06-08 08:30", None, [(SOON, "2026-06-06 19:59")]),
        # Monday 10:00: 08:00 is quiet → Saturday 19:59
        ("2026-06-08 10:00", None, [(SOON, "2026-06-06 19:59")]),
        # Monday 10:59: 08:59 is quiet → Saturday 19:59
        ("2026-06-08 10:59", None, [(SOON, "2026-06-06 19:59")]),
        # Monday 11:00 → Monday 09:00
        ("2026-06-08 11:00", None, [(SOON, "2026-06-08 09:00")]),
        # Monday 14:00 → Monday 12:00
        ("2026-06-08 14:00", None, [(SOON, "2026-06-08 12:00")]),
        # After public holidays, the same.
        # Tuesday 08:30 after Easter Monday → Saturday 4 April 19:59
        ("2026-04-07 08:30", None, [(SOON, "2026-04-04 19:59")]),
        # Tuesday 14:00 after Easter Monday → Tuesday 12:00
        ("2026-04-07 14:00", None, [(SOON, "2026-04-07 12:00")]),
        # Friday 10:00 after Ascension Thursday → Wednesday 13 May 19:59
        ("2026-05-15 10:00", None, [(SOON, "2026-05-13 19:59")]),
        # Tuesday 08:30 after Whit Monday → Saturday 23 May 19:59
        ("2026-05-26 08:30", None, [(SOON, "2026-05-23 19:59")]),
        # Wednesday 16:00 after 14 July → Wednesday 14:00
        ("2026-07-15 16:00", None, [(SOON, "2026-07-15 14:00")]),
        # Saturday 11:00 after Christmas Friday → Saturday 09:00
        ("2026-12-26 11:00", None, [(SOON, "2026-12-26 09:00")]),
        # Across the clock changes.
        # Monday 30 March 08:30 CEST → Saturday 19:59 CET
        ("2026-03-30 08:30", None, [(SOON, "2026-03-28 19:59")]),
        # Monday 30 March 11:00 CEST → Monday 09:00 CEST
        ("2026-03-30 11:00", None, [(SOON, "2026-03-30 09:00")]),
        # Tuesday 31 March 14:00 → Monday 18:00, Tuesday 12:00, all CEST
        ("2026-03-31 14:00", None, [(DAY_BEFORE, "2026-03-30 18:00"), (SOON, "2026-03-31 12:00")]),
        # Monday 26 October 10:30 CET → Saturday 19:59 CEST
        ("2026-10-26 10:30", None, [(SOON, "2026-10-24 19:59")]),
        # Tuesday 27 October 09:30 CET → Monday 18:00 CET only
        ("2026-10-27 09:30", None, [(DAY_BEFORE, "2026-10-26 18:00")]),
        # Already past, or nowhere to go.
        # Tuesday 14:00, now Monday 18:00 exactly: still due
        ("2026-06-09 14:00", "2026-06-08 18:00", [(DAY_BEFORE, "2026-06-08 18:00"), (SOON, "2026-06-09 12:00")]),
        # Tuesday 14:00, now Monday 18:30: the first one is past
        ("2026-06-09 14:00", "2026-06-08 18:30", [(SOON, "2026-06-09 12:00")]),
        # Tuesday 14:00, now Tuesday 12:00 exactly: still due
        ("2026-06-09 14:00", "2026-06-09 12:00", [(SOON, "2026-06-09 12:00")]),
        # Tuesday 14:00, now Tuesday 12:00:01: none left
        ("2026-06-09 14:00", "2026-06-09 12:00:01", []),
        # Tuesday 12:00 booked at 11:00: 2 hours before is past, and the SMS is not sent late
        ("2026-06-09 12:00", "2026-06-09 11:00", []),
        # Tuesday 12:30 booked at 10:00 → Tuesday 10:30
        ("2026-06-09 12:30", "2026-06-09 10:00", [(SOON, "2026-06-09 10:30")]),
        # Monday 08:30, now Saturday 20:30: no allowed minute left before it (Saturday 19:59 is past,
        # Sunday shut, Monday 09:00 too late) → none
        ("2026-06-08 08:30", "2026-06-06 20:30", []),
        # Monday 08:30, now Saturday 19:59 exactly: just in time
        ("2026-06-08 08:30", "2026-06-06 19:59", [(SOON, "2026-06-06 19:59")]),
        # Monday 1 June 10:00, now Tuesday: over
        ("2026-06-01 10:00", "2026-06-02 09:00", []),
    ],
)
def test_appointment_reminders(starts_at: str, now: str | None, reminders: Pairs) -> None:
    computed = appointment_reminders(paris(starts_at), now_or_long_ago(now), QUIET)
    assert computed == expect(*reminders)
    for reminder in computed:
        assert QUIET.allowed(reminder.send_at) and now_or_long_ago(now) <= reminder.send_at < paris(starts_at)


@pytest.mark.parametrize(
    ("quiet", "day_before_hour", "starts_at", "reminders"),
    [
        # Tuesday 14:00, the evening before at 19:00
        (QUIET, 19, "2026-06-09 14:00", [(DAY_BEFORE, "2026-06-08 19:00"), (SOON, "2026-06-09 12:00")]),
        # Tuesday 14:00, the morning before: 08:00 → 09:00
        (QUIET, 8, "2026-06-09 14:00", [(DAY_BEFORE, "2026-06-08 09:00"), (SOON, "2026-06-09 12:00")]),
        # Tuesday 14:00: 21:00 the day before is quiet → Tuesday, not "the day before" → none
        (QUIET, 21, "2026-06-09 14:00", [(SOON, "2026-06-09 12:00")]),
        # Monday 08:30, open 08:00 to 21:00 → Saturday 20:59
        (EIGHT_TO_NINE, 18, "2026-06-08 08:30", [(SOON, "2026-06-06 20:59")]),
        # Monday 08:30, Sundays open → Sunday 18:00
        (SUNDAYS_OPEN, 18, "2026-06-08 08:30", [(DAY_BEFORE, "2026-06-07 18:00")]),
        # Tuesday 08:30 after Whit Monday, holidays open → Monday 18:00
        (NO_HOLIDAYS, 18, "2026-05-26 08:30", [(DAY_BEFORE, "2026-05-25 18:00")]),
    ],
)
def test_appointment_reminders_settings(
    quiet: QuietHours, day_before_hour: int, starts_at: str, reminders: Pairs
) -> None:
    computed = appointment_reminders(paris(starts_at), LONG_AGO, quiet, day_before_hour=day_before_hour)
    assert computed == expect(*reminders)


@pytest.mark.parametrize(
    ("starts_at", "soon"),
    [
        # Sunday 29 March 03:30 CEST → Sunday 00:30 CET: 2 hours elapsed, 3 on the clock
        (utc("2026-03-29 01:30"), utc("2026-03-28 23:30")),
        # Sunday 25 October 03:30 CET → 02:30 CEST, the first pass: 2 hours elapsed, 1 on the clock
        (utc("2026-10-25 02:30"), utc("2026-10-25 00:30")),
    ],
)
def test_two_hours_before_is_elapsed_time_across_a_clock_change(starts_at: datetime, soon: datetime) -> None:
    day_before = paris(f"{starts_at.date() - timedelta(days=1)} 18:00")  # Saturday 18:00
    expected = [(DAY_BEFORE, day_before), (SOON, soon)]
    assert as_utc(appointment_reminders(starts_at, LONG_AGO, EVER_OPEN)) == as_utc(expected)


# --- answering a proposal ----------------------------------------------------------------------------------

THREE_DAYS = ReminderKind.ANSWER_3_DAYS
ONE_DAY = ReminderKind.ANSWER_1_DAY


@pytest.mark.parametrize(
    ("answer_by", "now", "reminders"),
    [
        # Friday → Tuesday and Thursday at 10:00
        (date(2026, 6, 12), None, [(THREE_DAYS, "2026-06-09 10:00"), (ONE_DAY, "2026-06-11 10:00")]),
        # Monday → Friday; Sunday → Monday 09:00, the last day's morning
        (date(2026, 6, 15), None, [(THREE_DAYS, "2026-06-12 10:00"), (ONE_DAY, "2026-06-15 09:00")]),
        # Wednesday → Sunday → Monday 09:00; Tuesday
        (date(2026, 6, 17), None, [(THREE_DAYS, "2026-06-15 09:00"), (ONE_DAY, "2026-06-16 10:00")]),
        # Sunday → Thursday and Saturday
        (date(2026, 6, 14), None, [(THREE_DAYS, "2026-06-11 10:00"), (ONE_DAY, "2026-06-13 10:00")]),
        # Easter Monday → Good Friday (open); Sunday → Tuesday, after the last day → none
        (date(2026, 4, 6), None, [(THREE_DAYS, "2026-04-03 10:00")]),
        # Tuesday after Easter → Saturday; Easter Monday → Tuesday 09:00
        (date(2026, 4, 7), None, [(THREE_DAYS, "2026-04-04 10:00"), (ONE_DAY, "2026-04-07 09:00")]),
        # Saturday 2 May → Wednesday; Friday 1 May → Saturday 09:00
        (date(2026, 5, 2), None, [(THREE_DAYS, "2026-04-29 10:00"), (ONE_DAY, "2026-05-02 09:00")]),
        # Whit Monday → Friday; Sunday → Tuesday, after the last day → none
        (date(2026, 5, 25), None, [(THREE_DAYS, "2026-05-22 10:00")]),
        # Wednesday 27 May → Sunday, Whit Monday → Tuesday 09:00, the 1-day one's day → only the 1-day one:
        # "3 days left" is no longer true
        (date(2026, 5, 27), None, [(ONE_DAY, "2026-05-26 10:00")]),
        # Sunday 17 May → Ascension Thursday → Friday 09:00; Saturday
        (date(2026, 5, 17), None, [(THREE_DAYS, "2026-05-15 09:00"), (ONE_DAY, "2026-05-16 10:00")]),
        # Wednesday 15 July → Sunday → Monday 09:00; 14 July → Wednesday 09:00, the last day
        (date(2026, 7, 15), None, [(THREE_DAYS, "2026-07-13 09:00"), (ONE_DAY, "2026-07-15 09:00")]),
        # Tuesday 18 August → 15 August, Sunday → Monday, the 1-day one's day → only the 1-day one
        (date(2026, 8, 18), None, [(ONE_DAY, "2026-08-17 10:00")]),
        # Christmas Friday as the last day → Tuesday and Thursday
        (date(2026, 12, 25), None, [(THREE_DAYS, "2026-12-22 10:00"), (ONE_DAY, "2026-12-24 10:00")]),
        # Monday 28 December → Christmas → Saturday 09:00; Sunday → Monday 09:00
        (date(2026, 12, 28), None, [(THREE_DAYS, "2026-12-26 09:00"), (ONE_DAY, "2026-12-28 09:00")]),
        # Sunday 3 January → Thursday 31 December; Saturday 2 January
        (date(2027, 1, 3), None, [(THREE_DAYS, "2026-12-31 10:00"), (ONE_DAY, "2027-01-02 10:00")]),
        # Wednesday 1 April → Sunday 29 March → Monday 09:00 CEST; Tuesday
        (date(2026, 4, 1), None, [(THREE_DAYS, "2026-03-30 09:00"), (ONE_DAY, "2026-03-31 10:00")]),
        # Wednesday 28 October → Sunday 25 October → Monday 09:00 CET; Tuesday
        (date(2026, 10, 28), None, [(THREE_DAYS, "2026-10-26 09:00"), (ONE_DAY, "2026-10-27 10:00")]),
        # Sunday 25 October → Thursday and Saturday, 10:00 CEST
        (date(2026, 10, 25), None, [(THREE_DAYS, "2026-10-22 10:00"), (ONE_DAY, "2026-10-24 10:00")]),
        # Past ones dropped.
        # Friday; now Tuesday 10:00: still due
        (date(2026, 6, 12), "2026-06-09 10:00", [(THREE_DAYS, "2026-06-09 10:00"), (ONE_DAY, "2026-06-11 10:00")]),
        # Friday; now Wednesday: the 3-day one is past
        (date(2026, 6, 12), "2026-06-10 09:00", [(ONE_DAY, "2026-06-11 10:00")]),
        # Friday; now Thursday, a second after 10:00: none left
        (date(2026, 6, 12), "2026-06-11 10:00:01", []),
        # Monday; now Sunday 11:00: the Sunday reminder was moved to Monday 09:00, so it is not past
        (date(2026, 6, 15), "2026-06-14 11:00", [(ONE_DAY, "2026-06-15 09:00")]),
        # Friday; now Saturday: the last day is over
        (date(2026, 6, 12), "2026-06-13 10:00", []),
    ],
)
def test_answer_deadline_reminders(answer_by: date, now: str | None, reminders: Pairs) -> None:
    assert answer_deadline_reminders(answer_by, now_or_long_ago(now), QUIET) == expect(*reminders)


@pytest.mark.parametrize(
    ("quiet", "hour", "answer_by", "reminders"),
    [
        # Friday, at 18:00
        (QUIET, 18, date(2026, 6, 12), [(THREE_DAYS, "2026-06-09 18:00"), (ONE_DAY, "2026-06-11 18:00")]),
        # Friday, at 08:00 → 09:00
        (QUIET, 8, date(2026, 6, 12), [(THREE_DAYS, "2026-06-09 09:00"), (ONE_DAY, "2026-06-11 09:00")]),
        # Friday, at 20:00 → 09:00 the next day: Wednesday, and Friday (the last day)
        (QUIET, 20, date(2026, 6, 12), [(THREE_DAYS, "2026-06-10 09:00"), (ONE_DAY, "2026-06-12 09:00")]),
        # Wednesday 27 May, holidays open → Sunday → Whit Monday 09:00; Tuesday
        (NO_HOLIDAYS, 10, date(2026, 5, 27), [(THREE_DAYS, "2026-05-25 09:00"), (ONE_DAY, "2026-05-26 10:00")]),
        # Monday, Sundays open → Friday and Sunday
        (SUNDAYS_OPEN, 10, date(2026, 6, 15), [(THREE_DAYS, "2026-06-12 10:00"), (ONE_DAY, "2026-06-14 10:00")]),
    ],
)
def test_answer_deadline_reminders_settings(quiet: QuietHours, hour: int, answer_by: date, reminders: Pairs) -> None:
    assert answer_deadline_reminders(answer_by, LONG_AGO, quiet, hour=hour) == expect(*reminders)


def test_answer_reminders_follow_the_decision_deadline() -> None:
    answer_by = decision_deadline(date(2026, 6, 5))  # visit Friday → last day Monday 15 June
    assert answer_deadline_reminders(answer_by, paris("2026-06-05 17:00"), QUIET) == expect(
        (THREE_DAYS, "2026-06-12 10:00"), (ONE_DAY, "2026-06-15 09:00")
    )


# --- documents, courtesy visits, survey --------------------------------------------------------------------

DOCUMENTS = ReminderKind.DOCUMENTS_DUE


@pytest.mark.parametrize(
    ("due", "now", "reminders"),
    [
        (date(2026, 7, 13), None, [(DOCUMENTS, "2026-06-29 10:00")]),  # Monday → Monday
        (date(2026, 6, 21), None, [(DOCUMENTS, "2026-06-08 09:00")]),  # Sunday → Sunday → Monday
        (date(2026, 7, 28), None, [(DOCUMENTS, "2026-07-15 09:00")]),  # Tuesday → 14 July → Wednesday
        (date(2026, 5, 15), None, [(DOCUMENTS, "2026-05-02 09:00")]),  # Friday → 1 May → Saturday
        (date(2026, 5, 28), None, [(DOCUMENTS, "2026-05-15 09:00")]),  # Thursday → Ascension → Friday
        (date(2026, 5, 16), None, [(DOCUMENTS, "2026-05-02 10:00")]),  # Saturday → Saturday
        (date(2026, 11, 8), None, [(DOCUMENTS, "2026-10-26 09:00")]),  # Sunday → 25 October → Monday CET
        (date(2026, 4, 12), None, [(DOCUMENTS, "2026-03-30 09:00")]),  # Sunday → 29 March → Monday CEST
        (date(2027, 1, 15), None, [(DOCUMENTS, "2027-01-02 09:00")]),  # Friday → 1 January → Saturday
        (date(2026, 7, 13), "2026-06-29 10:00", [(DOCUMENTS, "2026-06-29 10:00")]),  # Monday, due now
        (date(2026, 7, 13), "2026-06-30 08:00", []),  # Monday; now the Tuesday after: past
    ],
)
def test_documents_reminder(due: date, now: str | None, reminders: Pairs) -> None:
    assert documents_reminder(due, now_or_long_ago(now), QUIET) == expect(*reminders)


def test_documents_reminder_follows_the_refresh_date_and_hour() -> None:
    due = documents_refresh_due(date(2026, 1, 13))  # updated Tuesday → due Monday 13 July
    assert documents_reminder(due, LONG_AGO, QUIET, hour=14) == expect((DOCUMENTS, "2026-06-29 14:00"))


VISIT_2 = ReminderKind.COURTESY_VISIT_2_MONTHS
VISIT_4 = ReminderKind.COURTESY_VISIT_4_MONTHS
VISIT_6 = ReminderKind.COURTESY_VISIT_6_MONTHS


@pytest.mark.parametrize(
    ("moved_on", "now", "reminders"),
    [
        # Tuesday 15 Sep: visits Sunday 15 Nov, Friday 15 Jan, Monday 15 Mar → Sunday 8 Nov → Monday 9 Nov
        (
            date(2026, 9, 15),
            None,
            [(VISIT_2, "2026-11-09 09:00"), (VISIT_4, "2027-01-08 10:00"), (VISIT_6, "2027-03-08 10:00")],
        ),
        # Monday 31 Aug: visits Saturday 31 Oct, Thursday 31 Dec, Sunday 28 Feb → Saturday 24 Oct (still
        # CEST), Thursday 24 Dec, Sunday 21 Feb → Monday 22 Feb
        (
            date(2026, 8, 31),
            None,
            [(VISIT_2, "2026-10-24 10:00"), (VISIT_4, "2026-12-24 10:00"), (VISIT_6, "2027-02-22 09:00")],
        ),
        # Sunday 8 Mar: visits Friday 8 May, Wednesday 8 Jul, Tuesday 8 Sep → Friday 1 May → Saturday 2 May
        (
            date(2026, 3, 8),
            None,
            [(VISIT_2, "2026-05-02 09:00"), (VISIT_4, "2026-07-01 10:00"), (VISIT_6, "2026-09-01 10:00")],
        ),
        # Thursday 21 May: visits Tuesday 21 Jul, Monday 21 Sep, Saturday 21 Nov → 14 July → Wednesday 15
        (
            date(2026, 5, 21),
            None,
            [(VISIT_2, "2026-07-15 09:00"), (VISIT_4, "2026-09-14 10:00"), (VISIT_6, "2026-11-14 10:00")],
        ),
        # Tuesday 15 Sep; now a second after the first one (Monday 9 Nov 09:00) → the other two
        (date(2026, 9, 15), "2026-11-09 09:00:01", [(VISIT_4, "2027-01-08 10:00"), (VISIT_6, "2027-03-08 10:00")]),
        # Tuesday 15 Sep; now Monday 8 March 10:00 → the last, due now
        (date(2026, 9, 15), "2027-03-08 10:00", [(VISIT_6, "2027-03-08 10:00")]),
        # Tuesday 15 Sep; now the Tuesday after → all past
        (date(2026, 9, 15), "2027-03-09 10:00", []),
    ],
)
def test_courtesy_visit_reminders(moved_on: date, now: str | None, reminders: Pairs) -> None:
    assert courtesy_visit_reminders(moved_on, now_or_long_ago(now), QUIET) == expect(*reminders)
    visits = courtesy_visit_dates(moved_on)
    for reminder, visit_on in zip(courtesy_visit_reminders(moved_on, LONG_AGO, QUIET), visits, strict=True):
        assert visit_on - timedelta(days=7) <= reminder.send_at.date() < visit_on


SURVEY = ReminderKind.SATISFACTION_SURVEY


@pytest.mark.parametrize(
    ("moved_on", "now", "reminders"),
    [
        (date(2026, 9, 15), None, [(SURVEY, "2027-03-15 10:00")]),  # Tuesday → Monday 15 March
        (date(2026, 8, 31), None, [(SURVEY, "2027-03-01 09:00")]),  # Monday → Sunday 28 Feb → Monday
        (date(2025, 11, 1), None, [(SURVEY, "2026-05-02 09:00")]),  # Saturday → Friday 1 May → Saturday
        (date(2026, 1, 14), None, [(SURVEY, "2026-07-15 09:00")]),  # Wednesday → Tuesday 14 July → Wednesday
        (date(2025, 10, 6), None, [(SURVEY, "2026-04-07 09:00")]),  # Monday → Easter Monday → Tuesday
        (date(2026, 4, 25), None, [(SURVEY, "2026-10-26 09:00")]),  # Saturday → Sunday 25 Oct → Monday CET
        (date(2026, 6, 25), None, [(SURVEY, "2026-12-26 09:00")]),  # Thursday → Christmas Friday → Saturday
        # Monday 31 Aug; now Sunday 28 Feb noon, the survey day: it was moved to Monday, so it is not past
        (date(2026, 8, 31), "2027-02-28 12:00", [(SURVEY, "2027-03-01 09:00")]),
        # Tuesday 15 Sep; now Monday 15 March, a second after 10:00 → past
        (date(2026, 9, 15), "2027-03-15 10:00:01", []),
    ],
)
def test_survey_invitation(moved_on: date, now: str | None, reminders: Pairs) -> None:
    assert survey_invitation(moved_on, now_or_long_ago(now), QUIET) == expect(*reminders)
    (invitation,) = survey_invitation(moved_on, LONG_AGO, QUIET)
    assert invitation.send_at.date() >= satisfaction_survey_date(moved_on)


# --- properties shared by every kind of reminder ------------------------------------------------------------

SCHEDULES: list[Callable[[datetime], list[Reminder]]] = [
    lambda now: appointment_reminders(paris("2026-06-09 14:00"), now, QUIET),  # Tuesday afternoon
    lambda now: appointment_reminders(paris("2026-06-08 08:30"), now, QUIET),  # Monday morning
    lambda now: appointment_reminders(paris("2026-05-26 08:30"), now, QUIET),  # Tuesday after Whit Monday
    lambda now: answer_deadline_reminders(date(2026, 6, 15), now, QUIET),  # Monday
    lambda now: answer_deadline_reminders(date(2026, 5, 27), now, QUIET),  # Wednesday after Whit Monday
    lambda now: documents_reminder(date(2026, 6, 21), now, QUIET),  # Sunday
    lambda now: courtesy_visit_reminders(date(2026, 8, 31), now, QUIET),  # Monday
    lambda now: survey_invitation(date(2026, 8, 31), now, QUIET),  # Monday
]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_a_schedule_only_loses_its_past_reminders_as_time_passes(
    schedule: Callable[[datetime], list[Reminder]],
) -> None:
    """Recomputing later gives the same reminders less those now past, so a scheduler may recompute at will."""
    planned = schedule(LONG_AGO)
    assert planned, "every example has reminders to send"
    assert [reminder.send_at for reminder in planned] == sorted(reminder.send_at for reminder in planned)
    for reminder in planned:
        assert QUIET.allowed(reminder.send_at)
        assert reminder.send_at.tzinfo == PARIS
        for now in (reminder.send_at - timedelta(days=1), reminder.send_at, reminder.send_at + timedelta(seconds=1)):
            assert schedule(now) == [later for later in planned if later.send_at >= now]

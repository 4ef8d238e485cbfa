"""When to send SMS reminders: quiet hours, and each reminder's moment computed from the household's dates.

Pure: no Flask, no database, no clock. Every moment is a timezone-aware `datetime`; `now` is an argument and
the local zone belongs to `QuietHours` (Europe/Paris unless told otherwise). Each function returns the
reminders still to send, as `Reminder(kind, send_at)` tuples sorted by `send_at`, with `send_at` in local time.
The result only shrinks as `now` advances (a reminder is dropped once its moment has passed, never moved), so
a scheduler may recompute it at any time and send whatever has come due.

The rules, in order:

1. A reminder's nominal moment is a local wall time ("the day before at 18:00"); durations counted in hours
   ("2 hours before") are real elapsed time, so they stay right across a daylight-saving change.
2. Quiet hours move it forward to `QuietHours.next_allowed`, except the "soon" reminder of an appointment,
   which moves back (see `appointment_reminders`): moving it forward would send it after the appointment.
3. A reminder is dropped when, once moved, it would come too late to be true: an appointment's "day before"
   reminder that lands on the appointment's day, a deadline reminder that lands after the deadline's last day.
4. A reminder is dropped when its moment is before `now`: a late reminder is not sent "as soon as possible",
   since it would then arrive at a time nobody chose (a reminder due exactly at `now` is kept).
5. A household gets at most one reminder of a series a day; the one whose wording stays true is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from guide.rules import deadlines

PARIS = "Europe/Paris"
SUNDAY = 6  # `date.weekday()`: Monday is 0
SOON_BEFORE = timedelta(hours=2)  # the appointment's last reminder, about 2 hours before it starts
ANSWER_DAYS_BEFORE = (3, 1)  # answer reminders, days before the last day to answer
DOCUMENTS_DAYS_BEFORE = 14  # the documents reminder, days before they are due
COURTESY_VISIT_DAYS_BEFORE = 7  # each courtesy visit reminder, days before the visit
DEFAULT_HOUR = 10  # local hour of the date-based reminders
_SEARCH_DAYS = 400  # a year and more: no configuration allowed by `QuietHours` closes longer than this


class ReminderKind(StrEnum):
    APPOINTMENT_DAY_BEFORE = "appointment_day_before"
    APPOINTMENT_SOON = "appointment_soon"
    ANSWER_3_DAYS = "answer_3_days"
    ANSWER_1_DAY = "answer_1_day"
    DOCUMENTS_DUE = "documents_due"
    COURTESY_VISIT_2_MONTHS = "courtesy_visit_2_months"
    COURTESY_VISIT_4_MONTHS = "courtesy_visit_4_months"
    COURTESY_VISIT_6_MONTHS = "courtesy_visit_6_months"
    SATISFACTION_SURVEY = "satisfaction_survey"


_ANSWER_KINDS = {3: ReminderKind.ANSWER_3_DAYS, 1: ReminderKind.ANSWER_1_DAY}
_COURTESY_KINDS = {
    2: ReminderKind.COURTESY_VISIT_2_MONTHS,
    4: ReminderKind.COURTESY_VISIT_4_MONTHS,
    6: ReminderKind.COURTESY_VISIT_6_MONTHS,
}


class Reminder(NamedTuple):
    """One SMS to send: what it is about, and when (local time, already outside quiet hours)."""

    kind: ReminderKind
    send_at: datetime


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    """The public holidays of metropolitan France for one year (Alsace-Moselle's two extra days excluded)."""
    import holidays  # noqa: PLC0415 (lazy: its country tables cost every process at start; asked once a year)

    return frozenset(holidays.country_holidays("FR", years=year).keys())


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


@dataclass(frozen=True)
class QuietHours:
    """When an SMS may be sent: from `start_hour` to `end_hour` local (end excluded), on open days only.

    Open days are those whose weekday is not in `closed_weekdays` (Sunday by default) and, unless
    `public_holidays` is false, that are not a public holiday of metropolitan France. Defaults: 09:00 to 20:00,
    Monday to Saturday, in Europe/Paris.
    """

    start_hour: int = 9
    end_hour: int = 20
    closed_weekdays: frozenset[int] = frozenset({SUNDAY})
    public_holidays: bool = True
    zone: str = PARIS
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError(f"need 0 <= start_hour < end_hour <= 24, got {self.start_hour} and {self.end_hour}")
        if not set(self.closed_weekdays) < set(range(7)):
            raise ValueError(f"closed_weekdays must be weekdays 0 to 6, not all of them: {self.closed_weekdays}")
        object.__setattr__(self, "closed_weekdays", frozenset(self.closed_weekdays))
        object.__setattr__(self, "_tz", ZoneInfo(self.zone))

    def local(self, moment: datetime) -> datetime:
        """The same instant, on the local clock."""
        _require_aware(moment, "moment")
        return moment.astimezone(self._tz)

    def at(self, day: date, hour: int, minute: int = 0, *, latest: bool = False) -> datetime:
        """The local wall time `hour:minute` on `day`, as a real instant.

        Where a clock change repeats that wall time, the first instant, or the second when `latest`. Where it
        skips it, the wall time is read an hour on (02:30 becomes 03:30), or an hour back when `latest`
        (02:59 becomes 01:59), so that a window's first minute stays its first and its last stays its last.
        """
        wall = datetime.combine(day, time(hour, minute, fold=int(latest)), tzinfo=self._tz)
        return wall.astimezone(UTC).astimezone(self._tz)

    def is_open_day(self, day: date) -> bool:
        """Whether SMS may be sent at all on this local day."""
        if day.weekday() in self.closed_weekdays:
            return False
        return not (self.public_holidays and day in french_public_holidays(day.year))

    def allowed(self, moment: datetime) -> bool:
        """Whether an SMS may be sent at this moment."""
        local = self.local(moment)
        return self.is_open_day(local.date()) and self.start_hour <= local.hour < self.end_hour

    def next_allowed(self, moment: datetime) -> datetime:
        """The moment itself when allowed, else the next opening: `start_hour` on the next open day (local)."""
        local = self.local(moment)
        if self.allowed(local):
            return local
        day = local.date()
        if not (self.is_open_day(day) and local.hour < self.start_hour):
            day += timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            if self.is_open_day(day):
                return self.at(day, self.start_hour)
            day += timedelta(days=1)
        raise AssertionError("unreachable: some weekday is open and holidays are few")  # pragma: no cover

    def previous_allowed(self, moment: datetime) -> datetime:
        """The moment itself when allowed, else the last allowed minute before it (19:59 by default)."""
        local = self.local(moment)
        if self.allowed(local):
            return local
        day = local.date()
        if not (self.is_open_day(day) and local.hour >= self.end_hour):
            day -= timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            if self.is_open_day(day):
                return self.at(day, self.end_hour - 1, 59, latest=True)
            day -= timedelta(days=1)
        raise AssertionError("unreachable: some weekday is open and holidays are few")  # pragma: no cover


def _upcoming(reminders: list[Reminder], now: datetime) -> list[Reminder]:
    """Those not yet past, soonest first (rule 4)."""
    _require_aware(now, "now")
    return sorted((reminder for reminder in reminders if reminder.send_at >= now), key=lambda r: r.send_at)


def _on_or_before(kind: ReminderKind, nominal: datetime, last_day: date, quiet: QuietHours) -> list[Reminder]:
    """The reminder moved forward out of quiet hours, or nothing if that takes it past `last_day` (rule 3)."""
    send_at = quiet.next_allowed(nominal)
    return [Reminder(kind, send_at)] if send_at.date() <= last_day else []


def appointment_reminders(
    starts_at: datetime, now: datetime, quiet: QuietHours, day_before_hour: int = 18
) -> list[Reminder]:
    """The reminders of an appointment: the day before at 18:00, and about 2 hours before it starts.

    - "day before": the previous calendar day at `day_before_hour` local, moved forward out of quiet hours;
      dropped if that brings it onto the appointment's day, since its text says "tomorrow" (a Monday
      morning appointment gets none: Sunday 18:00 would become Monday 09:00).
    - "soon": 2 hours (elapsed) before the start. If that is in quiet hours it moves *back* to the last
      allowed minute before it (19:59 the previous open evening for an 08:30 appointment; Saturday 19:59 for
      a Monday 08:30 one), never forward, which would send it after the appointment has begun. It is dropped
      if that minute is before `now`, and also when it moved back onto an earlier day that already has the
      "day before" reminder: two SMS the same evening say the same thing. There is no cap on how far back it
      moves: the cap would leave a Monday morning appointment, which has no "day before" reminder, with none.
      So its text must name the day and time of the appointment, not say "in 2 hours".
    """
    _require_aware(starts_at, "starts_at")
    appointment_day = quiet.local(starts_at).date()
    day_before = quiet.next_allowed(quiet.at(appointment_day - timedelta(days=1), day_before_hour))
    reminders: list[Reminder] = []
    if day_before.date() < appointment_day:
        reminders.append(Reminder(ReminderKind.APPOINTMENT_DAY_BEFORE, day_before))
    soon = quiet.previous_allowed(starts_at - SOON_BEFORE)
    if not (reminders and soon.date() <= day_before.date()):
        reminders.append(Reminder(ReminderKind.APPOINTMENT_SOON, soon))
    return _upcoming(reminders, now)


def answer_deadline_reminders(
    answer_by: date, now: datetime, quiet: QuietHours, hour: int = DEFAULT_HOUR
) -> list[Reminder]:
    """The reminders before the last day to answer a proposal: 3 days and 1 day before it, at 10:00 local.

    Each moves forward out of quiet hours and is dropped if that takes it past `answer_by`. When the 3-day
    reminder moves onto the same day as the 1-day one (a Sunday then Whit Monday), only the 1-day one is
    kept: "3 days left" would no longer be true.
    """
    reminders: list[Reminder] = []
    for days in ANSWER_DAYS_BEFORE:  # farthest first
        nominal = quiet.at(answer_by - timedelta(days=days), hour)
        reminders += _on_or_before(_ANSWER_KINDS[days], nominal, answer_by, quiet)
    return _upcoming(_one_a_day(reminders), now)


def _one_a_day(series: list[Reminder]) -> list[Reminder]:
    """At most one reminder a local day, the later of the series winning (rule 5); `series` is in order."""
    kept: list[Reminder] = []
    for reminder in reversed(series):
        if not kept or reminder.send_at.date() < kept[-1].send_at.date():
            kept.append(reminder)
    return kept[::-1]


def documents_reminder(due: date, now: datetime, quiet: QuietHours, hour: int = DEFAULT_HOUR) -> list[Reminder]:
    """The reminder that the file's documents are due for a refresh: 14 days before `due`, at 10:00 local.

    `due` is what `deadlines.documents_refresh_due` gives.
    """
    nominal = quiet.at(due - timedelta(days=DOCUMENTS_DAYS_BEFORE), hour)
    return _upcoming(_on_or_before(ReminderKind.DOCUMENTS_DUE, nominal, due, quiet), now)


def courtesy_visit_reminders(
    moved_on: date, now: datetime, quiet: QuietHours, hour: int = DEFAULT_HOUR
) -> list[Reminder]:
    """A reminder 7 days before each courtesy visit (2, 4 and 6 months after the move), at 10:00 local."""
    reminders: list[Reminder] = []
    visits = zip(deadlines.COURTESY_VISIT_MONTHS, deadlines.courtesy_visit_dates(moved_on), strict=True)
    for months, visit_on in visits:
        nominal = quiet.at(visit_on - timedelta(days=COURTESY_VISIT_DAYS_BEFORE), hour)
        reminders += _on_or_before(_COURTESY_KINDS[months], nominal, visit_on, quiet)
    return _upcoming(reminders, now)


def survey_invitation(moved_on: date, now: datetime, quiet: QuietHours, hour: int = DEFAULT_HOUR) -> list[Reminder]:
    """The invitation to the satisfaction survey, on its day (6 months after the move) at 10:00 local.

    It announces something that opens rather than closes, so moved past its day by quiet hours it still stands.
    """
    nominal = quiet.at(deadlines.satisfaction_survey_date(moved_on), hour)
    return _upcoming([Reminder(ReminderKind.SATISFACTION_SURVEY, quiet.next_allowed(nominal))], now)

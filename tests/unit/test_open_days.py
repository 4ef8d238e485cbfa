"""The office's open days (guide/rules/open_days.py): a deadline stays the charter's date; on a closed day the
household is advised to answer by the last open day before it, never later."""

from __future__ import annotations

from datetime import date

import pytest

from guide.rules import deadlines
from guide.rules.open_days import advised_answer_day, last_open_day, office_open


@pytest.mark.parametrize(("day", "open_"), [
    (date(2027, 1, 8), True),     # a Friday
    (date(2027, 1, 9), False),    # Saturday
    (date(2027, 1, 10), False),   # Sunday
    (date(2026, 12, 25), False),  # Christmas, a Friday
    (date(2027, 5, 17), False),   # Whit Monday
    (date(2027, 7, 14), False),   # national day, a Wednesday
    (date(2027, 7, 15), True),
])
def test_open_days(day: date, open_: bool) -> None:
    assert office_open(day) is open_


def test_a_visit_on_31_december_gives_sunday_10_january_and_friday_8_as_advice() -> None:
    deadline = deadlines.decision_deadline(date(2026, 12, 31))
    assert deadline == date(2027, 1, 10) and deadline.weekday() == 6, "the charter's date is kept as it is"
    assert advised_answer_day(deadline, today=date(2027, 1, 2)) == date(2027, 1, 8)


def test_advice_is_never_later_than_the_deadline_and_never_in_the_past() -> None:
    for offset in range(400):
        deadline = date(2026, 1, 1).toordinal() + offset
        day = date.fromordinal(deadline)
        for today in (date.fromordinal(deadline - 10), date.fromordinal(deadline - 1), day):
            advice = advised_answer_day(day, today)
            if office_open(day):
                assert advice is None
            else:
                assert advice is not None and today <= advice <= day
                assert advice == max(today, last_open_day(day)) and (advice == today or office_open(advice))


def test_a_long_closed_run_finds_the_open_day_before() -> None:
    # Easter Monday 2027 (29 March) after a weekend: the Friday before
    assert last_open_day(date(2027, 3, 29)) == date(2027, 3, 26)

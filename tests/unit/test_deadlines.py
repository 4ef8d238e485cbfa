"""The charter's timings, as tables of worked examples (dates name their weekday)."""

from datetime import date

import pytest

from guide.rules.deadlines import (
    DeadlineStatus,
    add_months,
    days_left,
    deadline_status,
    decision_deadline,
    hosted_eligibility_date,
    refund_deadline,
)


@pytest.mark.parametrize(
    ("visit", "answer_by"),
    [
        (date(2026, 11, 20), date(2026, 11, 30)),  # Friday → Monday
        (date(2026, 11, 22), date(2026, 12, 2)),  # Sunday → Wednesday
        (date(2026, 12, 25), date(2027, 1, 4)),  # Friday, Christmas → Monday, across the year
        (date(2028, 2, 25), date(2028, 3, 6)),  # Friday in a leap year → Monday
        (date(2027, 2, 25), date(2027, 3, 7)),  # Thursday, common year → Sunday
    ],
)
def test_decision_deadline_is_ten_days_after_the_visit(visit: date, answer_by: date) -> None:
    assert decision_deadline(visit) == answer_by


@pytest.mark.parametrize(
    ("invoice", "refund_by"),
    [
        (date(2026, 11, 23), date(2026, 12, 1)),  # Monday → Tuesday
        (date(2026, 12, 28), date(2027, 1, 5)),  # Monday → Tuesday, across the year
    ],
)
def test_refund_deadline_is_eight_days_after_the_invoice(invoice: date, refund_by: date) -> None:
    assert refund_deadline(invoice) == refund_by


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 8, date(2026, 9, 15)),
        (date(2026, 6, 30), 8, date(2027, 2, 28)),  # no 30 February: last day
        (date(2027, 6, 30), 8, date(2028, 2, 29)),  # leap year
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
    ],
)
def test_add_months_clamps_to_the_last_day(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_hosted_person_counts_after_eight_months() -> None:
    assert hosted_eligibility_date(date(2026, 3, 31)) == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("deadline", "today", "left", "status"),
    [
        (date(2026, 11, 30), date(2026, 11, 22), 8, DeadlineStatus.OPEN),  # Sunday before
        (date(2026, 11, 30), date(2026, 11, 29), 1, DeadlineStatus.OPEN),
        (date(2026, 11, 30), date(2026, 11, 30), 0, DeadlineStatus.TODAY),  # the last day itself
        (date(2026, 11, 30), date(2026, 12, 1), -1, DeadlineStatus.PASSED),
    ],
)
def test_deadline_status(deadline: date, today: date, left: int, status: DeadlineStatus) -> None:
    assert days_left(deadline, today) == left
    assert deadline_status(deadline, today) is status

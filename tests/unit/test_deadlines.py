"""The charter's timings, as tables of worked examples (dates name their weekday)."""

from datetime import date

import pytest

from guide.rules.deadlines import (
    DeadlineStatus,
    add_months,
    courtesy_visit_dates,
    days_left,
    deadline_status,
    decision_deadline,
    documents_refresh_due,
    first_interviews_deadline,
    hosted_eligibility_date,
    is_due_soon,
    next_contact_due,
    orientation_meeting_deadline,
    partner_validation_deadline,
    population_review_deadline,
    refund_deadline,
    satisfaction_survey_date,
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


@pytest.mark.parametrize(
    ("opened", "interviews_by"),
    [
        (date(2026, 1, 5), date(2026, 4, 5)),  # Monday → Sunday
        (date(2026, 10, 31), date(2027, 1, 31)),  # Saturday → Sunday, across the year
        (date(2026, 11, 30), date(2027, 2, 28)),  # Monday → Sunday: no 30 February, last day
        (date(2027, 11, 30), date(2028, 2, 29)),  # Tuesday → Tuesday, leap day
        (date(2026, 12, 31), date(2027, 3, 31)),  # Thursday → Wednesday
    ],
)
def test_first_interviews_are_due_three_months_after_the_opening(opened: date, interviews_by: date) -> None:
    assert first_interviews_deadline(opened) == interviews_by


@pytest.mark.parametrize(
    ("updated", "refresh_on"),
    [
        (date(2026, 1, 15), date(2026, 7, 15)),  # Thursday → Wednesday
        (date(2026, 3, 31), date(2026, 9, 30)),  # Tuesday → Wednesday: no 31 September
        (date(2026, 8, 31), date(2027, 2, 28)),  # Monday → Sunday, common year
        (date(2027, 8, 31), date(2028, 2, 29)),  # Tuesday → Tuesday, leap day
        (date(2028, 2, 29), date(2028, 8, 29)),  # Tuesday, leap day → Tuesday
        (date(2026, 12, 31), date(2027, 6, 30)),  # Thursday → Wednesday, across the year
    ],
)
def test_documents_are_refreshed_every_six_months(updated: date, refresh_on: date) -> None:
    assert documents_refresh_due(updated) == refresh_on


@pytest.mark.parametrize(
    ("last_interview", "review_by"),
    [
        (date(2026, 4, 3), date(2026, 5, 3)),  # Friday → Sunday
        (date(2026, 12, 15), date(2027, 1, 15)),  # Tuesday → Friday, across the year
        (date(2027, 1, 31), date(2027, 2, 28)),  # Sunday → Sunday, common year
        (date(2028, 1, 31), date(2028, 2, 29)),  # Monday → Tuesday, leap day
    ],
)
def test_population_review_within_one_month_of_the_last_interview(last_interview: date, review_by: date) -> None:
    assert population_review_deadline(last_interview) == review_by


@pytest.mark.parametrize(
    ("review", "orientation_by"),
    [
        (date(2026, 5, 20), date(2026, 7, 20)),  # Wednesday → Monday
        (date(2026, 11, 1), date(2027, 1, 1)),  # Sunday → Friday, New Year's Day
        (date(2026, 12, 31), date(2027, 2, 28)),  # Thursday → Sunday, common year
        (date(2027, 12, 30), date(2028, 2, 29)),  # Thursday → Tuesday, leap day
    ],
)
def test_orientation_meeting_within_two_months_of_the_review(review: date, orientation_by: date) -> None:
    assert orientation_meeting_deadline(review) == orientation_by


@pytest.mark.parametrize(
    ("submitted", "validate_by"),
    [
        (date(2026, 11, 20), date(2026, 11, 25)),  # Friday → Wednesday: calendar days, the weekend counts
        (date(2026, 11, 23), date(2026, 11, 28)),  # Monday → Saturday
        (date(2026, 12, 29), date(2027, 1, 3)),  # Tuesday → Sunday, across the year
        (date(2028, 2, 26), date(2028, 3, 2)),  # Saturday → Thursday, through the leap day
        (date(2027, 2, 26), date(2027, 3, 3)),  # Friday → Wednesday, common year
    ],
)
def test_partners_validate_online_proposals_within_five_days(submitted: date, validate_by: date) -> None:
    assert partner_validation_deadline(submitted) == validate_by


@pytest.mark.parametrize(
    ("last_contact", "contact_by"),
    [
        (date(2026, 8, 20), date(2026, 11, 20)),  # Thursday → Friday
        (date(2026, 3, 31), date(2026, 6, 30)),  # Tuesday → Tuesday: no 31 June
        (date(2026, 5, 31), date(2026, 8, 31)),  # Sunday → Monday
        (date(2026, 11, 30), date(2027, 2, 28)),  # Monday → Sunday, common year
        (date(2027, 11, 30), date(2028, 2, 29)),  # Tuesday → Tuesday, leap day
    ],
)
def test_a_contact_is_due_three_months_after_the_last(last_contact: date, contact_by: date) -> None:
    assert next_contact_due(last_contact) == contact_by


@pytest.mark.parametrize(
    ("moved", "visits"),
    [
        # Tuesday → Sunday, Friday, Monday
        (date(2026, 9, 15), (date(2026, 11, 15), date(2027, 1, 15), date(2027, 3, 15))),
        # Monday → Saturday, Thursday, Sunday: 31 October, 31 December, then the end of February
        (date(2026, 8, 31), (date(2026, 10, 31), date(2026, 12, 31), date(2027, 2, 28))),
        # Thursday → Sunday, Friday, Wednesday: each month's last day
        (date(2026, 12, 31), (date(2027, 2, 28), date(2027, 4, 30), date(2027, 6, 30))),
        # Friday → Tuesday (leap day), Sunday, Friday: each counted from the move, so the leap day does not
        # pull the later visits back to the 29th.
        (date(2027, 12, 31), (date(2028, 2, 29), date(2028, 4, 30), date(2028, 6, 30))),
    ],
)
def test_courtesy_visits_at_two_four_and_six_months(moved: date, visits: tuple[date, date, date]) -> None:
    assert courtesy_visit_dates(moved) == visits


@pytest.mark.parametrize(
    ("moved", "survey_on"),
    [
        (date(2026, 9, 15), date(2027, 3, 15)),  # Tuesday → Monday
        (date(2026, 8, 31), date(2027, 2, 28)),  # Monday → Sunday, common year
        (date(2027, 8, 31), date(2028, 2, 29)),  # Tuesday → Tuesday, leap day
    ],
)
def test_satisfaction_survey_six_months_after_the_move(moved: date, survey_on: date) -> None:
    assert satisfaction_survey_date(moved) == survey_on
    assert satisfaction_survey_date(moved) == courtesy_visit_dates(moved)[2]  # same day as the last visit


@pytest.mark.parametrize(
    ("today", "due_soon"),
    [
        (date(2026, 11, 26), False),  # Thursday: 4 days left, before the window
        (date(2026, 11, 27), True),  # Friday: 3 days left, the window opens
        (date(2026, 11, 29), True),  # Sunday: 1 day left
        (date(2026, 11, 30), True),  # Monday: the last day itself
        (date(2026, 12, 1), False),  # Tuesday: passed, no longer "soon"
    ],
)
def test_due_soon_window_is_three_days(today: date, due_soon: bool) -> None:
    assert is_due_soon(date(2026, 11, 30), today) is due_soon  # deadline on a Monday

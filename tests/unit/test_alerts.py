"""The officer's caseload alerts, as tables of worked examples under fixed dates (dates name their weekday)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from guide.rules.alerts import (
    Alert,
    AlertCode,
    HouseholdFacts,
    Proposal,
    Severity,
    household_alerts,
    officer_alerts,
)

TODAY = date(2026, 11, 20)  # a Friday


def make_facts(**overrides: Any) -> HouseholdFacts:
    """A household in good standing on TODAY: met recently, file fresh, nothing to answer, not moved."""
    defaults: dict[str, Any] = {
        "opened_on": date(2026, 1, 5),  # Monday
        "last_contact_on": date(2026, 10, 1),  # Thursday
        "documents_updated_on": date(2026, 9, 1),  # Tuesday
    }
    return HouseholdFacts(**(defaults | overrides))


def codes(alerts: list[Alert]) -> list[str]:
    return [alert.code.value for alert in alerts]


def test_a_household_in_good_standing_raises_nothing() -> None:
    assert household_alerts(make_facts(), TODAY) == []


# --- contact: first interview within 3 months (§4 step 3), then a contact every 3 months at most (§3.6) ---

@pytest.mark.parametrize(
    ("last_contact", "today", "due_on"),
    [
        (date(2026, 9, 20), date(2026, 11, 20), None),  # Sunday → Friday: 2 months, the charter's lower end
        (date(2026, 8, 20), date(2026, 11, 19), None),  # Thursday → Thursday: a day short of 3 months
        (date(2026, 8, 20), date(2026, 11, 20), date(2026, 11, 20)),  # Thursday → Friday: exactly 3 months
        (date(2026, 8, 20), date(2026, 12, 1), date(2026, 11, 20)),  # Thursday → Tuesday: long overdue
        (date(2026, 11, 30), date(2027, 2, 27), None),  # Monday → Saturday: before the clamped day
        (date(2026, 11, 30), date(2027, 2, 28), date(2027, 2, 28)),  # Monday → Sunday: 3 months, clamped
        (date(2027, 11, 30), date(2028, 2, 28), None),  # Tuesday → Monday: leap year, one day early
        (date(2027, 11, 30), date(2028, 2, 29), date(2028, 2, 29)),  # Tuesday → Tuesday: leap day
    ],
)
def test_no_contact_from_three_months(last_contact: date, today: date, due_on: date | None) -> None:
    facts = make_facts(last_contact_on=last_contact, documents_updated_on=today)
    expected = [] if due_on is None else [Alert(AlertCode.NO_CONTACT, Severity.WARNING, due_on)]
    assert household_alerts(facts, today) == expected


@pytest.mark.parametrize(
    ("opened", "today", "due_on"),
    [
        (date(2026, 8, 20), date(2026, 11, 19), None),  # Thursday → Thursday: still within 3 months
        (date(2026, 8, 20), date(2026, 11, 20), date(2026, 11, 20)),  # Thursday → Friday: exactly 3 months
        (date(2026, 8, 31), date(2026, 11, 29), None),  # Monday → Sunday
        (date(2026, 8, 31), date(2026, 11, 30), date(2026, 11, 30)),  # Monday → Monday: no 31 November
        (date(2027, 11, 30), date(2028, 2, 29), date(2028, 2, 29)),  # Tuesday → Tuesday: leap day
    ],
)
def test_first_interview_due_three_months_after_the_opening(opened: date, today: date, due_on: date | None) -> None:
    facts = make_facts(opened_on=opened, last_contact_on=None, documents_updated_on=None)
    expected = [] if due_on is None else [Alert(AlertCode.FIRST_INTERVIEW_DUE, Severity.WARNING, due_on)]
    assert household_alerts(facts, today) == expected


def test_no_opening_date_no_first_interview_alert() -> None:
    facts = make_facts(opened_on=None, last_contact_on=None, documents_updated_on=None)
    assert household_alerts(facts, TODAY) == []


# --- the file: documents refreshed at least every 6 months (§4 step 4) ---

@pytest.mark.parametrize(
    ("updated", "today", "due_on"),
    [
        (date(2026, 5, 20), date(2026, 11, 19), None),  # Wednesday → Thursday: a day short of 6 months
        (date(2026, 5, 20), date(2026, 11, 20), date(2026, 11, 20)),  # Wednesday → Friday: exactly 6 months
        (date(2026, 3, 31), date(2026, 9, 29), None),  # Tuesday → Tuesday
        (date(2026, 3, 31), date(2026, 9, 30), date(2026, 9, 30)),  # Tuesday → Wednesday: no 31 September
        (date(2026, 8, 31), date(2027, 2, 28), date(2027, 2, 28)),  # Monday → Sunday: common year
        (date(2027, 8, 31), date(2028, 2, 28), None),  # Tuesday → Monday: leap year, one day early
        (date(2027, 8, 31), date(2028, 2, 29), date(2028, 2, 29)),  # Tuesday → Tuesday: leap day
    ],
)
def test_documents_stale_from_six_months(updated: date, today: date, due_on: date | None) -> None:
    facts = make_facts(last_contact_on=today, documents_updated_on=updated)
    expected = [] if due_on is None else [Alert(AlertCode.DOCUMENTS_STALE, Severity.WARNING, due_on)]
    assert household_alerts(facts, today) == expected


def test_no_documents_yet_raises_no_documents_alert() -> None:
    assert household_alerts(make_facts(documents_updated_on=None), TODAY) == []


# --- answers: 10 days after the visit (§4 step 11), "due soon" in the last 3 days ---

@pytest.mark.parametrize(
    ("rank", "visited", "today", "code", "severity"),
    [
        (1, date(2026, 11, 20), TODAY, None, None),  # Friday, visited today: 10 days left
        (1, date(2026, 11, 14), TODAY, None, None),  # Saturday → Tuesday 24: 4 days left, before the window
        (1, date(2026, 11, 13), TODAY, "answer_due_soon", Severity.WARNING),  # Friday → Monday 23: 3 days
        (2, date(2026, 11, 12), TODAY, "answer_due_soon", Severity.WARNING),  # Thursday → Sunday 22: 2 days
        (2, date(2026, 11, 10), TODAY, "answer_due_soon", Severity.WARNING),  # Tuesday → Friday 20: last day
        (1, date(2026, 11, 9), TODAY, "answer_overdue", Severity.URGENT),  # Monday → Thursday 19: passed
        (3, date(2026, 11, 14), TODAY, None, None),  # Saturday: binding third proposal, 4 days left
        (3, date(2026, 11, 13), TODAY, "answer_due_soon", Severity.URGENT),  # Friday: binding, 3 days
        (3, date(2026, 11, 9), TODAY, "answer_overdue", Severity.URGENT),  # Monday: binding, passed
        (1, date(2026, 11, 25), TODAY, None, None),  # Wednesday: a visit still to come
        # Across the leap day: visit Sunday 20 February 2028 → answer by Wednesday 1 March (10 days, 29 Feb counted)
        (1, date(2028, 2, 20), date(2028, 3, 1), "answer_due_soon", Severity.WARNING),  # today Wednesday: last day
        (1, date(2028, 2, 19), date(2028, 3, 1), "answer_overdue", Severity.URGENT),  # Saturday → Tuesday 29: passed
        # Across the year: visit Tuesday 29 December 2026 → answer by Friday 8 January 2027
        (2, date(2026, 12, 29), date(2027, 1, 5), "answer_due_soon", Severity.WARNING),  # today Tuesday: 3 days
        (2, date(2026, 12, 29), date(2027, 1, 4), None, None),  # today Monday: 4 days left
    ],
)
def test_answer_alerts(rank: int, visited: date, today: date, code: str | None, severity: Severity | None) -> None:
    facts = make_facts(proposals=(Proposal(rank, visited),), last_contact_on=today, documents_updated_on=today)
    alerts = household_alerts(facts, today)
    if code is None:
        assert alerts == []
    else:
        [alert] = alerts
        assert (alert.code, alert.severity, alert.rank) == (code, severity, rank)
        assert alert.due_on is not None and (alert.due_on - visited).days == 10


@pytest.mark.parametrize(
    "proposal",
    [
        Proposal(1, date(2026, 11, 9), answered=True),  # Monday: overdue, but answered
        Proposal(2, None),  # not visited yet: the 10 days have not started
        Proposal(3, None, answered=False),
    ],
)
def test_answered_or_unvisited_proposals_raise_nothing(proposal: Proposal) -> None:
    assert household_alerts(make_facts(proposals=(proposal,)), TODAY) == []


def test_plain_tuples_are_accepted_as_proposals() -> None:
    facts = make_facts(proposals=((2, date(2026, 11, 10), False),))  # Tuesday: answer by today
    assert facts.proposals == (Proposal(2, date(2026, 11, 10), False),)
    assert codes(household_alerts(facts, TODAY)) == ["answer_due_soon"]


# --- after the move: courtesy visits at 2, 4 and 6 months (§4 step 13) ---

MOVED = date(2026, 9, 20)  # Sunday: visits due Friday 20 November, Wednesday 20 January, Saturday 20 March


@pytest.mark.parametrize(
    ("moved", "done", "today", "visit_number", "due_on"),
    [
        (MOVED, 0, date(2026, 11, 19), None, None),  # Thursday: the day before the first visit
        (MOVED, 0, date(2026, 11, 20), 1, date(2026, 11, 20)),  # Friday: exactly 2 months
        (MOVED, 0, date(2027, 2, 1), 1, date(2026, 11, 20)),  # Monday: the first visit is still owed
        (MOVED, 1, date(2026, 12, 1), None, None),  # Tuesday: first visit made, second not due
        (MOVED, 1, date(2027, 1, 19), None, None),  # Tuesday: a day before 4 months
        (MOVED, 1, date(2027, 1, 20), 2, date(2027, 1, 20)),  # Wednesday: exactly 4 months
        (MOVED, 2, date(2027, 3, 19), None, None),  # Friday: a day before 6 months
        (MOVED, 2, date(2027, 3, 20), 3, date(2027, 3, 20)),  # Saturday: exactly 6 months
        (MOVED, 3, date(2027, 6, 1), None, None),  # Tuesday: all three visits made
        (date(2027, 12, 31), 0, date(2028, 2, 28), None, None),  # Friday → Monday: leap year, a day early
        (date(2027, 12, 31), 0, date(2028, 2, 29), 1, date(2028, 2, 29)),  # Friday → Tuesday: leap day
        (date(2027, 12, 31), 1, date(2028, 4, 30), 2, date(2028, 4, 30)),  # Friday → Sunday: not the 29th
    ],
)
def test_courtesy_visit_due(moved: date, done: int, today: date, visit_number: int | None, due_on: date | None) -> None:
    facts = make_facts(moved_on=moved, courtesy_visits_done=done)
    expected = [] if visit_number is None else [
        Alert(AlertCode.COURTESY_VISIT_DUE, Severity.INFO, due_on, visit_number=visit_number)
    ]
    assert household_alerts(facts, today) == expected


def test_after_the_move_only_courtesy_visits_are_followed() -> None:
    stale = make_facts(last_contact_on=date(2026, 1, 5), documents_updated_on=date(2026, 1, 5))  # Mondays
    assert codes(household_alerts(stale, TODAY)) == ["no_contact", "documents_stale"]
    moved = replace(stale, moved_on=MOVED)
    assert codes(household_alerts(moved, TODAY)) == ["courtesy_visit_due"]


def test_a_move_date_still_to_come_is_not_a_move() -> None:
    facts = make_facts(last_contact_on=date(2026, 8, 20), moved_on=date(2026, 11, 23))  # Thursday; Monday
    assert codes(household_alerts(facts, TODAY)) == ["no_contact"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"proposals": (Proposal(0, None),)},
        {"proposals": (Proposal(4, None),)},  # three proposals at most (§3.4 C, art. L353-15 CCH)
        {"courtesy_visits_done": -1},
        {"courtesy_visits_done": 4},
    ],
)
def test_impossible_facts_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_facts(**overrides)


# --- the officer: 60 households at most (§3.6) ---

@pytest.mark.parametrize(
    ("caseload", "expected"),
    [
        (0, []),
        (59, []),
        (60, []),  # the charter's maximum is allowed
        (61, [Alert(AlertCode.CASELOAD_OVER_LIMIT, Severity.WARNING, households=61)]),
        (95, [Alert(AlertCode.CASELOAD_OVER_LIMIT, Severity.WARNING, households=95)]),
    ],
)
def test_officer_alert_above_sixty_households(caseload: int, expected: list[Alert]) -> None:
    assert officer_alerts(caseload) == expected


def test_a_negative_caseload_is_refused() -> None:
    with pytest.raises(ValueError):
        officer_alerts(-1)


# --- urgency ---

def test_alerts_sort_by_severity_then_date_then_code() -> None:
    expected = [
        Alert(AlertCode.ANSWER_OVERDUE, Severity.URGENT, date(2026, 11, 19), rank=1),  # Thursday
        Alert(AlertCode.ANSWER_DUE_SOON, Severity.URGENT, date(2026, 11, 22), rank=3),  # Sunday
        Alert(AlertCode.DOCUMENTS_STALE, Severity.WARNING, date(2026, 7, 5)),  # Sunday: oldest first
        Alert(AlertCode.NO_CONTACT, Severity.WARNING, date(2026, 7, 5)),  # Sunday: same day, by code
        Alert(AlertCode.ANSWER_DUE_SOON, Severity.WARNING, date(2026, 11, 20), rank=1),  # Friday
        Alert(AlertCode.ANSWER_DUE_SOON, Severity.WARNING, date(2026, 11, 20), rank=2),  # Friday: by rank
        Alert(AlertCode.CASELOAD_OVER_LIMIT, Severity.WARNING, households=61),  # no date: after dated ones
        Alert(AlertCode.COURTESY_VISIT_DUE, Severity.INFO, date(2026, 9, 20), visit_number=1),  # Sunday
    ]
    shuffled = expected[:]
    random.Random(2026).shuffle(shuffled)
    assert sorted(shuffled) == expected
    assert sorted(reversed(expected)) == expected


def test_household_alerts_come_most_urgent_first() -> None:
    facts = make_facts(
        last_contact_on=date(2026, 8, 1),  # Saturday: contact due Sunday 1 November
        documents_updated_on=date(2026, 4, 1),  # Wednesday: refresh due Thursday 1 October
        proposals=(
            Proposal(1, date(2026, 10, 20), answered=True),  # Tuesday: answered (a refusal)
            Proposal(2, date(2026, 11, 12)),  # Thursday: answer by Sunday 22, due soon
            Proposal(3, date(2026, 11, 8)),  # Sunday: answer by Wednesday 18, overdue
        ),
    )
    assert [(alert.code.value, alert.due_on) for alert in household_alerts(facts, TODAY)] == [
        ("answer_overdue", date(2026, 11, 18)),
        ("documents_stale", date(2026, 10, 1)),
        ("no_contact", date(2026, 11, 1)),
        ("answer_due_soon", date(2026, 11, 22)),
    ]


def test_alert_codes_are_stable() -> None:
    """Templates and translations key on these values; renaming one is a breaking change."""
    assert {code.value for code in AlertCode} == {
        "first_interview_due", "no_contact", "documents_stale", "answer_due_soon", "answer_overdue",
        "courtesy_visit_due", "caseload_over_limit",
    }
    assert [severity.value for severity in sorted(Severity, key=lambda s: s.rank)] == ["urgent", "warning", "info"]

"""The charter's timings (MEL relocation charter, §3.2 and §4), as pure functions of dates.

Today's date is always passed in, never read here, so every rule can be tested under a frozen clock.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

DECISION_DAYS = 10  # §4 step 11: the household answers within 10 days after the visit
REFUND_DAYS = 8  # §3.2: refunds by cheque within 8 days of showing the invoice
HOSTED_MONTHS = 8  # §2.2 A: a person hosted for at least 8 months may be relocated with the household


class DeadlineStatus(StrEnum):
    OPEN = "open"
    TODAY = "today"
    PASSED = "passed"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug + 6 → 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def decision_deadline(visit_date: date) -> date:
    """Last day to accept or refuse a proposal: the visit date plus 10 days."""
    return visit_date + timedelta(days=DECISION_DAYS)


def refund_deadline(invoice_date: date) -> date:
    """Date by which a refund cheque is due: the day the invoice is shown plus 8 days."""
    return invoice_date + timedelta(days=REFUND_DAYS)


def hosted_eligibility_date(hosted_since: date) -> date:
    """First day a hosted person has lived with the household for 8 months."""
    return add_months(hosted_since, HOSTED_MONTHS)


def days_left(deadline: date, today: date) -> int:
    """Whole days from today to the deadline (negative once it has passed)."""
    return (deadline - today).days


def deadline_status(deadline: date, today: date) -> DeadlineStatus:
    remaining = days_left(deadline, today)
    if remaining > 0:
        return DeadlineStatus.OPEN
    if remaining == 0:
        return DeadlineStatus.TODAY
    return DeadlineStatus.PASSED

"""Mediation cases (§3.4 D): the statuses a case goes through and when it is overdue. Pure; today is an argument."""

from __future__ import annotations

from datetime import date, timedelta

STATUSES = ("received", "acknowledged", "meeting_planned", "concluded", "closed")
ALLOWED = {
    "received": {"acknowledged", "meeting_planned"},
    "acknowledged": {"meeting_planned"},
    "meeting_planned": {"concluded", "meeting_planned"},  # a meeting can be moved
    "concluded": {"closed"},
    "closed": set(),
}
ACKNOWLEDGE_DAYS = 8  # our service level: a written request is acknowledged within 8 days
MEETING_DAYS = 30  # and a meeting is planned within a month of receipt
SECOND_REFUSAL = 2  # "à partir du 2ème refus", partners call for a mediation


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())


def overdue(status: str, received_on: date, today: date) -> bool:
    """Not acknowledged within 8 days, or no meeting planned within 30 days of receipt."""
    if status == "received":
        return today > received_on + timedelta(days=ACKNOWLEDGE_DAYS)
    if status == "acknowledged":
        return today > received_on + timedelta(days=MEETING_DAYS)
    return False


def opens_mediation(refusals: int) -> bool:
    """After a second refusal, a mediation defines the third, binding proposal."""
    return refusals >= SECOND_REFUSAL

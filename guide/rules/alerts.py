"""The alerts a relocation officer sees on a caseload, computed from plain facts and today's date.

Pure: no Flask, no database. A caller turns its rows into `HouseholdFacts`, asks for the alerts, and shows
them most urgent first (`sorted(alerts)` does it). When an alert fires:

- an answer is "due soon" from 3 days before its last day, that day included, and "overdue" the day after;
- the officer's own duties (first interview, contact, file, courtesy visit) alert from the day they are due,
  since the charter gives them as a rhythm ("every 6 months at least"), not as a notice period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from guide.rules import deadlines

MAX_PROPOSALS = 3  # §3.4 C: « le ménage se verra proposer trois propositions de relogement » (art. L353-15 CCH)
MAX_CASELOAD = 60  # §3.6: « un maximum de 60 ménages suivis par chargés de relogement »


class AlertCode(StrEnum):
    FIRST_INTERVIEW_DUE = "first_interview_due"
    NO_CONTACT = "no_contact"
    DOCUMENTS_STALE = "documents_stale"
    ANSWER_DUE_SOON = "answer_due_soon"
    ANSWER_OVERDUE = "answer_overdue"
    COURTESY_VISIT_DUE = "courtesy_visit_due"
    CASELOAD_OVER_LIMIT = "caseload_over_limit"


class Severity(StrEnum):
    """Declared most urgent first."""

    URGENT = "urgent"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most urgent, so that ascending order puts it first."""
        return list(Severity).index(self)


class Proposal(NamedTuple):
    """An open flat proposal: its rank (1 to 3), the visit date once visited, and whether it was answered.

    Named like the `proposal` table's columns: `answered` is `answer_on is not None`.
    """

    rank: int
    visit_on: date | None = None
    answered: bool = False


@dataclass(frozen=True)
class HouseholdFacts:
    """What the alerts need to know about one household, and nothing more.

    Named like the `household` columns. `opened_on` is its operation's opening to relocation (None if not
    known: then no first-interview alert); `last_contact_on` is None until the officer has met the household;
    `moved_on` is None until the move; `courtesy_visits_done` counts the courtesy visits made (0 to 3).
    """

    opened_on: date | None = None
    last_contact_on: date | None = None
    documents_updated_on: date | None = None
    proposals: tuple[Proposal, ...] = ()
    moved_on: date | None = None
    courtesy_visits_done: int = 0

    def __post_init__(self) -> None:
        # Plain (rank, visit_on, answered) tuples are accepted and stored as `Proposal`s.
        object.__setattr__(self, "proposals", tuple(Proposal(*proposal) for proposal in self.proposals))
        for proposal in self.proposals:
            if not 1 <= proposal.rank <= MAX_PROPOSALS:
                raise ValueError(f"a proposal's rank is 1 to {MAX_PROPOSALS}, not {proposal.rank}")
        if not 0 <= self.courtesy_visits_done <= len(deadlines.COURTESY_VISIT_MONTHS):
            raise ValueError(f"courtesy visits done is 0 to 3, not {self.courtesy_visits_done}")


@dataclass(frozen=True)
class Alert:
    """One thing for the officer to act on; `due_on` is the deadline or due date it is about.

    `rank` names the proposal for answer alerts, `visit_number` the courtesy visit (1 to 3), and
    `households` the caseload size for the caseload alert. Alerts sort most urgent first: by severity,
    then earliest date (an alert without a date last), then code.
    """

    code: AlertCode
    severity: Severity
    due_on: date | None = None
    rank: int | None = None
    visit_number: int | None = None
    households: int | None = None

    @property
    def urgency(self) -> tuple[int, date, str, int]:
        """The sort key: severity, date, code, then proposal rank or visit number."""
        return self.severity.rank, self.due_on or date.max, self.code.value, self.rank or self.visit_number or 0

    def __lt__(self, other: Alert) -> bool:
        return self.urgency < other.urgency


def household_alerts(facts: HouseholdFacts, today: date) -> list[Alert]:
    """The alerts one household raises today, most urgent first."""
    alerts = [*_answer_alerts(facts.proposals, today)]
    if facts.moved_on is not None and facts.moved_on <= today:
        alerts += _courtesy_visit_alerts(facts.moved_on, facts.courtesy_visits_done, today)
    else:
        # Contact and the file serve the search for a flat; after the move, the courtesy visits take over.
        alerts += _contact_alerts(facts, today)
        if facts.documents_updated_on is not None:
            alerts += _documents_alerts(facts.documents_updated_on, today)
    return sorted(alerts)


def officer_alerts(caseload_size: int) -> list[Alert]:
    """An alert when an officer follows more households than the charter's 60.

    §3.6: « un maximum de 60 ménages suivis par chargés de relogement est adapté aux objectifs quantitatifs
    et qualitatifs de la démarche ». 60 is within the limit; 61 is over it.
    """
    if caseload_size < 0:
        raise ValueError(f"a caseload cannot be negative: {caseload_size}")
    if caseload_size <= MAX_CASELOAD:
        return []
    return [Alert(AlertCode.CASELOAD_OVER_LIMIT, Severity.WARNING, households=caseload_size)]


def _answer_alerts(proposals: tuple[Proposal, ...], today: date) -> list[Alert]:
    """Visited, unanswered proposals whose 10-day answer deadline (§4 step 11) is near or past.

    The third proposal is binding (§3.4 C: « la troisième proposition est opposable au locataire »), so its
    answer is urgent even before the deadline.
    """
    alerts = []
    for proposal in proposals:
        if proposal.answered or proposal.visit_on is None:
            continue
        answer_by = deadlines.decision_deadline(proposal.visit_on)
        if deadlines.deadline_status(answer_by, today) is deadlines.DeadlineStatus.PASSED:
            alerts.append(Alert(AlertCode.ANSWER_OVERDUE, Severity.URGENT, answer_by, rank=proposal.rank))
        elif deadlines.is_due_soon(answer_by, today):
            severity = Severity.URGENT if proposal.rank == MAX_PROPOSALS else Severity.WARNING
            alerts.append(Alert(AlertCode.ANSWER_DUE_SOON, severity, answer_by, rank=proposal.rank))
    return alerts


def _contact_alerts(facts: HouseholdFacts, today: date) -> list[Alert]:
    """No first interview 3 months after the opening (§4 step 3), or no contact for 3 months (§3.6)."""
    if facts.last_contact_on is None:
        if facts.opened_on is None:
            return []
        due_on = deadlines.first_interviews_deadline(facts.opened_on)
        code = AlertCode.FIRST_INTERVIEW_DUE
    else:
        due_on = deadlines.next_contact_due(facts.last_contact_on)
        code = AlertCode.NO_CONTACT
    return [Alert(code, Severity.WARNING, due_on)] if due_on <= today else []


def _documents_alerts(updated_on: date, today: date) -> list[Alert]:
    """File documents 6 months old or more (§4 step 4: « tous les 6 mois au minimum »)."""
    due_on = deadlines.documents_refresh_due(updated_on)
    return [Alert(AlertCode.DOCUMENTS_STALE, Severity.WARNING, due_on)] if due_on <= today else []


def _courtesy_visit_alerts(moved_on: date, visits_done: int, today: date) -> list[Alert]:
    """The next courtesy visit not yet made, once its date (2, 4 or 6 months after the move) is reached."""
    visit_dates = deadlines.courtesy_visit_dates(moved_on)
    if visits_done >= len(visit_dates) or visit_dates[visits_done] > today:
        return []
    return [Alert(AlertCode.COURTESY_VISIT_DUE, Severity.INFO, visit_dates[visits_done], visit_number=visits_done + 1)]

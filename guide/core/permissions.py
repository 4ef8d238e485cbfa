"""Who may do what: one table of staff roles × rights, and the one rule saying which households are a person's.

Every decision about staff access reads this module: the routes (`guide.core.auth.staff_may`, and `can` on a household),
the lists (`visible_households`, `household_condition`: the same rule as SQL, so a list and a file agree by
construction), the templates (`can`, a Jinja global that runs no query) and the authorisation-matrix test.

Adding a staff role: a value in `guide.models.Role`, its label (guide/core/labels.py ROLES), a row in RIGHTS
and, when it reaches households of its own, a line in SCOPES. Nothing else decides by role.

Kept free of views and feature modules (it will move to guide/core/): it imports guide.models, guide.core.extensions
and sqlalchemy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import InstrumentedAttribute

from guide.core.extensions import db
from guide.models import Household, MediationCase, Role, StaffUser

# --- the rights ----------------------------------------------------------------------------------------------

SEE_HOUSEHOLD = "see_household"  # open a household's file (and its after-move page, its SMS thread)
EDIT_HOUSEHOLD = "edit_household"  # record in a household's file (proposals, appointments, notes, phones, SMS...)
SEE_LATE_REFUNDS = "see_late_refunds"  # the late refund cheques of one's households (the navigation link)
HANDLE_SMS = "handle_sms"  # the SMS inbox: mark a household's inbound message handled
WORK_ON_PLAN = "work_on_plan"  # the Citéo action plan, with the household
READ_PROJECT = "read_project"  # the finished relocation project (officers: once the household has agreed)
EXPORT_HOUSEHOLD_DATA = "export_household_data"  # a household's data (right of access), HTML and JSON
ERASE_HOUSEHOLD = "erase_household"  # erase a household (right to erasure)
SEE_MEDIATION = "see_mediation"  # mediation cases and the written requests of households in mediation
IMPORT_HOUSEHOLDS = "import_households"  # the CSV import (for the households one is officer of)
SEE_SMS_USAGE = "see_sms_usage"  # SMS sent per month
SEE_SURVEY = "see_survey"  # the satisfaction survey's results (anonymous)
SEE_ACCESS_LOG = "see_access_log"  # the access log
MANAGE_ACCOUNTS = "manage_accounts"  # staff accounts and their sessions
CASELOAD_SIZE_ALERTS = "caseload_size_alerts"  # the charter's alert on an officer's number of households

ACTIONS = frozenset({SEE_HOUSEHOLD, EDIT_HOUSEHOLD, SEE_LATE_REFUNDS, HANDLE_SMS, WORK_ON_PLAN, READ_PROJECT,
                     EXPORT_HOUSEHOLD_DATA, ERASE_HOUSEHOLD, SEE_MEDIATION, IMPORT_HOUSEHOLDS, SEE_SMS_USAGE,
                     SEE_SURVEY, SEE_ACCESS_LOG, MANAGE_ACCOUNTS, CASELOAD_SIZE_ALERTS})


class Reach(StrEnum):
    """How far a right goes: every household (or a right about no household), or the person's own (SCOPES)."""

    ALL = "all"
    OWN = "own"


ALL, OWN = Reach.ALL, Reach.OWN

RIGHTS: dict[Role, dict[str, Reach]] = {
    Role.OFFICER: {  # chargé de relogement: the files of the households they are officer of
        SEE_HOUSEHOLD: OWN, EDIT_HOUSEHOLD: OWN, SEE_LATE_REFUNDS: OWN, HANDLE_SMS: OWN, READ_PROJECT: OWN,
        EXPORT_HOUSEHOLD_DATA: OWN, SEE_MEDIATION: OWN, IMPORT_HOUSEHOLDS: OWN, CASELOAD_SIZE_ALERTS: ALL,
    },
    Role.MEDIATOR: {  # médiateur-facilitateur: the households they follow, and their action plan
        SEE_HOUSEHOLD: OWN, EDIT_HOUSEHOLD: OWN, SEE_LATE_REFUNDS: OWN, HANDLE_SMS: OWN, WORK_ON_PLAN: OWN,
        READ_PROJECT: OWN, SEE_MEDIATION: OWN,
    },
    Role.MEDIATION_GROUP: {  # the project pilot: households through their mediation requests only; no file
        SEE_MEDIATION: OWN, SEE_SMS_USAGE: ALL, SEE_SURVEY: ALL,
    },
    Role.ADMIN: {  # everything, every household (no caseload of their own)
        SEE_HOUSEHOLD: ALL, EDIT_HOUSEHOLD: ALL, SEE_LATE_REFUNDS: ALL, HANDLE_SMS: ALL, WORK_ON_PLAN: ALL,
        READ_PROJECT: ALL, EXPORT_HOUSEHOLD_DATA: ALL, ERASE_HOUSEHOLD: ALL, SEE_MEDIATION: ALL,
        IMPORT_HOUSEHOLDS: ALL, SEE_SMS_USAGE: ALL, SEE_SURVEY: ALL, SEE_ACCESS_LOG: ALL, MANAGE_ACCOUNTS: ALL,
    },
}


# --- the scope: which households are a person's own ------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """One rule, read two ways: as SQL for lists (`condition`), and on one household for a check (`holds`)."""

    column: str | None = None  # households whose column holds the person's id (officer_id, mediator_id)
    in_mediation: bool = False  # households with a mediation case (they reach the group through a request)

    @property
    def needs_query(self) -> bool:
        return self.in_mediation

    def condition(self, staff: StaffUser) -> ColumnElement[bool]:
        if self.column is not None:
            column: InstrumentedAttribute[int | None] = getattr(Household, self.column)
            return column == staff.id
        if self.in_mediation:
            return Household.id.in_(select(MediationCase.household_id))
        return false()

    def holds(self, staff: StaffUser, household: Household) -> bool:
        if self.column is not None:
            person_id: int | None = getattr(household, self.column)
            return person_id == staff.id
        if self.in_mediation:  # the very condition of the lists, asked about this one household
            return db.session.scalar(select(Household.id).where(Household.id == household.id,
                                                                self.condition(staff))) is not None
        return False


SCOPES: dict[Role, Scope] = {
    Role.OFFICER: Scope(column="officer_id"),
    Role.MEDIATOR: Scope(column="mediator_id"),
    Role.MEDIATION_GROUP: Scope(in_mediation=True),
}  # a role without a scope has no households of its own (its ALL rights still reach every household)

NOWHERE = Scope()


# --- the questions -----------------------------------------------------------------------------------------------

def _role(staff: StaffUser) -> Role | None:
    try:
        return Role(staff.role)
    except ValueError:  # an account with a role this code does not know: no rights
        return None


def reach(staff: StaffUser | None, action: str) -> Reach | None:
    """How far this person's right goes (None: not at all)."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r} (guide/core/permissions.py ACTIONS)")
    role = _role(staff) if staff is not None else None
    return RIGHTS.get(role, {}).get(action) if role is not None else None


def scope(staff: StaffUser) -> Scope:
    role = _role(staff)
    return SCOPES.get(role, NOWHERE) if role is not None else NOWHERE


def can(staff: StaffUser | None, action: str, household: Household | None = None, *,
        queries: bool = True) -> bool:
    """May this person do `action`: on this household when given, else at all (a page, a link, a list).

    Without a household, a right reaching only one's own households counts (the list then shows just those).
    With `queries=False` (templates), a rule that needs the database raises instead of querying."""
    how_far = reach(staff, action)
    if how_far is None or staff is None:
        return False
    if household is None or how_far is ALL:
        return True
    own = scope(staff)
    if own.needs_query and not queries:
        raise ValueError(f"can({action!r}, household) needs a query for role {staff.role!r}: pass the answer "
                         "from the route")
    return own.holds(staff, household)


def template_can(staff: StaffUser | None, action: str, household: Household | None = None) -> bool:
    """`can` for templates (a Jinja global): the staff member and household they already have, no query."""
    return can(staff, action, household, queries=False)


def household_condition(staff: StaffUser, action: str = SEE_HOUSEHOLD) -> ColumnElement[bool]:
    """The households this person may `action`, as a condition on Household (to join or filter by)."""
    how_far = reach(staff, action)
    if how_far is ALL:
        return true()
    if how_far is OWN:
        return scope(staff).condition(staff)
    return false()


def visible_households(staff: StaffUser, action: str = SEE_HOUSEHOLD) -> Select[Household]:
    """The households this person may `action` (open, by default): the caseload and every list of households."""
    return select(Household).where(household_condition(staff, action))


def roles_with(action: str) -> tuple[Role, ...]:
    """The roles that have this right (for any household)."""
    return tuple(role for role, rights in RIGHTS.items() if action in rights)

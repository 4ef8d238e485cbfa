"""The staff caseload: the households a staff member may see, with the charter's alerts. Read-only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from guide.core.extensions import db
from guide.core.permissions import CASELOAD_SIZE_ALERTS, can, visible_households
from guide.models import Household, Proposal, ProposalStatus, StaffUser
from guide.rules import alerts


@dataclass
class CaseloadRow:
    household: Household
    alerts: list[alerts.Alert]


def caseload(staff: StaffUser, today: date, page: int = 1, per_page: int = 50) -> tuple[list[CaseloadRow], int]:
    """One page of the households this person may open (guide/core/permissions.py), with their alerts, most urgent
    first; and the total count."""
    query = visible_households(staff)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    households = db.session.scalars(query.order_by(Household.reference)
                                    .offset((page - 1) * per_page).limit(per_page)).unique().all()
    proposals: dict[int, list[Proposal]] = defaultdict(list)
    if households:
        for proposal in db.session.scalars(select(Proposal).where(
                Proposal.household_id.in_([h.id for h in households]))):
            proposals[proposal.household_id].append(proposal)
    rows = []
    for household in households:
        facts = alerts.HouseholdFacts(
            opened_on=household.operation.opened_on if household.operation else None,
            last_contact_on=household.last_contact_on,
            documents_updated_on=household.documents_updated_on,
            proposals=tuple(alerts.Proposal(p.rank, p.visit_on, p.status in (ProposalStatus.ACCEPTED,
                                                                                ProposalStatus.REFUSED,
                                                                                ProposalStatus.WITHDRAWN))
                            for p in proposals[household.id]),
            moved_on=household.moved_on,
        )
        rows.append(CaseloadRow(household, alerts.household_alerts(facts, today)))
    rows.sort(key=lambda row: (min((a.urgency for a in row.alerts), default=(9, date.max, "", 0)),
                               row.household.reference))
    return rows, total


def officer_load(staff: StaffUser) -> list[alerts.Alert]:
    if not can(staff, CASELOAD_SIZE_ALERTS):
        return []
    size = db.session.scalar(select(func.count()).select_from(Household).where(Household.officer_id == staff.id))
    return alerts.officer_alerts(size or 0)

"""'Where I stand': what a household sees first — its stage, the next thing to do, proposals, contacts, and a
proposal's affordability. Read-only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Select, select

from guide.core import housing_benefit
from guide.core.extensions import db
from guide.core.timeutil import as_utc
from guide.core.timeutil import today as this_day
from guide.features.simulator.service import BenefitLine, benefit_line, page_wait
from guide.models import Appointment, AppointmentStatus, BudgetFacts, Household, Proposal, ProposalStatus, StaffUser
from guide.rules import deadlines, open_days
from guide.rules.budget import EXPENSE_KINDS, Assessment, Situation, assess_move, total_expenses

DOCUMENTS_WARNING_DAYS = 30


@dataclass
class ProposalItem:
    proposal: Proposal
    answer_by: date | None = None
    days_left: int | None = None
    deadline: str | None = None  # open, today, passed (only while an answer is awaited)
    advised_by: date | None = None  # the office is closed on answer_by: answer by this day (rules/open_days.py)
    advised_today: bool = False  # ... and that day is today


@dataclass
class NextAction:
    code: str  # answer_proposal, confirm_appointment, refresh_documents, follow_stage
    on: date | None = None
    proposal_id: int | None = None
    appointment_id: int | None = None


@dataclass
class Standing:
    stage: str
    proposals: list[ProposalItem] = field(default_factory=list)
    refusals: int = 0
    next_appointment: Appointment | None = None
    next_action: NextAction = field(default_factory=lambda: NextAction("follow_stage"))
    documents_due_on: date | None = None
    contacts: list[StaffUser] = field(default_factory=list)

    @property
    def proposals_left(self) -> int:
        return 3 - len([p for p in self.proposals if p.proposal.status != ProposalStatus.WITHDRAWN])

    @property
    def mediation_step(self) -> bool:
        """Two refusals: a mediation defines the third proposal (§3.4 D)."""
        return self.refusals >= 2


def proposals_query(household: Household) -> Select[Proposal]:
    """The household's proposals (at most three: ranks 1 to 3), unordered."""
    return select(Proposal).where(Proposal.household_id == household.id)


def active_appointments_query(household: Household) -> Select[Appointment]:
    """The household's appointments still to come or to settle, unordered."""
    return select(Appointment).where(Appointment.household_id == household.id,
                                     Appointment.status.in_(ACTIVE_APPOINTMENTS))


def _awaits_answer(proposal: Proposal) -> bool:
    return proposal.status == ProposalStatus.VISITED or (
        proposal.visit_on is not None and proposal.status in (ProposalStatus.RECEIVED, ProposalStatus.VISIT_PLANNED)
        and proposal.answer_on is None)


ACTIVE_APPOINTMENTS = (AppointmentStatus.PLANNED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHANGE_ASKED)


def standing(household: Household, today: date, appointments: Sequence[Appointment] | None = None,
             proposals: Sequence[Proposal] | None = None) -> Standing:
    """Everything the household's home screen shows, from its records and today's date. A caller that already
    holds all the household's appointments or proposals (the staff file) passes them: no second statement for the
    same rows (`proposals` in rank order)."""
    proposals = proposals if proposals is not None else db.session.scalars(
        proposals_query(household).order_by(Proposal.rank)).all()
    now = datetime.now(UTC)
    if appointments is None:
        appointments = db.session.scalars(active_appointments_query(household).order_by(Appointment.starts_at)).all()
    upcoming = sorted((a for a in appointments if a.status in ACTIVE_APPOINTMENTS and as_utc(a.starts_at) >= now),
                      key=lambda a: (as_utc(a.starts_at), a.id))
    view = Standing(stage=household.stage, next_appointment=upcoming[0] if upcoming else None,
                    contacts=[s for s in (household.officer, household.mediator) if s is not None])
    for proposal in proposals:
        item = ProposalItem(proposal)
        if proposal.visit_on is not None:
            item.answer_by = deadlines.decision_deadline(proposal.visit_on)
            if _awaits_answer(proposal):
                item.days_left = deadlines.days_left(item.answer_by, today)
                item.deadline = deadlines.deadline_status(item.answer_by, today).value
                item.advised_by = open_days.advised_answer_day(item.answer_by, today)
                item.advised_today = item.advised_by == today
        view.proposals.append(item)
    view.refusals = sum(1 for p in proposals if p.status == ProposalStatus.REFUSED)
    if household.documents_updated_on is not None:
        view.documents_due_on = deadlines.documents_refresh_due(household.documents_updated_on)
    view.next_action = _next_action(view, today)
    return view


def _next_action(view: Standing, today: date) -> NextAction:
    awaiting = [p for p in view.proposals if p.deadline is not None]
    if awaiting:
        first = min(awaiting, key=lambda p: p.answer_by or today)
        return NextAction("answer_proposal", first.answer_by, proposal_id=first.proposal.id)
    appointment = view.next_appointment
    if appointment is not None and appointment.status == AppointmentStatus.PLANNED:
        return NextAction("confirm_appointment", appointment.starts_at.date(), appointment_id=appointment.id)
    if view.documents_due_on is not None and (view.documents_due_on - today).days <= DOCUMENTS_WARNING_DAYS:
        return NextAction("refresh_documents", view.documents_due_on)
    return NextAction("follow_stage")


# --- a proposal's affordability under the charter's money rules (§7.1), from the household's budget facts ---

ZERO = Decimal("0")


@dataclass(frozen=True)
class Affordability:
    before: Situation
    after: Situation
    assessment: Assessment


def budget_of(household: Household) -> BudgetFacts | None:
    return db.session.scalars(select(BudgetFacts).where(BudgetFacts.household_id == household.id)).first()


def _depcom(code: str | None, commune: str | None) -> str | None:
    """The stored INSEE code, or the one found from the commune's name (staff type "Roubaix")."""
    return code or (housing_benefit.find_commune(commune) if commune else None)


def _inputs(household: Household, budget: BudgetFacts | None, rent: Decimal | None, depcom: str | None,
            social: bool) -> housing_benefit.HousingInputs | str:
    """What the estimate needs for one flat from the household's budget facts, or why it cannot be asked."""
    if budget is None or not budget.adults:
        return "people_missing"
    if not budget.resources_by_kind:
        return "resources_by_kind_missing"
    children = tuple(int(age) for age in (budget.children_ages or []))
    adults = min(budget.adults, housing_benefit.MAX_ADULTS)
    others = max(0, household.occupants - adults - len(children))  # other adults of the home, not dependants
    return housing_benefit.HousingInputs(
        adult_ages=(40,) * adults, others=children + (40,) * others,
        resources=tuple((kind, Decimal(str(amount))) for kind, amount in budget.resources_by_kind.items()
                        if kind in housing_benefit.RESOURCE_KINDS),
        rent=rent or ZERO, depcom=depcom, social_housing=social)


def housing_benefits(household: Household, budget: BudgetFacts | None,
                     proposals: list[Proposal]) -> dict[str, BenefitLine]:
    """The housing benefit of today's flat ("now") and of each proposal ("proposal-<id>"): typed, or estimated.

    All the flats in one simulation; a page waits at most `page_wait()` for the model (then it says why).
    """
    operation = household.operation
    asked: dict[str, housing_benefit.HousingInputs | str] = {}
    typed: dict[str, Decimal | None] = {"now": budget.housing_benefit if budget is not None else None}
    if typed["now"] is None:
        asked["now"] = _inputs(household, budget, budget.rent if budget else None,
                               _depcom(operation.depcom, operation.commune) if operation else None, True)
    for proposal in proposals:
        key = f"proposal-{proposal.id}"
        typed[key] = proposal.housing_benefit
        if proposal.housing_benefit is None:
            asked[key] = _inputs(household, budget, proposal.rent, _depcom(proposal.depcom, proposal.commune),
                                 proposal.social_housing)
    homes = {key: inputs for key, inputs in asked.items() if isinstance(inputs, housing_benefit.HousingInputs)}
    answers = dict(zip(homes, housing_benefit.estimate_many(list(homes.values()), this_day(), wait=page_wait()),
                       strict=True))
    return {key: benefit_line(None, amount) if amount is not None else
            benefit_line(answers.get(key) or housing_benefit.Unavailable(str(asked[key])), None)
            for key, amount in typed.items()}


def affordability(household: Household, proposal: Proposal, budget: BudgetFacts | None,
                  benefits: dict[str, BenefitLine] | None = None) -> Affordability | None:
    """Before (today's flat) and after (the proposal), or None while the budget facts are incomplete.

    The housing benefit of each flat is the one typed by staff, else the estimate (`housing_benefits`).
    """
    if budget is None or budget.monthly_resources is None or budget.rent is None:
        return None
    benefits = benefits if benefits is not None else housing_benefits(household, budget, [proposal])
    expenses = total_expenses({k: Decimal(str(v)) for k, v in (budget.expenses or {}).items()
                               if k in EXPENSE_KINDS})
    occupants = max(1, household.occupants)
    before = Situation(budget.rent, budget.charges or ZERO, benefits["now"].amount,
                       budget.monthly_resources, expenses, occupants)
    after = Situation(proposal.rent, proposal.charges, benefits[f"proposal-{proposal.id}"].amount,
                      budget.monthly_resources, expenses, occupants)
    return Affordability(before, after, assess_move(before, after))

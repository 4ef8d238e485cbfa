"""A proposal's affordability under the charter's money rules (§7.1), from the household's budget facts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from guide.core.extensions import db
from guide.models import BudgetFacts, Household, Proposal
from guide.rules.budget import EXPENSE_KINDS, Assessment, Situation, assess_move, total_expenses

ZERO = Decimal("0")


@dataclass(frozen=True)
class Affordability:
    before: Situation
    after: Situation
    assessment: Assessment


def budget_of(household: Household) -> BudgetFacts | None:
    return db.session.scalars(select(BudgetFacts).where(BudgetFacts.household_id == household.id)).first()


def affordability(household: Household, proposal: Proposal, budget: BudgetFacts | None) -> Affordability | None:
    """Before (today's flat) and after (the proposal), or None while the budget facts are incomplete."""
    if budget is None or budget.monthly_resources is None or budget.rent is None:
        return None
    expenses = total_expenses({k: Decimal(str(v)) for k, v in (budget.expenses or {}).items()
                               if k in EXPENSE_KINDS})
    occupants = max(1, household.occupants)
    before = Situation(budget.rent, budget.charges or ZERO, budget.housing_benefit or ZERO,
                       budget.monthly_resources, expenses, occupants)
    after = Situation(proposal.rent, proposal.charges, proposal.housing_benefit or ZERO, budget.monthly_resources,
                      expenses, occupants)
    return Affordability(before, after, assess_move(before, after))

"""A household's current money facts (§7.1): 3-month average resources, rent, charges, benefit, expenses."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import MONEY, Model, Versioned


class BudgetFacts(Versioned, Model):
    __tablename__ = "budget_facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), unique=True)
    monthly_resources: Mapped[Decimal | None] = mapped_column(MONEY)  # average of the last 3 months
    rent: Mapped[Decimal | None] = mapped_column(MONEY)
    charges: Mapped[Decimal | None] = mapped_column(MONEY)
    housing_benefit: Mapped[Decimal | None] = mapped_column(MONEY)
    expenses: Mapped[dict] = mapped_column(JSON, default=dict)  # unavoidable expense kind → "12.34"
    # what the housing benefit estimate needs (core/housing_benefit.py): the claimant and a spouse (1 or 2), the
    # ages of the other people in the home, and the monthly resources by kind (salary, unemployment, pension, rsa)
    adults: Mapped[int | None] = mapped_column(Integer)
    children_ages: Mapped[list | None] = mapped_column(JSON)
    resources_by_kind: Mapped[dict | None] = mapped_column(JSON)  # kind → "1234.50"

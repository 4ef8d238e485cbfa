"""What stays of an erased household: anonymous statistics only, with no link to any person or record."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import Model


class HouseholdStatistic(Model):
    """One erased household as counts and months: no name, reference, number, text, exact date or household id."""

    __tablename__ = "household_statistic"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id", ondelete="SET NULL"), index=True)
    stage: Mapped[str] = mapped_column(String(30))  # the journey stage reached
    proposals: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)
    mediations: Mapped[int] = mapped_column(Integer, default=0)
    opened_month: Mapped[str] = mapped_column(String(7))  # "2026-03": when the file was opened
    moved_month: Mapped[str | None] = mapped_column(String(7))  # "2027-05", or None when the household never moved
    erased_month: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(String(10))  # retention (the job) or request (the household asked)

"""Flat proposals (three at most, art. L353-15 CCH) and appointments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guide.models.base import MONEY, Model, Versioned, utcnow


class ProposalStatus(StrEnum):
    RECEIVED = "received"
    VISIT_PLANNED = "visit_planned"
    VISITED = "visited"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # by the landlord (flat no longer available): does not count as a refusal


class Proposal(Versioned, Model):
    __tablename__ = "proposal"
    __table_args__ = (
        UniqueConstraint("household_id", "rank"),
        CheckConstraint("rank BETWEEN 1 AND 3", name="proposal_rank_1_to_3"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(200))
    commune: Mapped[str] = mapped_column(String(80))
    flat_type: Mapped[str] = mapped_column(String(10))  # T1..T6
    surface: Mapped[Decimal | None] = mapped_column(MONEY)
    floor: Mapped[int | None] = mapped_column(Integer)
    lift: Mapped[bool] = mapped_column(Boolean, default=False)
    rent: Mapped[Decimal] = mapped_column(MONEY)
    charges: Mapped[Decimal] = mapped_column(MONEY)
    # typed by staff (CAF notice or simulation); None: not known, the estimate is shown (core/housing_benefit.py)
    housing_benefit: Mapped[Decimal | None] = mapped_column(MONEY)
    depcom: Mapped[str | None] = mapped_column(String(5))  # the commune's INSEE code (the APL zone)
    social_housing: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    landlord: Mapped[str] = mapped_column(String(120))
    received_on: Mapped[date] = mapped_column(Date)
    visit_on: Mapped[date | None] = mapped_column(Date)
    answer_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.RECEIVED)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AppointmentKind(StrEnum):
    INFORMATION_MEETING = "information_meeting"
    HOME_INTERVIEW = "home_interview"
    MEDIATOR_MEETING = "mediator_meeting"
    NEIGHBOURHOOD_VISIT = "neighbourhood_visit"
    TENANT_MEETING = "tenant_meeting"  # meeting tenants already relocated (Citéo phase 3)
    FLAT_VISIT = "flat_visit"
    LEASE_SIGNING = "lease_signing"
    MOVE = "move"
    COURTESY_VISIT = "courtesy_visit"
    MEDIATION_MEETING = "mediation_meeting"


class AppointmentStatus(StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    CHANGE_ASKED = "change_asked"
    DONE = "done"
    CANCELLED = "cancelled"


class Appointment(Versioned, Model):
    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str] = mapped_column(String(200), default="")
    with_whom: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default=AppointmentStatus.PLANNED)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    change_note: Mapped[str] = mapped_column(Text, default="")  # the household's words when asking a change
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    proposal = relationship("Proposal")

"""After the move (§3.2, §4 steps 13–14): costs to refund, courtesy visits, the anonymous satisfaction survey.

The survey is split in two tables on purpose: `SurveyInvitation` knows who was invited and whether they
answered (never when); `SurveyAnswer` holds the answers with no household reference, a random id and only
the month, so no row, result or export leads back to a household.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guide.models.base import MONEY, Model, Versioned, utcnow

# §3.2: the costs refunded by cheque on showing the invoice (the charter's list, in its order)
REFUNDABLE_KINDS: tuple[str, ...] = (
    "energy_opening",  # ouverture ou fermeture de compteur (gaz, électricité)
    "phone_internet",  # ouverture ou fermeture de ligne (téléphone, internet)
    "mail_forwarding",  # 6 mois de réexpédition du courrier
    "car_registration",  # changement d'adresse de la carte grise
    "kitchen_bathroom",  # réinstallation de la cuisine, de la salle de bain, des placards
    "other",
)


class MoveExpense(Versioned, Model):
    """A cost the household advanced for the move, with its invoice photo; refunded by cheque within 8 days."""

    __tablename__ = "move_expense"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_move_expense_amount_positive"),
        UniqueConstraint("household_id", "idempotency_key", name="uq_move_expense_household_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    idempotency_key: Mapped[str] = mapped_column(String(32))  # a double tap or a retried form stores one expense
    amount: Mapped[Decimal] = mapped_column(MONEY)
    invoice_on: Mapped[date] = mapped_column(Date)  # the day the invoice is shown: the 8 days start here
    due_on: Mapped[date] = mapped_column(Date)  # deadlines.refund_deadline(invoice_on)
    photo: Mapped[bytes] = mapped_column(LargeBinary)  # re-encoded by clean_photo: pixels only
    photo_type: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    refunded_on: Mapped[date | None] = mapped_column(Date)  # the day the cheque was sent
    cheque_number: Mapped[str] = mapped_column(String(40), default="")
    refunded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class CourtesyVisit(Model):
    """One of the three courtesy visits (2, 4, 6 months after the move): its appointment, then its record."""

    __tablename__ = "courtesy_visit"
    __table_args__ = (
        UniqueConstraint("household_id", "months", name="uq_courtesy_visit_household_months"),
        CheckConstraint("months IN (2, 4, 6)", name="ck_courtesy_visit_months"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    months: Mapped[int] = mapped_column(Integer)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="SET NULL"))
    visited_on: Mapped[date | None] = mapped_column(Date)  # set when the record is written
    flat_ok: Mapped[bool | None] = mapped_column(Boolean)
    neighbourhood_ok: Mapped[bool | None] = mapped_column(Boolean)
    support_needed: Mapped[bool | None] = mapped_column(Boolean)
    reste_a_vivre_now: Mapped[Decimal | None] = mapped_column(MONEY)  # € per person per day, at the visit
    reste_a_vivre_before: Mapped[Decimal | None] = mapped_column(MONEY)  # from the budget facts before the move
    flags: Mapped[list] = mapped_column(JSON, default=list)  # "below_threshold", "worse_than_before"
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    appointment = relationship("Appointment")


class SurveyInvitation(Model):
    """Who is invited to the satisfaction survey and whether they answered: no answer, no time of answer."""

    __tablename__ = "survey_invitation"
    __table_args__ = (UniqueConstraint("household_id", name="uq_survey_invitation_household"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    answered: Mapped[bool] = mapped_column(Boolean, default=False)


def _random_id() -> str:
    return uuid.uuid4().hex


class SurveyAnswer(Model):
    """One anonymous set of answers: no household reference, a random id, the quarter only."""

    __tablename__ = "survey_answer"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    month: Mapped[str] = mapped_column(String(7), index=True)  # the quarter, "2027-Q2" (before 0008: a month)
    group_name: Mapped[str] = mapped_column(String(120), default="")  # the residence left (a group of households)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # question id -> option id

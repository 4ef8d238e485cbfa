"""Households, their operation (residence), phones, consents and contact notes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guide.models.base import Model, Versioned, utcnow


class Operation(Model):
    """A residence (or part of one) opened to relocation under an urban renewal project."""

    __tablename__ = "operation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    commune: Mapped[str] = mapped_column(String(80))
    depcom: Mapped[str | None] = mapped_column(String(5))  # the commune's INSEE code (the APL zone of today's flats)
    landlord: Mapped[str] = mapped_column(String(120))
    opened_on: Mapped[date | None] = mapped_column(Date)  # opening to relocation: first interviews within 3 months


class Household(Versioned, Model):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(5), default="fr")
    occupants: Mapped[int] = mapped_column(Integer, default=1)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30), default="informed")  # a journey slug (content/journey.yaml)
    documents_updated_on: Mapped[date | None] = mapped_column(Date)
    last_contact_on: Mapped[date | None] = mapped_column(Date)
    moved_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Kept by the database (migration 0016): goes up with any change to what the household's pages show. The ORM
    # never writes it; the household's pages kept in memory are looked up by it (guide/core/personal_pages.py).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    operation = relationship("Operation", lazy="joined")
    officer = relationship("StaffUser", foreign_keys=[officer_id], lazy="joined")
    mediator = relationship("StaffUser", foreign_keys=[mediator_id], lazy="joined")
    phones = relationship("HouseholdPhone", back_populates="household", cascade="all, delete-orphan",
                          order_by="HouseholdPhone.id")


class HouseholdPhone(Model):
    """A member's mobile number, in E.164; SMS only with that member's recorded consent.

    One number, one household: the number is unique over the whole table. Every row is active (a number taken
    off a file, or the phones of an erased or anonymised file, are deleted, never kept aside), so sign-in and
    inbound SMS find at most one household for a number (guide/features/phones/service.py).
    """

    __tablename__ = "household_phone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), index=True, unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")  # whose phone, in the household's words
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    household = relationship("Household", back_populates="phones")


class ConsentKind(StrEnum):
    SMS = "sms"
    SHARING = "sharing"  # the situation may be discussed by partners (§4 step 4)
    SHARING_REFUSED = "sharing_refused"  # a signed refusal: the case is discussed anonymously


class Consent(Model):
    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)


class ContactNote(Model):
    """A dated contact with the household (visit, call, meeting); staff-only."""

    __tablename__ = "contact_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))  # visit, phone, office, sms, letter
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

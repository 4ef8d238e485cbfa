"""Written requests (a proposal's answer, a refusal with reasons, a mediation request) and mediation cases.

A request is immutable once sent: later additions are appended and dated. The reference and timestamp are
given when it is stored, before any confirmation is shown.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guide.models.base import Model, Versioned, utcnow


class RequestKind(StrEnum):
    ACCEPT = "accept"
    REFUSAL = "refusal"
    MEDIATION = "mediation"


class RefusalMotive(StrEnum):
    """The charter's motives (§3.4 D): state of the flat, rent and charges, an impediment making it unsuitable."""

    FLAT_STATE = "flat_state"
    RENT_CHARGES = "rent_charges"
    DISTANCE_WORK = "distance_work"
    DISTANCE_SCHOOL = "distance_school"
    DISTANCE_CARE = "distance_care"
    ACCESSIBILITY = "accessibility"
    SIZE = "size"
    OTHER = "other"


class WrittenRequest(Model):
    __tablename__ = "written_request"
    __table_args__ = (UniqueConstraint("household_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True, index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(10), default="web")  # web, sms, staff
    language: Mapped[str] = mapped_column(String(5), default="fr")
    motives: Mapped[list] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")  # the household's own words (refusal reasons)
    what_happened: Mapped[str] = mapped_column(Text, default="")
    disagreement: Mapped[str] = mapped_column(Text, default="")
    wish: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(default=False)  # an answer sent after the 10-day limit: still recorded

    additions = relationship("RequestAddition", order_by="RequestAddition.id", cascade="all, delete-orphan")
    photos = relationship("RequestPhoto", order_by="RequestPhoto.id", cascade="all, delete-orphan")
    proposal = relationship("Proposal")


class RequestAddition(Model):
    __tablename__ = "request_addition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("written_request.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class RequestPhoto(Model):
    """A photo re-encoded without metadata (no location), kept with the request."""

    __tablename__ = "request_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("written_request.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class MediationStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    MEETING_PLANNED = "meeting_planned"
    CONCLUDED = "concluded"
    CLOSED = "closed"


class MediationCase(Versioned, Model):
    __tablename__ = "mediation_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("written_request.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))  # request, second_refusal
    status: Mapped[str] = mapped_column(String(20), default=MediationStatus.RECEIVED, index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(Text, default="")
    letter_text: Mapped[str] = mapped_column(Text, default="")  # the post-mediation letter
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    household = relationship("Household")
    request = relationship("WrittenRequest")
    appointment = relationship("Appointment")


class LetterPdf(Model):
    """A written request's letter as a PDF, rendered once (WeasyPrint takes most of a second) and served again while
    the letter says the same thing: `fingerprint` is the SHA-256 of the HTML and stylesheet it was made from.

    A request is immutable, but its letter also shows additions appended later, the household's name, its officer
    and the proposal: when any of these changes the fingerprint differs and the PDF is made again (see
    guide/features/requests/pdf_store.py). Deleted with its request (erasure, retention)."""

    __tablename__ = "letter_pdf"

    request_id: Mapped[int] = mapped_column(ForeignKey("written_request.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

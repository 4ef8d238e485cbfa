"""Outgoing SMS, written in the same transaction as their cause (the outbox the SMS channel dispatches)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from guide.extensions import db
from guide.models.base import utcnow


class SmsStatus:
    """queued → sending → sent → delivered | undelivered | failed; unknown → reconciled; review needs a person."""

    QUEUED = "queued"
    SENDING = "sending"
    UNKNOWN = "unknown"  # the send's outcome is not known (no answer): look it up before sending again
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    REVIEW = "review"  # could not be reconciled or kept failing: staff advised to call
    CANCELLED = "cancelled"
    LOGGED = "logged"  # the `log` backend printed it
    FINAL = frozenset({"delivered", "undelivered", "failed", "cancelled", "logged"})


class SmsMessage(db.Model):
    __tablename__ = "sms_message"
    __table_args__ = (Index("ix_sms_message_due", "status", "send_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    to_number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))  # sign_in_code, sign_in_link, reminder...
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    segments: Mapped[int] = mapped_column(Integer, default=1)
    send_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    encoding: Mapped[str] = mapped_column(String(8), default="GSM-7", server_default="GSM-7")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error_code: Mapped[str | None] = mapped_column(String(20))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

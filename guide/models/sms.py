"""Outgoing SMS, written in the same transaction as their cause (the outbox the SMS channel dispatches)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import Model, utcnow


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


class SmsMessage(Model):
    __tablename__ = "sms_message"
    __table_args__ = (
        Index("ix_sms_message_due", "status", "send_after"),
        # one queued row per reminder: two schedulers racing cannot queue the same reminder twice
        Index("ux_sms_message_queued_reminder", "reminder_key", unique=True,
              sqlite_where=text("status = 'queued'"), postgresql_where=text("status = 'queued'")),
        # receipts only: the other SMS (reminders, codes) add nothing to write to it
        Index("ix_sms_message_request_id", "request_id", sqlite_where=text("request_id IS NOT NULL"),
              postgresql_where=text("request_id IS NOT NULL")),
        # one Twilio message settles at most one row (two identical texts to one number are two messages)
        Index("ux_sms_message_provider_id", "provider_id", unique=True,
              sqlite_where=text("provider_id IS NOT NULL"), postgresql_where=text("provider_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    to_number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))  # sign_in_code, sign_in_link, reminder...
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # ix_sms_message_due starts with it
    segments: Mapped[int] = mapped_column(Integer, default=1)
    send_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_id: Mapped[str | None] = mapped_column(String(64))  # Twilio's message SID; see ux_sms_message_provider_id
    encoding: Mapped[str] = mapped_column(String(8), default="GSM-7", server_default="GSM-7")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the lease's start (see `lease`)
    # the dispatcher round that holds the row while it is "sending": it sends only a row it still holds
    lease: Mapped[str | None] = mapped_column(String(32))
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # giving up counts from it
    error_code: Mapped[str | None] = mapped_column(String(20))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # a scheduled reminder: what it is about and for which moment, e.g. "appt:12@202611241000:appointment_soon:+33..."
    # (recomputed from the data: moved when its cause moves, cancelled when it goes away)
    reminder_key: Mapped[str | None] = mapped_column(String(120))  # see ux_sms_message_queued_reminder
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))  # a staff reply
    link_target: Mapped[str | None] = mapped_column(String(200))  # "{link}" in the body is minted at send time
    # a request's receipt: the written request it acknowledges (set when the receipt is queued)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("written_request.id", ondelete="SET NULL"))


class InboxStatus:
    NONE = "none"  # answered automatically, nothing for staff to do
    OPEN = "open"  # waits for a person
    DONE = "done"


class SmsInbound(Model):
    """An SMS a household (or anyone) sent us; idempotent on Twilio's MessageSid."""

    __tablename__ = "sms_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(20), index=True)
    to_number: Mapped[str] = mapped_column(String(20), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    intent: Mapped[str] = mapped_column(String(20), default="other")  # confirm, change, help, stop, other...
    inbox_status: Mapped[str] = mapped_column(String(10), default=InboxStatus.NONE, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # what this SMS caused, set when it is handled: the answer sent back (or, for MEDIATION, the new request's receipt)
    # and the written request it created
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("sms_message.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("written_request.id", ondelete="SET NULL"), index=True)


class SmsSession(Model):
    """Where a phone stands in an SMS conversation (a guided flow, a language menu); one row per number."""

    __tablename__ = "sms_session"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(40), default="")  # "", "language", "flow:<id>"
    data: Mapped[str] = mapped_column(Text, default="")  # e.g. the flow answers so far, "1.2"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

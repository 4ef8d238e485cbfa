"""Signing in: household SMS codes and personal links (stored hashed), and the signed-in sessions themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import Model, utcnow


class SignInCode(Model):
    """A 6-digit code sent by SMS; only keyed hashes of the phone, the code and the asking address are kept.

    Every code asked within the per-number limits is a row, known number or not (`household_id` None: no SMS went,
    and it can sign nobody in); the rows of the last SIGNIN_WINDOW_HOURS are what those limits count.
    """

    __tablename__ = "sign_in_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    address_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")  # who asked (keyed hash)


class SignInTry(Model):
    """One wrong code typed for a number, from an address (keyed hashes): the per-number try limits count these."""

    __tablename__ = "sign_in_try"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInGuard(Model):
    """One row per number being signed in with: locked (UPDATE) while a request counts and writes that number's
    codes and tries, so requests racing on several processes cannot all pass a limit at once."""

    __tablename__ = "sign_in_guard"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInLink(Model):
    """A personal one-tap link (random token, single use, expiring); only its hash is kept."""

    __tablename__ = "sign_in_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(200), default="/my")  # the page the link opens
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Model):
    """A signed-in session, named by a random token in the signed cookie; only a keyed hash of the token is kept.

    The cookie alone no longer proves anything: each request needs an open row, so ending the row ends the session
    on the phone that holds the cookie and on any copy of it (guide/core/sessions.py)."""

    __tablename__ = "user_session"
    __table_args__ = (
        CheckConstraint("(household_id IS NULL) <> (staff_id IS NULL)", name="ck_user_session_one_account"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # to the minute
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

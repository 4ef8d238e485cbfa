"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Integer, Numeric
from sqlalchemy.orm import Mapped, mapped_column

MONEY = Numeric(10, 2)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Versioned:
    """Editable shared rows carry a version: a save based on an older one is refused, never applied silently.

    Services compare the version the person saw with the stored one and show a "changed meanwhile" screen.
    """

    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def money(value: Decimal | int | float | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))

"""Anonymous "was this page useful?" answers: no identity, no free text, only counts per page."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import Model


def utcnow() -> datetime:
    return datetime.now(UTC)


class PageFeedback(Model):
    __tablename__ = "page_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page: Mapped[str] = mapped_column(String(80), index=True)  # e.g. "stages/visit"
    lang: Mapped[str] = mapped_column(String(5))
    useful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

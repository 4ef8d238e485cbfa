"""The access log: every staff read or write of a household file, and household sign-ins. No personal data.

Kept apart from the household tables: it holds no plain household or record id, only keyed pseudonyms
(`guide/core/audit.py`), so nobody reading the database can join it to a household. The data protection
officer finds a household's entries by recomputing the pseudonym of its reference (`/staff/access-log`).
Staff actors stay in clear: the log exists to say which member of staff did what.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import Model, utcnow


class AuditEntry(Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))  # staff, household, system
    actor_id: Mapped[int | None] = mapped_column(Integer)  # a staff id; None for a household (see household_key)
    action: Mapped[str] = mapped_column(String(40))  # read, create, update, sign_in, import...
    household_key: Mapped[str | None] = mapped_column(String(64), index=True)  # pseudonym of the reference
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_key: Mapped[str | None] = mapped_column(String(64))  # pseudonym of "<entity>:<id>"
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

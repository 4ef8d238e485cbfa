"""Staff accounts: relocation officers, mediators, the mediation group, admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import Model, utcnow

TITLE_LENGTH = 80


class Role(StrEnum):
    OFFICER = "officer"  # chargé de relogement
    MEDIATOR = "mediator"  # médiateur-facilitateur (Citéo)
    MEDIATION_GROUP = "mediation_group"  # pilote du projet / groupe de médiation
    ADMIN = "admin"


class StaffUser(Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))  # work number shown to households, E.164
    role: Mapped[str] = mapped_column(String(20))
    # The words the person uses beside their name, in French: "chargée de relogement", "médiateur". None: the
    # role's label (guide/core/labels.py staff_title). Set with `flask --app guide staff title`.
    title: Mapped[str | None] = mapped_column(String(TITLE_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Integer, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from guide.core.extensions import db

if TYPE_CHECKING:
    from typing import ClassVar

    import flask_sqlalchemy.model
    from sqlalchemy import Table
    from sqlalchemy.orm import DeclarativeBase

    class Model(flask_sqlalchemy.model.Model, DeclarativeBase):
        """What `db.Model` is at run time (Flask-SQLAlchemy's mixins over the declarative base), as a class a type
        checker can see: `db.Model` is an attribute, which cannot be a base class in a type."""

        __table__: ClassVar[Table]  # every model names its table (`__tablename__`): a Table, not any FromClause

else:
    Model = db.Model

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

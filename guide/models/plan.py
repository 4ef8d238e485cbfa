"""The Citéo mobility plan: phases, profile (trips, attachments, wishes), ranked brakes, actions, visits.

Every editable piece is one `PlanItem` row with a version, co-edited by the household and its mediator: a save
based on an older version is merged with the changes made since, field by field, and refused only where both
changed the same field (see guide/features/plan/service.py). Each accepted change writes a `PlanChange`
(who, when, before and after), so nothing typed is ever lost and any earlier state can be restored.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from guide.models.base import Model, Versioned, utcnow


class PlanItemKind(StrEnum):
    PHASES = "phases"  # one per household: dates of the four Citéo phases
    WISHES = "wishes"  # one per household: where and how the household wishes to live
    TRIP = "trip"  # a daily trip of the mobility profile
    ATTACHMENT = "attachment"  # what ties the household to its neighbourhood
    BRAKE = "brake"  # a "frein", ranked by the household
    ACTION = "action"  # a row of the action plan: Quoi ? Qui ? Quand ?
    VISIT = "visit"  # a neighbourhood visit or a meeting with relocated tenants, with impressions


SINGLE_KINDS = (PlanItemKind.PHASES, PlanItemKind.WISHES)
_KINDS_SQL = ", ".join(f"'{k.value}'" for k in PlanItemKind)
_SINGLE_SQL = ", ".join(f"'{k.value}'" for k in SINGLE_KINDS)


class PlanItem(Versioned, Model):
    """One editable piece of a household's plan; its fields (by kind) are in `data`, in the author's own words."""

    __tablename__ = "plan_item"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_plan_item"),
        CheckConstraint(f"kind IN ({_KINDS_SQL})", name="ck_plan_item_kind"),
        Index("ix_plan_item_household_kind", "household_id", "kind"),
        # phases and wishes exist once per household, even when both sides open the plan for the first time together
        Index("ux_plan_item_single", "household_id", "kind", unique=True,
              sqlite_where=text(f"kind IN ({_SINGLE_SQL})"), postgresql_where=text(f"kind IN ({_SINGLE_SQL})")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE",
                                                         name="fk_plan_item_household_id_household"))
    kind: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(Integer, default=0)  # order of brakes (1 = holds back the most) and of rows
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)  # removed items stay, so they can be restored
    updated_by_kind: Mapped[str] = mapped_column(String(10), default="household")  # household or staff
    updated_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def snapshot(self) -> dict[str, Any]:
        """What a version of this item holds, as stored in the history."""
        return {"data": dict(self.data or {}), "rank": self.rank, "removed": self.removed}


class PlanChange(Model):
    """One accepted change of a plan item: who (household or staff id), when, the item before and after."""

    __tablename__ = "plan_change"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_plan_change"),
        # one change per version: two saves can never both claim the same version of an item
        UniqueConstraint("item_id", "version", name="uq_plan_change_item_version"),
        Index("ix_plan_change_household_id_id", "household_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE",
                                                         name="fk_plan_change_household_id_household"))
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE",
                                                    name="fk_plan_change_item_id_plan_item"))
    version: Mapped[int] = mapped_column(Integer)  # the item's version after this change
    action: Mapped[str] = mapped_column(String(10))  # create, update, remove, restore, move
    actor_kind: Mapped[str] = mapped_column(String(10))  # household or staff
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)

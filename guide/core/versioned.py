"""Saving shared rows without ever losing an edit: a save based on an old version is refused, not applied."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update

from guide.core.events import record_changed
from guide.core.extensions import db
from guide.models.base import utcnow


def save_if_current(model: Any, row_id: int, seen_version: int, values: dict[str, Any]) -> bool:
    """Apply `values` only if the row is still at `seen_version` (one atomic UPDATE); True when saved.

    A save announces itself (`record_changed`), in this transaction: e.g. reminders follow a moved appointment or a
    new language."""
    result = cast(CursorResult[Any], db.session.execute(
        update(model).where(model.id == row_id, model.version == seen_version)
        .values(**values, version=model.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))
    db.session.expire_all()
    if result.rowcount != 1:
        return False
    record_changed.send(model, row_id=row_id)
    return True

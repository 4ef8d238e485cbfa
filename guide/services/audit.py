"""Writing the access log (staff reads and writes of a household file, household sign-ins)."""

from __future__ import annotations

from guide.extensions import db
from guide.models import AuditEntry


def record(actor_kind: str, actor_id: int | None, action: str, household_id: int | None = None,
           entity: str = "", entity_id: int | None = None, **detail: object) -> None:
    """Add an audit entry to the current transaction. `detail` must hold no personal data."""
    db.session.add(AuditEntry(actor_kind=actor_kind, actor_id=actor_id, action=action, household_id=household_id,
                              entity=entity, entity_id=entity_id, detail=detail))

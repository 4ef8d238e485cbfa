"""Writing the access log (staff reads and writes of a household file, household sign-ins).

The log is kept apart from the household tables: a household is stored as a keyed pseudonym of its reference
and a record as a keyed pseudonym of "<entity>:<id>", never as a plain id. The key is
`GUIDE_AUDIT_PSEUDONYM_KEY`, or one derived from the app's secret key. With the key, the data protection officer
recomputes a reference's pseudonym to find its entries (also after the household is erased); without it the log
cannot be joined to anyone.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from guide.core.extensions import db
from guide.models import AuditEntry, Household


def _key() -> bytes:
    dedicated = current_app.config.get("AUDIT_PSEUDONYM_KEY")
    if dedicated:
        return str(dedicated).encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"audit-pseudonym", hashlib.sha256).digest()


def pseudonym(kind: str, value: object) -> str:
    """HMAC-SHA256 of "<kind>:<value>" with the log's key: stable, not reversible without the key."""
    return hmac.new(_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def household_pseudonym(reference: str) -> str:
    """The pseudonym a household's entries carry: from its reference, which the DPO can type in."""
    return pseudonym("household", reference.strip())


def entity_pseudonym(entity: str, entity_id: int) -> str:
    return pseudonym(entity, entity_id)


def _household_key(household_id: int | None) -> str | None:
    if household_id is None:
        return None
    household = db.session.get(Household, household_id)
    if household is None:  # not expected: callers pass a household they hold
        return pseudonym("household-id", household_id)
    return household_pseudonym(household.reference)


def record(actor_kind: str, actor_id: int | None, action: str, household_id: int | None = None,
           entity: str = "", entity_id: int | None = None, **detail: object) -> None:
    """Add an audit entry to the current transaction. `detail` must hold no personal data.

    A household acting on its own file is named only by the household pseudonym (its id is not kept).
    """
    if actor_kind == "household":
        household_id = household_id if household_id is not None else actor_id
        actor_id = None
    db.session.add(AuditEntry(actor_kind=actor_kind, actor_id=actor_id, action=action,
                              household_key=_household_key(household_id), entity=entity,
                              entity_key=entity_pseudonym(entity, entity_id) if entity_id is not None else None,
                              detail=detail))

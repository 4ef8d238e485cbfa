"""The relocation project (phase 4) is shared with the household's relocation officer only with recorded consent:
given in the app by the household, or on paper and noted by the mediator; withdrawn the same way. Each function
works in the caller's transaction and only flushes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from guide.core.extensions import db
from guide.features.plan.service import Actor
from guide.models import Consent

SHARING = "plan_sharing"  # a Consent kind: the household agrees that its officer reads its relocation project


def sharing_consent(household_id: int) -> Consent | None:
    """The household's consent to share its project with the officer, if given and not withdrawn."""
    return db.session.scalars(select(Consent).where(Consent.household_id == household_id, Consent.kind == SHARING,
                                                    Consent.withdrawn_on.is_(None))
                              .order_by(Consent.id.desc())).first()


def record_sharing(household_id: int, actor: Actor, on: date) -> Consent:
    """Record the consent (given in the app by the household, or on paper and noted by the mediator)."""
    existing = sharing_consent(household_id)
    if existing is not None:
        return existing
    consent = Consent(household_id=household_id, kind=SHARING, given_on=on,
                      recorded_by_id=actor.id if actor.kind == "staff" else None)
    db.session.add(consent)
    db.session.flush()
    return consent


def withdraw_sharing(household_id: int, on: date) -> bool:
    consent = sharing_consent(household_id)
    if consent is None:
        return False
    consent.withdrawn_on = on
    db.session.flush()
    return True

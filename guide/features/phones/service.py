"""One phone number, one household: the rule, and adding a number to a file under it.

A number in `household_phone` belongs to one household file (the database holds the number unique). Sign-in and
inbound SMS find the household by its number here, so neither ever has two files to choose from. A number already
on another file is refused with a message that does not name that file to someone who may not open it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from guide.core.extensions import db
from guide.core.permissions import SEE_HOUSEHOLD, can
from guide.models import Household, HouseholdPhone, StaffUser


class NumberTaken(Exception):
    """The number is already on a household file (`holder_id`)."""

    def __init__(self, holder_id: int) -> None:
        super().__init__(holder_id)
        self.holder_id = holder_id


def holder(e164: str) -> Household | None:
    """The one household whose file holds this number, if any."""
    return db.session.scalars(select(Household).join(HouseholdPhone).where(HouseholdPhone.number == e164)).first()


def holder_id(e164: str) -> int | None:
    return db.session.scalar(select(HouseholdPhone.household_id).where(HouseholdPhone.number == e164))


def numbers_on_files() -> set[str]:
    """Every number a household file holds (what a bulk import checks its rows against)."""
    return set(db.session.scalars(select(HouseholdPhone.number)))


def add_phone(household: Household, e164: str, label: str = "", sms_consent: bool = False) -> HouseholdPhone:
    """Put the number on the household's file; NumberTaken when a file (this one or another) holds it already.

    Two staff adding the same number at the same moment both pass the look-up: the unique number decides, and the
    loser gets NumberTaken too, its request's transaction rolled back (nothing of it half-saved)."""
    taken = holder_id(e164)
    if taken is not None:
        raise NumberTaken(taken)
    phone = HouseholdPhone(household_id=household.id, number=e164, label=label, sms_consent=sms_consent,
                           consent_at=datetime.now(UTC) if sms_consent else None)
    db.session.add(phone)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise NumberTaken(holder_id(e164) or household.id) from None
    return phone


def taken_message(error: NumberTaken, household: Household, staff: StaffUser | None) -> str:
    """What staff read when the number is taken: the other file's reference only to someone who may open it."""
    if error.holder_id == household.id:
        return _("Ce numéro est déjà enregistré pour ce ménage.")
    other = db.session.get(Household, error.holder_id)
    if other is not None and staff is not None and can(staff, SEE_HOUSEHOLD, other):
        return _("Ce numéro est déjà dans le dossier %(reference)s. Un numéro va dans un seul dossier.",
                 reference=other.reference)
    return another_file_message()


def another_file_message() -> str:
    return _("Ce numéro est déjà dans le dossier d'un autre ménage. Demandez à un administrateur.")

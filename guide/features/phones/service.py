"""One phone number, one household: the rule, adding a number to a file under it, and the number's SMS consent.

A number in `household_phone` belongs to one household file (the database holds the number unique). Sign-in and
inbound SMS find the household by its number here, so neither ever has two files to choose from. A number already
on another file is refused with a message that does not name that file to someone who may not open it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from guide.core.extensions import db
from guide.core.permissions import SEE_HOUSEHOLD, can
from guide.core.timeutil import local
from guide.models import Consent, Household, HouseholdPhone, StaffUser
from guide.models.household import ConsentKind


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


# --- SMS consent: each phone's flag (what sending obeys) and the household's dated consent rows ---
# A STOP or a START, by SMS or reported by Twilio, changes the flag of every phone with that number; this keeps the
# household's `consent` rows of kind "sms" saying the same thing: withdrawn the day no phone of the household accepts
# SMS any more, given again (a new dated row, recorded by nobody: the person did it) the day one does.

def set_sms_consent(number: str, given: bool, now: datetime) -> list[HouseholdPhone]:
    """Every phone with this number accepts SMS (or not) from now; the households' consent rows follow."""
    phones = list(db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.number == number)))
    for phone in phones:
        phone.sms_consent = given
        phone.consent_at = now if given else None
    db.session.flush()
    on = local(now).date()
    for household_id in {phone.household_id for phone in phones}:
        consenting = db.session.scalar(select(HouseholdPhone.id).where(
            HouseholdPhone.household_id == household_id, HouseholdPhone.sms_consent.is_(True)).limit(1))
        open_rows = select(Consent.id).where(Consent.household_id == household_id, Consent.kind == ConsentKind.SMS,
                                             Consent.withdrawn_on.is_(None))
        if consenting is None:
            db.session.execute(update(Consent).where(Consent.id.in_(open_rows)).values(withdrawn_on=on))
        elif given and db.session.scalar(open_rows.limit(1)) is None:
            db.session.add(Consent(household_id=household_id, kind=ConsentKind.SMS, given_on=on))
    return phones


def record_opt_out(number: str, now: datetime) -> None:
    """For the SMS outbox (`OutboxHooks.record_opt_out`): Twilio says the number sent STOP."""
    set_sms_consent(number, False, now)

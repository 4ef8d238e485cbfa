"""SMS consent has two records: each phone's flag (what sending obeys) and the household's dated consent rows.

A STOP or a START, by SMS or reported by Twilio, changes the flag of every phone with that number; this keeps the
household's `consent` rows of kind "sms" saying the same thing: withdrawn the day no phone of the household accepts
SMS any more, given again (a new dated row, recorded by nobody: the person did it) the day one does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from guide.core.extensions import db
from guide.core.timeutil import local
from guide.models import Consent, HouseholdPhone
from guide.models.household import ConsentKind


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

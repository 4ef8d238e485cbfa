"""The mediation group's changes to a case: its status, outcome and letter, and the meeting it plans, with the
access-log entry, as one change over the version the person saw."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import update

from guide.core import audit
from guide.core.extensions import db
from guide.core.timeutil import from_local
from guide.core.transaction import atomic
from guide.core.versioned import save_if_current
from guide.models import Appointment, AppointmentKind, MediationCase, MediationStatus, StaffUser


@atomic
def update_case(staff: StaffUser, case: MediationCase, seen_version: int, target: str, outcome: str,
                letter_text: str, meeting_at: datetime | None, meeting_place: str) -> bool:
    """Save the case over `seen_version`; False (and nothing written) when someone changed it meanwhile.

    Moving to "meeting planned" with a date plans the meeting as an appointment of the household."""
    values: dict[str, object] = {"status": target, "outcome": outcome, "letter_text": letter_text}
    if target == MediationStatus.ACKNOWLEDGED and case.acknowledged_at is None:
        values["acknowledged_at"] = datetime.now(UTC)
    if target == MediationStatus.CLOSED:
        values["closed_at"] = datetime.now(UTC)
    case_id, household_id = case.id, case.household_id
    if not save_if_current(MediationCase, case_id, seen_version, values):
        return False
    if target == MediationStatus.MEETING_PLANNED and meeting_at is not None:
        meeting = Appointment(household_id=household_id, kind=AppointmentKind.MEDIATION_MEETING,
                              starts_at=from_local(meeting_at), place=meeting_place,
                              with_whom=_("Groupe de médiation"))
        db.session.add(meeting)
        db.session.flush()
        db.session.execute(update(MediationCase).where(MediationCase.id == case_id)
                           .values(appointment_id=meeting.id).execution_options(synchronize_session=False))
    audit.record("staff", staff.id, "update", household_id=household_id, entity="mediation_case",
                 entity_id=case_id, status=target)
    return True

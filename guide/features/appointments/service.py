"""The household's own answers to an appointment, the same from the web page and by SMS ("1" / "2")."""

from __future__ import annotations

from guide.core import audit
from guide.core.transaction import atomic
from guide.models import Appointment, AppointmentStatus, Household


@atomic
def confirm(household: Household, appointment: Appointment, channel: str = "web") -> bool:
    """Mark a planned (or change-asked) appointment confirmed; True when it changed."""
    if appointment.status not in (AppointmentStatus.PLANNED, AppointmentStatus.CHANGE_ASKED):
        return False
    appointment.status = AppointmentStatus.CONFIRMED
    appointment.version += 1
    audit.record("household", household.id, "appointment_confirmed", household_id=household.id,
                 entity="appointment", entity_id=appointment.id, channel=channel)
    return True


@atomic
def ask_change(household: Household, appointment: Appointment, note: str = "", channel: str = "web") -> None:
    """Record that the household asks for another date (the officer calls back)."""
    appointment.status = AppointmentStatus.CHANGE_ASKED
    appointment.change_note = note
    appointment.version += 1
    audit.record("household", household.id, "appointment_change_asked", household_id=household.id,
                 entity="appointment", entity_id=appointment.id, channel=channel)

"""An appointment as a calendar file (RFC 5545) that every calendar accepts.

- The time zone travels with the file: a VTIMEZONE block for the service's zone (Europe/Paris), as the standard
  requires of a TZID.
- The UID names this deployment (its public host) and the appointment's creation instant, so two deployments, or
  the same one after a database reset, never give two appointments the same UID.
- SEQUENCE grows with each saved change of the appointment (its version), so a moved appointment replaces the one a
  calendar already holds; a cancelled appointment says STATUS:CANCELLED.
The file is built on each request from the stored appointment: a link sent earlier always gives the current one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from guide.core.timeutil import as_utc, local
from guide.models import Appointment, AppointmentStatus

PRODID = "-//Guide du relogement//Rendez-vous//FR"


def uid(appointment: Appointment, public_base_url: str) -> str:
    """appointment-<id>-<created, UTC>@<public host>: unique per deployment and across database resets."""
    host = urlsplit(public_base_url).hostname or "localhost"
    created = as_utc(appointment.created_at).strftime("%Y%m%dT%H%M%SZ")
    return f"appointment-{appointment.id}-{created}@{host}"


def calendar_file(appointment: Appointment, *, public_base_url: str, title: str, description: str,
                  now: datetime | None = None) -> bytes:
    """The VCALENDAR text of one appointment."""
    # icalendar (60 ms, with its time-zone tables) on the first calendar file, not in every process at start
    from icalendar import Calendar, Event  # noqa: PLC0415 (tests/app/test_startup_cost.py)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid(appointment, public_base_url))
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("sequence", max(appointment.version - 1, 0))  # versions start at 1, SEQUENCE at 0
    event.add("dtstart", local(appointment.starts_at))
    event.add("duration", timedelta(minutes=appointment.duration_minutes))
    event.add("summary", title)
    if appointment.place:
        event.add("location", appointment.place)
    event.add("description", description)
    event.add("status", "CANCELLED" if appointment.status == AppointmentStatus.CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE of every TZID used (Europe/Paris)
    return calendar.to_ical()

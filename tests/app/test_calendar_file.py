"""The appointment's calendar file (RFC 5545), read by two independent parsers (icalendar, vobject): the time zone
travels with it, its UID names the deployment and survives nothing else's reuse, SEQUENCE grows with each change,
and a cancelled appointment says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import vobject
from icalendar import Calendar

from guide.core.extensions import db
from guide.features.appointments.calendar import calendar_file, uid
from guide.features.household_file import service as household_file
from guide.models import Appointment, AppointmentStatus
from tests.app.test_household_home import sign_in_as
from tests.factories import make_appointment, make_household, make_staff

STARTS = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # 10:30 in Lille


def _download(client, app, household, appointment) -> bytes:
    sign_in_as(client, app, household)
    response = client.get(f"/my/appointments/{appointment.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar", response.status
    assert response.headers["Cache-Control"] == "private, no-store"  # a link sent earlier gives the current file
    return response.data


def test_the_file_carries_its_time_zone_and_both_parsers_agree(client, app, ctx) -> None:
    household = make_household()
    appointment = make_appointment(household, starts_at=STARTS, place="5 rue Solférino, Lille")
    data = _download(client, app, household, appointment)

    parsed = Calendar.from_ical(data)
    zones = parsed.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/Paris"], "the TZID used needs its VTIMEZONE block"
    event = parsed.walk("VEVENT")[0]
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART").astimezone(UTC) == STARTS

    other = vobject.readOne(data.decode())
    assert other.vevent.dtstart.value.astimezone(UTC) == STARTS
    assert other.vevent.dtstart.value.utcoffset() == timedelta(hours=1)  # winter time in Lille
    assert other.vevent.uid.value == str(event["UID"])
    assert other.vevent.location.value == "5 rue Solférino, Lille"
    assert int(other.vevent.sequence.value) == 0 and other.vevent.status.value == "CONFIRMED"
    assert other.vevent.duration.value == timedelta(minutes=appointment.duration_minutes)


def test_the_uid_names_the_deployment_and_the_appointment(app, ctx) -> None:
    household = make_household()
    appointment = make_appointment(household, starts_at=STARTS)
    here = uid(appointment, "https://relogement.lillemetropole.fr")
    assert here.endswith("@relogement.lillemetropole.fr") and here.startswith(f"appointment-{appointment.id}-")
    assert uid(appointment, "https://guide.example.org/relogement") != here, "two deployments, two UIDs"
    # the same id after a database reset: another appointment, created at another time, another UID
    again = Appointment(id=appointment.id, created_at=appointment.created_at + timedelta(seconds=1))
    assert uid(again, "https://relogement.lillemetropole.fr") != here
    assert "guide-relogement" not in here


def test_each_change_raises_the_sequence_and_a_cancellation_says_so(client, app, ctx) -> None:
    household = make_household()
    staff = make_staff()
    appointment = make_appointment(household, starts_at=STARTS)
    first = vobject.readOne(_download(client, app, household, appointment).decode())

    moved = STARTS + timedelta(days=1)
    with app.app_context():
        assert household_file.update_appointment(household, staff, appointment.id, 1, {"starts_at": moved})
    second = vobject.readOne(_download(client, app, household, appointment).decode())
    assert second.vevent.uid.value == first.vevent.uid.value, "the same appointment keeps its UID"
    assert int(second.vevent.sequence.value) > int(first.vevent.sequence.value)
    assert second.vevent.dtstart.value.astimezone(UTC) == moved

    with app.app_context():
        version = db.session.get(Appointment, appointment.id).version
        assert household_file.update_appointment(household, staff, appointment.id, version,
                                                 {"status": AppointmentStatus.CANCELLED})
    third = Calendar.from_ical(_download(client, app, household, appointment)).walk("VEVENT")[0]
    assert str(third["STATUS"]) == "CANCELLED"
    assert int(third["SEQUENCE"]) > int(second.vevent.sequence.value)


def test_the_file_is_valid_without_a_place(app, ctx) -> None:
    appointment = make_appointment(make_household(), starts_at=STARTS, place=None)
    with app.app_context():
        data = calendar_file(db.session.get(Appointment, appointment.id), public_base_url="http://127.0.0.1:5000",
                             title="Rendez-vous", description="x")
    event = vobject.readOne(data.decode()).vevent
    assert not hasattr(event, "location") and event.summary.value == "Rendez-vous"
    assert data.count(b"BEGIN:VTIMEZONE") == 1 and b"\r\n" in data  # lines end in CRLF, as RFC 5545 says

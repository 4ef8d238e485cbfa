"""'Where I stand': the answer-by date, appointments (calendar file, confirm, ask a change), proposals, contacts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar
from sqlalchemy import select

from guide.core.extensions import db
from guide.features.signin import service as signin
from guide.models import Appointment, AppointmentStatus, Household, ProposalStatus, Role
from tests.conftest import csrf_token, get_page
from tests.factories import make_appointment, make_budget, make_household, make_proposal, make_staff, signed_in

TODAY = date(2026, 11, 22)  # a Sunday


@pytest.fixture()
def frozen_today(monkeypatch):
    monkeypatch.setattr("guide.features.standing.household.today", lambda: TODAY)
    monkeypatch.setattr("guide.features.household_file.page.today", lambda: TODAY)


def sign_in_as(client, app, household) -> None:
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id))
        db.session.commit()
    page = get_page(client, f"/k/{token}")
    assert client.post(f"/k/{token}", data={"csrf_token": csrf_token(page.soup)}).status_code == 303


def test_home_shows_the_answer_by_date_and_days_left(client, app, ctx, frozen_today) -> None:
    officer = make_staff(name="Nadia Benali", phone="+33320123456")
    household = make_household(stage="my-answer", officer_id=officer.id)
    make_proposal(household, rank=1, status=ProposalStatus.REFUSED, visit_on=date(2026, 10, 1))
    make_proposal(household, rank=2, status=ProposalStatus.VISITED, visit_on=date(2026, 11, 20))  # Friday
    sign_in_as(client, app, household)
    page = get_page(client, "/my")
    assert "lundi 30 novembre 2026" in page.text("#next")
    assert "Étape 6 sur 8" in page.text("#stage-title + p")
    assert "lundi 30 novembre 2026" in page.text("#link-proposals"), "no answer-by date on the link"
    assert "Nadia Benali" in page.text("#link-contacts"), "the contacts link does not name the officer"
    deadline = get_page(client, "/my/proposals").soup.select_one("#proposals [data-answer-by]")
    assert deadline["data-answer-by"] == "2026-11-30"
    assert "lundi 30 novembre 2026" in deadline.get_text() and "Il reste 8 jours" in deadline.get_text()
    call = get_page(client, "/my/contacts").soup.select_one("#contacts a[href='tel:+33320123456']")
    assert call is not None and "03 20 12 34 56" in call.get_text()


def test_home_starts_with_what_matters_now_and_reaches_the_rest_in_one_tap(client, app, ctx, frozen_today) -> None:
    """"Where I stand" shows the stage, the one thing to do and the next appointment; proposals, plan, requests,
    papers, contacts, data and the lost-phone button are each one link away, and each of those pages opens."""
    household = make_household(stage="my-answer", documents_updated_on=date(2026, 6, 1))
    appointment = make_appointment(household, place="5 rue Solférino, Lille")
    sign_in_as(client, app, household)
    page = get_page(client, "/my")
    assert [h.get_text(strip=True) for h in page.soup.select("main h2")] == [
        "Votre étape", "À faire maintenant", "Votre prochain rendez-vous", "Tout mon dossier"]
    links = [a["href"] for a in page.soup.select("#more a")]
    assert links == ["/my/proposals", "/my/plan", "/my/requests", "/my/papers", "/my/contacts", "/my/data",
                     "/my/lost-phone"], links
    assert "5 rue Solférino, Lille" in page.text("#appointment")
    assert page.soup.select_one(f"#appointment a[href='/my/appointments/{appointment.id}/change']") is not None
    assert "Pas encore de proposition." in page.text("#link-proposals")
    assert "1 décembre 2026" in page.text("#link-papers"), "the papers link does not say when to update them"
    for href in links:
        sub = get_page(client, href)
        assert sub.soup.select_one("main h1") is not None, f"{href} has no heading"
    assert "1 décembre 2026" in get_page(client, "/my/papers").text("#documents")
    assert get_page(client, "/my/lost-phone").soup.select_one("form button[name=everywhere]") is not None


def test_two_refusals_announce_the_mediation_and_the_binding_third(client, app, ctx, frozen_today) -> None:
    household = make_household(stage="my-answer")
    make_proposal(household, rank=1, status=ProposalStatus.REFUSED, visit_on=date(2026, 9, 1))
    make_proposal(household, rank=2, status=ProposalStatus.REFUSED, visit_on=date(2026, 10, 1))
    sign_in_as(client, app, household)
    text = get_page(client, "/my/proposals").text("#proposals")
    assert "médiation" in text and "troisième proposition est la dernière" in text


def test_overdue_answer_is_said_plainly(client, app, ctx, frozen_today) -> None:
    household = make_household()
    make_proposal(household, rank=1, status=ProposalStatus.VISITED, visit_on=date(2026, 11, 1))
    sign_in_as(client, app, household)
    assert "La date pour répondre était le" in get_page(client, "/my/proposals").text("#proposals")


def test_home_in_arabic_is_mirrored_and_keeps_the_date(client, app, ctx, frozen_today) -> None:
    household = make_household(language="ar")
    make_proposal(household, rank=1, status=ProposalStatus.VISITED, visit_on=date(2026, 11, 20))
    sign_in_as(client, app, household)
    page = get_page(client, "/my/proposals", "ar")
    assert page.soup.select_one("[data-answer-by]")["data-answer-by"] == "2026-11-30"
    assert "2026" in page.text("[data-answer-by]")


def test_calendar_file_for_the_next_appointment(client, app, ctx) -> None:
    household = make_household()
    starts = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    appointment = make_appointment(household, starts_at=starts, place="5 rue Solférino, Lille")
    sign_in_as(client, app, household)
    response = client.get(f"/my/appointments/{appointment.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts and str(event["location"]) == "5 rue Solférino, Lille"


def test_confirm_and_ask_to_change_an_appointment(client, app, ctx) -> None:
    household = make_household()
    appointment = make_appointment(household)
    sign_in_as(client, app, household)
    page = get_page(client, "/my")
    form = page.soup.select_one(f"form[action='/my/appointments/{appointment.id}/confirm']")
    assert client.post(form["action"], data={"csrf_token": csrf_token(form)}).status_code == 303
    change = get_page(client, f"/my/appointments/{appointment.id}/change")
    client.post(f"/my/appointments/{appointment.id}/change",
                data={"csrf_token": csrf_token(change.soup), "note": "Pas le mardi. أنا أعمل"})
    with app.app_context():
        stored = db.session.get(Appointment, appointment.id)
        assert stored.status == AppointmentStatus.CHANGE_ASKED and stored.change_note == "Pas le mardi. أنا أعمل"


def test_a_too_long_change_note_is_refused_with_a_message(client, app, ctx) -> None:
    household = make_household()
    appointment = make_appointment(household)
    sign_in_as(client, app, household)
    page = get_page(client, f"/my/appointments/{appointment.id}/change")
    response = client.post(f"/my/appointments/{appointment.id}/change",
                           data={"csrf_token": csrf_token(page.soup), "note": "x" * 1001})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.PLANNED


# --- access matrix: every household route tried with another household's identifiers ----------

def test_another_households_records_are_not_found(client, app, ctx) -> None:
    mine, theirs = make_household(), make_household()
    their_appointment = make_appointment(theirs)
    their_proposal = make_proposal(theirs)
    sign_in_as(client, app, mine)
    token = csrf_token(get_page(client, "/my").soup)
    gets = [f"/my/appointments/{their_appointment.id}.ics", f"/my/appointments/{their_appointment.id}/change",
            f"/my/proposals/{their_proposal.id}"]
    posts = [f"/my/appointments/{their_appointment.id}/confirm", f"/my/appointments/{their_appointment.id}/change"]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, data={"csrf_token": token, "note": "x"}).status_code == 404, url
    with app.app_context():
        assert db.session.get(Appointment, their_appointment.id).status == AppointmentStatus.PLANNED


def test_staff_session_does_not_open_a_household_space(client, app, ctx) -> None:
    staff = make_staff(role=Role.ADMIN)
    signed_in(client, staff_id=staff.id)
    assert client.get("/my").status_code == 302


def test_upcoming_appointment_only(client, app, ctx) -> None:
    household = make_household()
    make_appointment(household, starts_at=datetime.now(UTC) - timedelta(days=1), kind="home_interview")
    upcoming = make_appointment(household, starts_at=datetime.now(UTC) + timedelta(days=5), kind="flat_visit")
    sign_in_as(client, app, household)
    page = get_page(client, "/my")
    assert page.soup.select_one(f"#appointment a[href='/my/appointments/{upcoming.id}.ics']")
    with app.app_context():
        assert len(db.session.scalars(select(Appointment)).all()) == 2


def test_proposal_page_says_whether_it_is_affordable(client, app, ctx) -> None:
    household = make_household(occupants=2)
    make_budget(household, monthly_resources=Decimal("1500"), rent=Decimal("400"), charges=Decimal("90"),
                housing_benefit=Decimal("150"), expenses={"electricity": "50", "phone": "30"})
    proposal = make_proposal(household, rent=Decimal("650"), charges=Decimal("150"), housing_benefit=Decimal("100"))
    sign_in_as(client, app, household)
    page = get_page(client, f"/my/proposals/{proposal.id}")
    money = page.soup.select_one("#money")
    # before: RAC 400+90-150 = 340; TE 340/1500 = 22.67 %; RAV (1500-340-80)/(2*30) = 18.00
    # after:  RAC 650+150-100 = 700; TE 46.67 %; RAV (1500-700-80)/60 = 12.00 → effort-rate alert
    assert money.select_one("[data-reste-a-charge-avant]")["data-reste-a-charge-avant"] == "340.00"
    assert money.select_one("[data-reste-a-charge-apres]")["data-reste-a-charge-apres"] == "700.00"
    assert money.select_one("[data-taux-effort-apres]")["data-taux-effort-apres"] == "46.67"
    assert money.select_one("[data-reste-a-vivre-apres]")["data-reste-a-vivre-apres"] == "12.00"
    assert money.select_one("[data-verdict]")["data-verdict"] == "watch"


def test_proposal_page_without_budget_points_to_the_simulator(client, app, ctx) -> None:
    household = make_household()
    proposal = make_proposal(household)
    sign_in_as(client, app, household)
    page = get_page(client, f"/my/proposals/{proposal.id}")
    assert page.soup.select_one("#money a[href='/simulator']") and not page.soup.select_one("#money [data-verdict]")


@pytest.mark.parametrize(("lang", "joined", "latin", "time"), [("ar", "، على الساعة ", ", ", "2:30"),
                                                               ("fr", ", à ", "،", "14:30")])
def test_the_appointments_date_and_time_are_joined_in_the_readers_language(client, app, ctx, lang: str, joined: str,
                                                                          latin: str, time: str) -> None:
    household = make_household(stage="my-answer", language=lang)
    make_appointment(household, starts_at=datetime(2030, 1, 15, 13, 30, tzinfo=UTC))  # 14:30 in Paris
    sign_in_as(client, app, household)
    when = get_page(client, "/my", lang).soup.select_one("#appointment p strong").get_text()
    assert joined in when and latin not in when, f"date and time joined the wrong way in {lang}: {when!r}"
    assert when.endswith(time) or when.split(joined)[1].startswith(time), f"no time after the date: {when!r}"

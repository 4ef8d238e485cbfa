"""Staff back office: login with lockout, caseload limited to one's households, recording facts, access log."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from guide.core import audit
from guide.core.extensions import db
from guide.models import Appointment, AuditEntry, ContactNote, Proposal, Role, StaffUser
from tests.conftest import csrf_token, get_page
from tests.factories import PASSWORD, make_household, make_proposal, make_staff, signed_in

TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("guide.features.household_file.page.today", lambda: TODAY)


def log_in(client, staff, password: str = PASSWORD):
    page = get_page(client, "/staff/login")
    return client.post("/staff/login", data={"csrf_token": csrf_token(page.soup), "email": staff.email,
                                              "password": password})


def test_login_then_caseload(client, ctx) -> None:
    officer = make_staff()
    response = log_in(client, officer)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    assert get_page(client, "/staff/").text("h1") == "Mes ménages"


def test_wrong_password_is_generic_and_five_lock_the_account(client, app, ctx) -> None:
    officer = make_staff()
    for _ in range(5):
        response = log_in(client, officer, "wrong password")
        assert response.status_code == 422
    assert "Adresse ou mot de passe incorrect" in response.get_data(as_text=True)
    locked = log_in(client, officer)  # the right password, but the account is locked
    assert locked.status_code == 422
    with app.app_context():
        assert db.session.get(StaffUser, officer.id).locked_until is not None


def test_unknown_email_gets_the_same_answer(client, ctx) -> None:
    officer = make_staff()
    known = log_in(client, officer, "wrong password")
    unknown = log_in(client, type("Nobody", (), {"email": "nobody@example.org"}), "wrong password")
    assert known.status_code == unknown.status_code == 422


def test_login_is_rate_limited_per_address(client, ctx) -> None:
    officer = make_staff()
    statuses = [log_in(client, officer, "wrong").status_code for _ in range(11)]
    assert statuses[-1] == 429


def test_officer_sees_only_own_households(client, ctx) -> None:
    me, colleague = make_staff(), make_staff()
    mine = make_household(officer_id=me.id, display_name="Famille Mienne")
    theirs = make_household(officer_id=colleague.id, display_name="Famille Autre")
    log_in(client, me)
    page = get_page(client, "/staff/")
    names = [a.get_text() for a in page.soup.select("tbody a")]
    assert names == ["Famille Mienne"]
    assert client.get(f"/staff/households/{mine.id}").status_code == 200
    assert client.get(f"/staff/households/{theirs.id}").status_code == 404


def test_admin_sees_every_household(client, ctx) -> None:
    admin = make_staff(role=Role.ADMIN)
    make_household(display_name="A"), make_household(display_name="B")
    log_in(client, admin)
    assert len(get_page(client, "/staff/").soup.select("tbody tr[data-household]")) == 2


def test_mediator_sees_households_where_they_are_the_mediator(client, ctx) -> None:
    mediator = make_staff(role=Role.MEDIATOR)
    household = make_household(mediator_id=mediator.id)
    other = make_household()
    log_in(client, mediator)
    assert client.get(f"/staff/households/{household.id}").status_code == 200
    assert client.get(f"/staff/households/{other.id}").status_code == 404


def test_every_staff_route_refuses_another_officers_household(client, app, ctx) -> None:
    me, colleague = make_staff(), make_staff()
    theirs = make_household(officer_id=colleague.id)
    log_in(client, me)
    token = csrf_token(get_page(client, "/staff/").soup)
    for suffix in ("proposals", "appointments", "notes"):
        response = client.post(f"/staff/households/{theirs.id}/{suffix}", data={"csrf_token": token})
        assert response.status_code == 404, suffix
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_staff_pages_need_a_login(client, ctx) -> None:
    household = make_household()
    for url in ("/staff/", f"/staff/households/{household.id}"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_household_session_does_not_open_staff_pages(client, ctx) -> None:
    household = make_household()
    signed_in(client, household_id=household.id)
    assert client.get(f"/staff/households/{household.id}").status_code == 302


def test_reading_a_file_is_logged(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    client.get(f"/staff/households/{household.id}")
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).one()
        # the log names the household only by the keyed pseudonym of its reference, never by its id
        assert (entry.actor_id, entry.household_key) == (officer.id, audit.household_pseudonym(household.reference))


PREFIXES = {"proposals": "new-proposal", "appointments": "new-appointment", "notes": "note", "facts": "facts",
            "budget": "budget", "consents": "consent", "phones": "phone"}


def _post_form(client, household_id: int, suffix: str, prefix: str | None = None, **fields):
    page = get_page(client, f"/staff/households/{household_id}")
    prefix = prefix or PREFIXES.get(suffix.split("/")[0], "")
    data = {f"{prefix}-{k}" if prefix else k: v for k, v in fields.items()}
    return client.post(f"/staff/households/{household_id}/{suffix}",
                       data={"csrf_token": csrf_token(page.soup), **data})


PROPOSAL = {"rank": "1", "address": "3 rue Nationale", "commune": "Lille", "flat_type": "T3", "surface": "64",
            "floor": "2", "rent": "430.50", "charges": "95", "housing_benefit": "120", "landlord": "LMH",
            "received_on": "2026-11-10", "visit_on": "2026-11-20"}


def test_record_a_proposal_and_the_household_sees_its_date(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    assert _post_form(client, household.id, "proposals", **PROPOSAL).status_code == 303
    with app.app_context():
        proposal = db.session.scalars(select(Proposal)).one()
        assert (proposal.rank, str(proposal.rent), proposal.visit_on) == (1, "430.50", date(2026, 11, 20))
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "proposal")).one()


def test_bad_proposal_input_is_explained_and_nothing_saved(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    response = _post_form(client, household.id, "proposals", **{**PROPOSAL, "rent": "beaucoup", "visit_on": "31/02"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body and "3 rue Nationale" in body  # the other values are kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_fourth_proposal_or_a_duplicate_rank_is_refused(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    make_proposal(household, rank=1)
    log_in(client, officer)
    assert _post_form(client, household.id, "proposals", **PROPOSAL).status_code == 422
    assert _post_form(client, household.id, "proposals", **{**PROPOSAL, "rank": "4"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def test_record_an_appointment_in_paris_time_and_a_contact(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    response = _post_form(client, household.id, "appointments", kind="flat_visit", starts_at="2026-12-03T10:30",
                          place="Mairie", with_whom="Nadia")
    assert response.status_code == 303
    assert _post_form(client, household.id, "notes", on="2026-11-21", channel="phone", text="Appel").status_code == 303
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        starts = appointment.starts_at if appointment.starts_at.tzinfo else appointment.starts_at.replace(tzinfo=UTC)
        assert starts == datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # 10:30 in Paris in winter
        assert db.session.scalars(select(ContactNote)).one().text == "Appel"


def test_caseload_shows_charter_alerts(client, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id, last_contact_on=date(2026, 6, 1))
    make_proposal(household, rank=1, visit_on=date(2026, 11, 10), status="visited")
    log_in(client, officer)
    page = get_page(client, "/staff/")
    codes = {tag["data-alert"] for tag in page.soup.select("[data-alert]")}
    assert {"no_contact", "answer_overdue"} <= codes

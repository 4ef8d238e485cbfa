"""Signing out ends the session: session records on the server (guide/core/sessions.py).

A copy of the cookie taken before a sign-out opens nothing afterwards; "sign out everywhere" ends the other devices'
sessions; an administrator ends a staff member's sessions; staff sessions have an idle limit and a maximum age; a
session that ends in the middle of a form leads to the sign-in page (no 500, no lost CSRF token)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from guide.core import sessions
from guide.core.extensions import db
from guide.core.timeutil import as_utc
from guide.features.privacy import retention
from guide.features.privacy import service as privacy
from guide.models import AuditEntry, ContactNote, Household, Role, StaffUser, UserSession
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.conftest import csrf_token, get_page
from tests.factories import PASSWORD, make_appointment, make_household, make_staff, signed_in


def _sign_in_household(client, app, household) -> None:
    """Through a personal link, as a household does."""
    sign_in_as(client, app, household)


def _log_in(client, staff) -> None:
    response = log_in(client, staff)
    assert response.status_code == 303, f"login failed: {response.status_code}"


def _copy(app, client):
    """Another browser holding a copy of this one's session cookie (a shared phone, a stolen cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _press(client, url: str, selector: str):
    """Press the button `selector` on the page at `url` (its form's action, its token, its name and value)."""
    page = get_page(client, url)
    button = page.soup.select_one(selector)
    assert button is not None, f"no button {selector!r} on {url}"
    form = button.find_parent("form")
    data = {"csrf_token": csrf_token(form)}
    if button.get("name"):
        data[button["name"]] = button["value"]
    return client.post(form["action"], data=data)


def _open_sessions(app, **owner: int) -> int:
    with app.app_context():
        column = UserSession.household_id if "household_id" in owner else UserSession.staff_id
        return db.session.scalar(select(func.count()).select_from(UserSession).where(
            column == next(iter(owner.values())), UserSession.ended_at.is_(None)))


# --- a copied cookie after signing out ------------------------------------------------------------------------

def test_a_copied_household_cookie_opens_nothing_after_not_my_phone(client, app, ctx) -> None:
    _sign_in_household(client, app, make_household(display_name="Famille Copiée"))
    copy = _copy(app, client)
    assert copy.get("/my").status_code == 200  # a copy works while the session is open...
    response = _press(client, "/my", ".session-bar button:not([name])")
    assert response.headers["Location"] == "/signed-out"
    replay = copy.get("/my")
    assert replay.status_code == 302, "the copied cookie still opens the household space after 'not my phone'"
    assert replay.headers["Location"].startswith("/sign-in?next=/my")
    assert "Famille Copiée" not in replay.get_data(as_text=True)


def test_a_copied_staff_cookie_opens_nothing_after_logout(client, app, ctx) -> None:
    officer = make_staff()
    _log_in(client, officer)
    copy = _copy(app, client)
    assert copy.get("/staff/").status_code == 200
    response = _press(client, "/staff/", ".session-bar button:not([name])")
    assert response.headers["Location"] == "/staff/login"
    replay = copy.get("/staff/")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/staff/login"), \
        "the copied cookie still opens the back office after logout"


def test_a_cookie_without_a_session_record_opens_nothing(client, app, ctx) -> None:
    """What sessions looked like before session records: an account id and recent timestamps, signed. Forged with
    the app's key, or kept from before the upgrade, it no longer signs anyone in (however recently used)."""
    staff, household = make_staff(role=Role.ADMIN), make_household()
    now = int(datetime.now(UTC).timestamp())
    for key, value, url, login in (("staff_id", staff.id, "/staff/", "/staff/login"),
                                   ("household_id", household.id, "/my", "/sign-in")):
        fresh = app.test_client()
        with fresh.session_transaction() as session:
            session[key] = value
            session["signed_in_at"] = now - 30 * 24 * 3600
            session["seen_at"] = now
        response = fresh.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith(login), \
            f"{url} opened with a cookie naming no session record"


# --- sign out everywhere ----------------------------------------------------------------------------------------

def test_household_sign_out_everywhere_ends_the_other_phones_session(app, ctx) -> None:
    household = make_household()
    lost, borrowed = app.test_client(), app.test_client()
    _sign_in_household(lost, app, household)
    _sign_in_household(borrowed, app, household)
    other = app.test_client()
    _sign_in_household(other, app, make_household())
    assert _open_sessions(app, household_id=household.id) == 2
    response = _press(borrowed, "/my/lost-phone", "button[name=everywhere]")
    assert response.status_code == 303 and response.headers["Location"] == "/signed-out?everywhere=1"
    page = get_page(borrowed, response.headers["Location"])
    assert "fermé sur tous les téléphones" in page.text("main")
    gone = lost.get("/my/move")
    assert gone.status_code == 302, "the lost phone is still signed in after 'everywhere'"
    assert gone.headers["Location"] == "/sign-in?next=/my/move&expired=ended"
    assert borrowed.get("/my").status_code == 302
    notice = get_page(lost, "/sign-in?next=/my&expired=ended")
    assert "fermé sur ce téléphone" in notice.text("main")
    assert other.get("/my").status_code == 200, "another household was signed out too"
    with app.app_context():
        assert "sign_out_everywhere" in db.session.scalars(select(AuditEntry.action)).all()


def test_staff_sign_out_everywhere_ends_the_other_computers_session(app, ctx) -> None:
    officer, colleague = make_staff(), make_staff()
    office, home = app.test_client(), app.test_client()
    _log_in(office, officer)
    _log_in(home, officer)
    beside = app.test_client()
    _log_in(beside, colleague)
    response = _press(home, "/staff/", ".session-bar button[name=everywhere]")
    assert response.headers["Location"] == "/staff/login?signed_out=everywhere"
    assert "déconnecté sur tous vos appareils" in get_page(home, response.headers["Location"]).text("main")
    gone = office.get("/staff/")
    assert gone.status_code == 302 and gone.headers["Location"] == "/staff/login?next=/staff/&expired=ended", \
        "the other computer is still signed in after 'everywhere'"
    assert "session a été fermée" in get_page(office, gone.headers["Location"]).text("main")
    assert beside.get("/staff/").status_code == 200, "a colleague was signed out too"


# --- an administrator ends a staff member's sessions ------------------------------------------------------------

def test_an_admin_ends_a_staff_members_sessions(app, ctx) -> None:
    admin, officer, colleague = make_staff(role=Role.ADMIN), make_staff(name="Agent Parti"), make_staff()
    admin_client, laptop, phone, beside = (app.test_client() for _n in range(4))
    _log_in(admin_client, admin)
    _log_in(laptop, officer)
    _log_in(phone, officer)
    _log_in(beside, colleague)
    page = get_page(admin_client, "/staff/accounts")
    assert page.text(f"tr[data-staff='{officer.id}'] [data-open-sessions]") == "2"
    response = _press(admin_client, "/staff/accounts", f"tr[data-staff='{officer.id}'] button")
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/accounts?ended={officer.id}"
    after = get_page(admin_client, response.headers["Location"])
    assert "Les sessions de Agent Parti sont fermées" in after.text("main")
    assert after.text(f"tr[data-staff='{officer.id}'] [data-open-sessions]") == "0"
    for device in (laptop, phone):
        assert device.get("/staff/").status_code == 302, "the staff member is still signed in"
    assert beside.get("/staff/").status_code == 200 and admin_client.get("/staff/").status_code == 200
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "end_staff_sessions")).one()
        assert entry.actor_id == admin.id and entry.detail == {"sessions": 2}


def test_only_admins_see_the_accounts_page_and_its_link(client, app, ctx) -> None:
    officer = make_staff()
    signed_in(client, staff_id=officer.id)
    assert client.get("/staff/accounts").status_code == 403
    assert get_page(client, "/staff/").soup.select_one("a[href='/staff/accounts']") is None
    admin = app.test_client()
    signed_in(admin, staff_id=make_staff(role=Role.ADMIN).id)
    assert get_page(admin, "/staff/").soup.select_one("a[href='/staff/accounts']") is not None


# --- staff: idle limit and maximum age ---------------------------------------------------------------------------

def test_a_staff_session_ends_after_an_hour_idle(client, app, ctx) -> None:
    idle = app.config["STAFF_IDLE_MINUTES"]
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        _log_in(client, make_staff())
        clock.shift(timedelta(minutes=idle - 1))
        assert client.get("/staff/").status_code == 200, "ended before the idle limit"
        clock.shift(timedelta(minutes=idle, seconds=1))
        response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login?next=/staff/&expired=1"


def test_a_staff_session_in_use_ends_after_twelve_hours(client, app, ctx) -> None:
    assert app.config["STAFF_MAX_HOURS"] == 12
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        _log_in(client, make_staff())
        for step in range(1, 12 * 2):  # a page every 30 minutes, never idle
            clock.shift(timedelta(minutes=30))
            assert client.get("/staff/").status_code == 200, f"ended after {step * 30} minutes of use"
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/staff/")
        assert response.status_code == 302 and "expired=1" in response.headers["Location"], \
            "a staff session was still accepted 12 hours after the login"
        assert "session a expiré" in get_page(client, response.headers["Location"]).text("main")
        _log_in(client, make_staff())  # a new login starts a new session
        assert client.get("/staff/").status_code == 200


def test_activity_is_written_at_most_once_a_minute(client, app, ctx) -> None:
    household = make_household()
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), tick=False) as clock:
        _sign_in_household(client, app, household)
        started = datetime.now(UTC)
        with app.app_context():
            row = db.session.scalars(select(UserSession)).one()
            assert as_utc(row.last_seen_at) == started
        clock.shift(timedelta(seconds=50))
        client.get("/my")
        with app.app_context():
            assert as_utc(db.session.scalars(select(UserSession)).one().last_seen_at) == started, \
                "activity written again within the minute"
        clock.shift(timedelta(seconds=20))
        client.get("/my")
        with app.app_context():
            seen = as_utc(db.session.scalars(select(UserSession)).one().last_seen_at)
        assert seen == started + timedelta(seconds=70), "activity after a minute was not noted"


def test_a_household_check_stays_out_of_the_transaction_and_a_staff_check_brings_the_account(app, ctx,
                                                                                            statements) -> None:
    """A household's session check runs alone, in autocommit (core/sessions.find): it does not begin the request's
    transaction, so a page given from memory sends nothing else (no BEGIN, no COMMIT). A staff check loads the staff
    row with the session's: the staff page that shows who is signed in reads it without a second statement."""
    household, staff = make_household(), make_staff()
    with app.test_request_context():
        household_token = sessions.start(household_id=household.id)
        staff_token = sessions.start(staff_id=staff.id)
        db.session.commit()
    with app.test_request_context():
        statements.seen.clear()
        found = sessions.find(household_token)
        assert found is not None and found.open and found.household_id == household.id
        assert found.revision == db.session.get(Household, household.id).revision
        assert len(statements.seen) == 2, statements.seen  # the check, then the get just above
        db.session.rollback()
        found = sessions.find(household_token)
        assert not db.session().in_transaction(), "the household's check began the request's transaction"
        found = sessions.find(staff_token, staff=True)
        assert found is not None and found.open and found.staff_id == staff.id and found.staff is not None
        statements.seen.clear()
        assert db.session.get(StaffUser, staff.id) is found.staff
        assert statements.seen == [], f"the staff row was read again: {statements.seen}"


# --- a session that ends in the middle of a form -------------------------------------------------------------------

def test_a_household_form_sent_after_the_session_ended_leads_to_sign_in(app, ctx) -> None:
    household = make_household(phone="+33612340077")
    appointment = make_appointment(household)
    phone, other = app.test_client(), app.test_client()
    _sign_in_household(phone, app, household)
    _sign_in_household(other, app, household)
    url = f"/my/appointments/{appointment.id}/change"
    form = get_page(phone, url).soup.select_one("main form")
    token = csrf_token(form)
    _press(other, "/my/lost-phone", "button[name=everywhere]")
    response = phone.post(form["action"], data={"csrf_token": token, "note": "Pas le mardi"})
    assert response.status_code in (302, 303), f"a form sent after the session ended gave {response.status_code}"
    assert response.headers["Location"].startswith(f"/sign-in?next={url}") and "expired=ended" in \
        response.headers["Location"]
    with app.app_context():
        assert "Pas le mardi" not in (db.session.get(type(appointment), appointment.id).change_note or "")
    # the CSRF token is kept: the sign-in form of the page it lands on still posts
    assert get_page(phone, response.headers["Location"]).soup.select_one("main form") is not None
    asked = phone.post("/sign-in", data={"csrf_token": token, "phone": "0612340077"})
    assert asked.status_code == 303 and asked.headers["Location"] == "/sign-in/code", \
        f"the form's CSRF token was lost with the session: {asked.status_code}"


def test_a_staff_form_sent_after_an_admin_ended_the_session_leads_to_login(app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    desk = app.test_client()
    _log_in(desk, officer)
    page = get_page(desk, f"/staff/households/{household.id}")
    token = csrf_token(page.soup)
    with app.test_request_context():
        sessions.end_all(staff_id=officer.id)
        db.session.commit()
    response = desk.post(f"/staff/households/{household.id}/notes",
                         data={"csrf_token": token, "note-on": "2026-12-01", "note-channel": "phone",
                               "note-text": "Appel du lundi"})
    assert response.status_code == 302, f"a form sent after the session ended gave {response.status_code}"
    assert response.headers["Location"].startswith("/staff/login?next=") and "expired=ended" in \
        response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContactNote)) == 0, "a note was saved"
    assert "session a été fermée" in get_page(desk, response.headers["Location"]).text("main")
    again = desk.post(f"/staff/login?next=/staff/households/{household.id}",
                      data={"csrf_token": token, "email": officer.email, "password": PASSWORD})
    assert again.status_code == 303 and again.headers["Location"] == f"/staff/households/{household.id}", \
        f"the form's CSRF token was lost with the session: {again.status_code}"


# --- what is kept, and for how long ------------------------------------------------------------------------------

def test_retention_deletes_sessions_that_can_no_longer_be_used(client, app, ctx) -> None:
    staff, household = make_staff(), make_household()
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with time_machine.travel(now - timedelta(hours=13), tick=False):
        signed_in(app.test_client(), staff_id=staff.id)  # too old by now, though never ended
    with time_machine.travel(now - timedelta(minutes=20), tick=False):
        signed_in(app.test_client(), household_id=household.id)  # idle for 20 minutes
    with time_machine.travel(now - timedelta(minutes=5), tick=False):
        ended = app.test_client()
        signed_in(ended, household_id=household.id)
        _press(ended, "/my", ".session-bar button:not([name])")
        signed_in(app.test_client(), household_id=household.id)  # open
        signed_in(app.test_client(), staff_id=staff.id)  # open
    with app.app_context():
        assert retention.run_retention(now, dry_run=True).sessions == 3
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 5  # a dry run deletes nothing
        assert retention.run_retention(now).sessions == 3
        kept = db.session.scalars(select(UserSession)).all()
        assert len(kept) == 2 and all(row.ended_at is None for row in kept)


def test_erasing_a_household_deletes_its_sessions_and_signs_it_out(client, app, ctx) -> None:
    household = make_household()
    _sign_in_household(client, app, household)
    with app.test_request_context():
        data = privacy.export_household(db.session.get(Household, household.id))
        assert len(data["sessions"]) == 1 and set(data["sessions"][0]) == {"created_at", "last_seen_at", "ended_at"}
        privacy.erase_household(db.session.get(Household, household.id), "system", None)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    response = client.get("/my")
    assert response.status_code == 302
    assert BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").select_one(".session-bar") is None

"""The household's revision (migration 0016) and the pages kept by it (guide/core/personal_pages.py).

The database raises a household's revision with every change to what its pages show, whoever makes it; "Where I
stand" is kept in memory per revision and given again only while nothing it shows may have changed. A table of
the household's file that a trigger forgot would leave a stale page: the first test finds every such table from
the models (a new table is checked without being listed here).
"""

from __future__ import annotations

import gzip
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import brotli
import pytest
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Table, select, text

from guide.core.extensions import db
from guide.models import Appointment, Operation, Role, StaffUser, WrittenRequest
from tests.conftest import Statements, csrf_token, get_page
from tests.factories import (
    make_appointment,
    make_full_file,
    make_household,
    make_proposal,
    make_staff,
    signed_in,
)

# Tables naming a household whose rows no household page shows, or that change on every request: they must not
# raise the revision (a page kept in memory would be drawn again for nothing).
NOT_COUNTED = {
    "user_session": "the signed-in sessions: touched once a minute by every signed-in request",
    "sign_in_code": "sign-in codes, before anyone is signed in",
    "sign_in_link": "personal links, before anyone is signed in",
    "sms_message": "the SMS outbox: written and settled by the dispatcher all day",
    "sms_inbound": "SMS received: staff's inbox",
    "contact_note": "staff's own notes",
    "letter_pdf": "a letter's PDF, stored once from the request (which counts)",
}


def _file_tables() -> list[Table]:
    """Every table whose rows belong to one household: a household_id column, or a written request's request_id."""
    return [table for table in db.metadata.sorted_tables
            if "household_id" in table.c or any(fk.column.table.name == "written_request"
                                                for fk in table.foreign_keys if fk.parent.name == "request_id")]


def _revision(connection: Connection, household_id: int) -> int:
    return int(connection.execute(text("SELECT revision FROM household WHERE id = :id"), {"id": household_id})
               .scalar_one())


def _rows(connection: Connection, table: Table, household_id: int) -> list[dict[str, Any]]:
    if "household_id" in table.c:
        where = table.c.household_id == household_id
    else:
        where = table.c.request_id.in_(text(f"SELECT id FROM written_request WHERE household_id = {household_id}"))
    return [dict(row) for row in connection.execute(select(table).where(where)).mappings()]


@pytest.fixture()
def two_files(app: Flask, ctx: None) -> tuple[int, int]:
    with app.app_context():
        officer = StaffUser(email="o@example.org", name="Nadia", role=Role.OFFICER, password_hash="x")
        mediator = StaffUser(email="m@example.org", name="Karim", role=Role.MEDIATOR, password_hash="x")
        operation = Operation(name="Résidence", commune="Lille", landlord="Bailleur")
        db.session.add_all([officer, mediator, operation])
        db.session.flush()
        first = make_full_file(1, officer.id, mediator.id, operation.id)
        second = make_full_file(2, officer.id, mediator.id, operation.id)
        db.session.commit()
        return first.id, second.id


def test_every_change_to_a_household_file_raises_its_revision_and_no_other(app: Flask, two_files) -> None:
    """For each table of the file: an UPDATE of one row, the DELETE of the household's rows, then their INSERT
    back, each raise the household's revision; the other household's stays as it was."""
    household_id, other_id = two_files
    tables = _file_tables()
    counted = [table for table in tables if table.name not in NOT_COUNTED]
    assert {t.name for t in tables} - {t.name for t in counted} == set(NOT_COUNTED), \
        "NOT_COUNTED names a table that is no longer part of the file"
    missed: list[str] = []
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        other_before = _revision(connection, other_id)

        def check(what: str, change: Any) -> None:
            before = _revision(connection, household_id)
            change()
            if _revision(connection, household_id) <= before:
                missed.append(what)

        saved: dict[str, list[dict[str, Any]]] = {}
        for table in counted:
            rows = _rows(connection, table, household_id)
            assert rows, f"the test's file has no {table.name} row: add one to tests/factories.make_full_file"
            saved[table.name] = rows
            key = "household_id" if "household_id" in table.c else "request_id"
            check(f"{table.name}: UPDATE", lambda t=table, k=key, r=rows[0]: connection.execute(
                t.update().where(t.c.id == r["id"]).values({k: r[k]})))
        for table in reversed(counted):  # children first: the foreign keys hold
            check(f"{table.name}: DELETE", lambda t=table: connection.execute(t.delete().where(
                t.c.id.in_([row["id"] for row in saved[t.name]]))))
        for table in counted:
            check(f"{table.name}: INSERT", lambda t=table: connection.execute(t.insert(), saved[t.name]))
        check("household: UPDATE", lambda: connection.execute(
            text("UPDATE household SET display_name = 'Famille Nouveau' WHERE id = :id"), {"id": household_id}))
        check("staff_user (officer's name): UPDATE", lambda: connection.execute(
            text("UPDATE staff_user SET name = 'Nadia B.' WHERE email = 'o@example.org'")))
        check("staff_user (mediator's phone): UPDATE", lambda: connection.execute(
            text("UPDATE staff_user SET phone = '+33320000000' WHERE email = 'm@example.org'")))
        check("operation: UPDATE", lambda: connection.execute(text("UPDATE operation SET landlord = 'LMH'")))
        other_after = _revision(connection, other_id)
        before = _revision(connection, household_id)
        connection.execute(text("UPDATE user_session SET last_seen_at = last_seen_at"))
        connection.execute(text("UPDATE staff_user SET failed_logins = failed_logins + 1, locked_until = NULL"))
        connection.execute(text("UPDATE sms_message SET status = 'delivered'"))
        unchanged = _revision(connection, household_id)
        transaction.rollback()
    assert missed == [], f"these changes left the revision as it was (a kept page would stay stale): {missed}"
    assert unchanged == before, "a session's activity, a staff login or an SMS status raised the revision"
    # the other household shares the officer, mediator and operation: only those three changes count for it
    assert other_after == other_before + 3, \
        f"the other household's revision went from {other_before} to {other_after} (expected +3: staff ×2, operation)"


# --- "Where I stand" kept in memory -----------------------------------------------------------------------------

def _page_drawn(statements: Statements) -> bool:
    """Whether the page's lists were read (the page drawn, not given from memory)."""
    return any("FROM proposal" in statement for statement in statements.seen)


def _text(client: FlaskClient, selector: str) -> str:
    """The text of a part of /my, asked as a phone asks it (no query string: the kept page may be given)."""
    answer = client.get("/my")
    assert answer.status_code == 200, f"/my gave {answer.status_code}"
    found = BeautifulSoup(answer.get_data(as_text=True), "html.parser").select_one(selector)
    assert found is not None, f"/my has no {selector}"
    return " ".join(found.get_text(" ").split())


def _without_form_tokens(page: bytes) -> bytes:
    """The page without its forms' CSRF tokens: Flask-WTF signs the session's token with the time of each drawing,
    so two drawings a second apart differ there (a kept page's token, a few minutes old, is still accepted)."""
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token" value=""', page)


def _settled(client: FlaskClient) -> bytes:
    """/my until the session's cookie no longer changes (the first view adds the CSRF token to it)."""
    client.get("/my")
    return client.get("/my").data


def test_a_kept_page_carries_the_headers_of_the_drawn_one(app: Flask, client: FlaskClient, ctx: None,
                                                          statements: Statements, monkeypatch) -> None:
    """Given from memory, outside Flask, the page keeps every header Flask set on it (security headers, caching,
    Vary, encoding): the server adds its own date."""
    household = make_household()
    signed_in(client, household_id=household.id, app=app)
    _settled(client)
    client.get("/my", headers={"Accept-Encoding": "gzip"})  # kept per encoding: drawn once in gzip
    statements.seen.clear()
    given = client.get("/my", headers={"Accept-Encoding": "gzip"})
    assert len(statements.seen) == 1, "the page was drawn, not given from memory"
    monkeypatch.setitem(app.config, "PERSONAL_PAGE_CACHE", False)
    drawn = client.get("/my", headers={"Accept-Encoding": "gzip"})
    assert len(statements.seen) > 2, "the page was not drawn with the kept pages off"

    def headers(answer: Any) -> dict[str, str]:
        assert int(answer.headers["Content-Length"]) == len(answer.data)
        return {name: value for name, value in answer.headers.items()
                if name not in ("Date", "Set-Cookie", "Content-Length")}  # the length: see _without_form_tokens

    assert headers(given) == headers(drawn)
    assert _without_form_tokens(gzip.decompress(given.data)) == _without_form_tokens(gzip.decompress(drawn.data))
    assert "Content-Security-Policy" in given.headers and given.headers["X-Frame-Options"] == "DENY"


def test_where_i_stand_is_given_from_memory_until_the_file_changes(app: Flask, client: FlaskClient, ctx: None,
                                                                   statements: Statements) -> None:
    household = make_household(display_name="Famille Alpha", stage="my-answer")
    appointment = make_appointment(household, place="Mairie de Roubaix")
    signed_in(client, household_id=household.id, app=app)
    first = _settled(client)
    statements.seen.clear()
    again = client.get("/my")
    assert again.status_code == 200 and again.data == first, "the kept page differs from the one drawn"
    assert len(statements.seen) == 1 and "user_session" in statements.seen[0], \
        f"a kept page should cost the session's statement only, it ran: {[s[:120] for s in statements.seen]}"
    for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        drawn = client.get("/my", headers={"Accept-Encoding": f"{encoding}, deflate"})  # kept per encoding
        compressed = client.get("/my", headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert compressed.headers.get("Content-Encoding") == encoding, f"the kept page was not sent in {encoding}"
        assert compressed.data == drawn.data, f"the kept page in {encoding} is not the one drawn"
        assert _without_form_tokens(decode(compressed.data)) == _without_form_tokens(first), \
            f"the kept page in {encoding} is not the page"
        assert "Accept-Encoding" in compressed.headers.get("Vary", "")
        assert compressed.headers["Cache-Control"] == "private, no-store", "a kept page may be kept by the browser"

    with app.app_context():  # staff move the appointment: another process, another connection
        db.session.get(Appointment, appointment.id).place = "Centre social Watteau"
        db.session.commit()
    shown = _text(client, "#appointment")
    assert "Centre social Watteau" in shown and "Mairie de Roubaix" not in shown, \
        "the page kept before the change was given"

    with app.app_context(), db.engine.begin() as connection:  # SQL typed by hand counts too
        connection.execute(text("UPDATE household SET display_name = 'Famille Beta' WHERE id = :id"),
                           {"id": household.id})
    assert "Famille Beta" in _text(client, "main .lead")


def test_an_officer_renamed_shows_on_the_kept_page(app: Flask, client: FlaskClient, ctx: None) -> None:
    officer = make_staff(name="Nadia Benali")
    household = make_household(officer_id=officer.id)
    signed_in(client, household_id=household.id, app=app)
    _settled(client)
    with app.app_context():
        db.session.get(StaffUser, officer.id).name = "Nadia Martin"
        db.session.commit()
    assert "Nadia Martin" in _text(client, "#link-contacts")


def test_two_households_and_two_phones_never_see_each_others_page(app: Flask, ctx: None) -> None:
    alpha = make_household(display_name="Famille Alpha")
    beta = make_household(display_name="Famille Beta")
    phone_a, phone_b, phone_a2 = app.test_client(), app.test_client(), app.test_client()
    signed_in(phone_a, household_id=alpha.id, app=app)
    signed_in(phone_b, household_id=beta.id, app=app)
    signed_in(phone_a2, household_id=alpha.id, app=app)
    for _round in range(2):
        assert b"Famille Alpha" in _settled(phone_a) and b"Famille Beta" not in phone_a.get("/my").data
        assert b"Famille Beta" in _settled(phone_b) and b"Famille Alpha" not in phone_b.get("/my").data
        assert b"Famille Alpha" in _settled(phone_a2)
    phone_a.post("/sign-out", data={"csrf_token": csrf_token(get_page(phone_a, "/my").soup)})
    answer = phone_a.get("/my")
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"], \
        "signed out, the kept page was still given"


def test_the_next_appointment_goes_once_it_has_started(app: Flask, client: FlaskClient, ctx: None) -> None:
    """The page is kept until its next appointment starts: then the following one is "next"."""
    household = make_household()
    now = datetime.now(UTC)
    make_appointment(household, starts_at=now + timedelta(seconds=30), place="Salle A")
    make_appointment(household, starts_at=now + timedelta(days=2), place="Salle B")
    signed_in(client, household_id=household.id, app=app)
    _settled(client)
    assert "Salle A" in _text(client, "#appointment")
    # 45 s later: within the minute after which the session's activity is noted (and the page drawn again anyway)
    with time_machine.travel(now + timedelta(seconds=45), tick=False):
        later = _text(client, "#appointment")
    assert "Salle B" in later and "Salle A" not in later, "an appointment already started was still shown as next"


def test_a_page_with_a_message_or_a_query_is_drawn_each_time(app: Flask, client: FlaskClient, ctx: None,
                                                            statements: Statements) -> None:
    household = make_household()
    signed_in(client, household_id=household.id, app=app)
    _settled(client)
    statements.seen.clear()
    assert client.get("/my?changed=1").status_code == 200
    assert _page_drawn(statements), "a page with a query string was given from memory"
    assert "Votre demande est envoyée" in get_page(client, "/my?changed=1").text("main")


def test_the_page_is_drawn_again_after_midnight(app: Flask, client: FlaskClient, ctx: None,
                                                statements: Statements) -> None:
    """Deadlines are counted in days: a page kept on one day is not given on the next."""
    evening = datetime(2026, 12, 8, 23, 59, 30, tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(evening, tick=False) as clock:
        household = make_household()
        signed_in(client, household_id=household.id, app=app)
        _settled(client)
        statements.seen.clear()
        client.get("/my")
        assert not _page_drawn(statements), "the kept page was not given the same evening"
        clock.move_to(evening + timedelta(seconds=40))  # 00:00:10: within MAX_AGE, and the activity's minute
        statements.seen.clear()
        assert client.get("/my").status_code == 200
        assert _page_drawn(statements), "the page kept yesterday was given after midnight"


@pytest.mark.parametrize(("path", "selector", "change", "shown"), [
    ("/my/proposals", "main", "UPDATE proposal SET commune = 'Wattrelos' WHERE household_id = :id", "Wattrelos"),
    ("/my/contacts", "main", "UPDATE staff_user SET name = 'Sami Haddad' WHERE id = "
                             "(SELECT officer_id FROM household WHERE id = :id)", "Sami Haddad"),
    ("/my/papers", "#documents", "UPDATE household SET documents_updated_on = '2026-01-15' WHERE id = :id",
     "2026"),
    ("/my/requests", "main", "UPDATE written_request SET reference = 'R-NEUF-1' WHERE household_id = :id",
     "R-NEUF-1"),
])
def test_the_pages_of_the_file_are_kept_and_follow_each_change(app: Flask, client: FlaskClient, ctx: None,
                                                              statements: Statements, path: str, selector: str,
                                                              change: str, shown: str) -> None:
    officer = make_staff(name="Nadia Benali")
    household = make_household(officer_id=officer.id, stage="my-answer")
    make_proposal(household, rank=1, address="1 rue Ancienne", visit_on=date.today())
    with app.app_context():
        db.session.add(WrittenRequest(reference="R-VIEUX-1", household_id=household.id, kind="mediation",
                                      idempotency_key="k-1", what_happened="a", disagreement="b", wish="c"))
        db.session.commit()
    signed_in(client, household_id=household.id, app=app)
    client.get(path)
    drawn = client.get(path)
    assert drawn.status_code == 200 and shown not in drawn.get_data(as_text=True)
    with app.app_context():
        engine = db.engine
    statements.seen.clear()
    assert client.get(path).data == drawn.data
    assert len(statements.seen) == 1, f"{path} was not given from memory: {[s[:80] for s in statements.seen]}"
    with engine.begin() as connection:
        connection.execute(text(change), {"id": household.id})
    answer = client.get(path)
    found = BeautifulSoup(answer.get_data(as_text=True), "html.parser").select_one(selector)
    assert found is not None and shown in found.get_text(" "), f"{path} did not show the change: {change}"

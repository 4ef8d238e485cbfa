"""After the move: costs refunded by cheque within 8 days (§3.2) and courtesy visits at 2, 4, 6 months (§4 step 13)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import select

from guide.core import uploads
from guide.core.extensions import db
from guide.core.timeutil import local
from guide.features.after_move import service
from guide.models import Appointment, AuditEntry, CourtesyVisit, Household, MoveExpense, SmsMessage
from guide.rules.deadlines import refund_deadline
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.app.test_written_requests import _jpeg_with_location
from tests.conftest import csrf_token, get_page, visible_text
from tests.factories import make_budget, make_household, make_move_expense, make_staff

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture()
def frozen(monkeypatch):
    for module in ("guide.features.after_move.household", "guide.features.after_move.staff",
                   "guide.features.household_file.page", "guide.features.standing.household",
                   "guide.features.signin.household"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)


# --- refund timing ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("shown_on", "due_on"), [
    (date(2026, 11, 2), date(2026, 11, 10)),  # Monday -> Tuesday: calendar days, the charter says "8 jours"
    (date(2026, 11, 6), date(2026, 11, 14)),  # Friday -> Saturday: no working-day shift, the charter names none
    (date(2026, 12, 28), date(2027, 1, 5)),  # across the year
    (date(2028, 2, 25), date(2028, 3, 4)),  # across a leap day
])
def test_refund_due_date_is_the_day_the_invoice_is_shown_plus_8_days(shown_on: date, due_on: date) -> None:
    assert refund_deadline(shown_on) == due_on


@pytest.mark.parametrize(("refunded_on", "today", "state"), [
    (None, date(2026, 11, 9), "waiting"),
    (None, date(2026, 11, 10), "waiting"),  # the last day itself is still on time
    (None, date(2026, 11, 11), "late"),
    (date(2026, 11, 10), date(2026, 12, 1), "refunded"),
    (date(2026, 11, 11), date(2026, 12, 1), "refunded_late"),
])
def test_refund_state(refunded_on, today: date, state: str) -> None:
    expense = MoveExpense(invoice_on=date(2026, 11, 2), due_on=date(2026, 11, 10), refunded_on=refunded_on)
    assert service.refund_state(expense, today) == state


def _expense_post(client, photo: bytes | None = None, name: str = "facture.jpg", **fields):
    page = get_page(client, "/my/move")
    data = {"csrf_token": csrf_token(page.soup), "key": page.soup.select_one("input[name=key]")["value"],
            "kind": "mail_forwarding", "amount": "1 234,50",
            "invoice_on": "2026-11-20", **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), name)
    return client.post("/my/move", data=data, content_type="multipart/form-data")


def test_household_records_an_expense_with_a_clean_photo_and_sees_the_refund_date(client, app, ctx, frozen) -> None:
    household = make_household(language="fr", moved_on=date(2026, 11, 2), stage="after-move")
    sign_in_as(client, app, household)
    page = get_page(client, "/my/move")
    assert "Ce que fait l'entreprise de déménagement" in visible_text(page.soup)
    response = _expense_post(client, _jpeg_with_location())
    assert response.status_code == 303
    with app.app_context():
        expense = db.session.scalars(select(MoveExpense)).one()
        assert expense.amount == Decimal("1234.50") and expense.invoice_on == date(2026, 11, 20)
        # shown today (23 November): due 8 days later, whatever the invoice's own date (one rule, charter §3.2)
        assert expense.due_on == date(2026, 12, 1)
        image = Image.open(io.BytesIO(expense.photo))
        assert not image.getexif() and expense.photo_type == "image/jpeg"  # no location left
        expense_id = expense.id
    page = get_page(client, response.headers["Location"])
    item = page.soup.select_one(f"[data-expense='{expense_id}']")
    assert item["data-state"] == "waiting" and "mardi 1 décembre 2026" in item.get_text(" ")
    assert "mardi 1 décembre 2026" in page.soup.select_one("[data-example-due]").get_text(" "), "one date, one rule"
    photo = client.get(f"/my/move/expenses/{expense_id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["Cache-Control"] == "no-store", "a shared phone keeps no copy of the invoice"
    home = get_page(client, "/my")
    assert home.soup.select_one("#after-move a[href='/my/move']") is not None


@pytest.mark.parametrize(("fields", "photo", "field_id", "message"), [
    ({"amount": "12,345"}, True, "amount", "Deux chiffres au plus après la virgule"),
    ({"amount": "douze"}, True, "amount", "Ce montant ne semble pas juste"),
    ({"amount": ""}, True, "amount", "Écrivez le montant"),
    ({"invoice_on": "2026-11-30"}, True, "invoice_on", "ne peut pas être après aujourd'hui"),
    ({"kind": "holiday"}, True, "kind", ""),
    ({}, False, "photo", "Ajoutez une photo de la facture"),
])
def test_bad_input_is_explained_and_nothing_is_saved(client, app, ctx, frozen, fields, photo, field_id,
                                                     message) -> None:
    household = make_household(moved_on=date(2026, 11, 2))
    sign_in_as(client, app, household)
    response = _expense_post(client, _jpeg_with_location() if photo else None, **fields)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    soup = BeautifulSoup(text, "html.parser")
    assert message in visible_text(soup) and soup.select_one(".error-summary") is not None
    if "amount" in fields and fields["amount"]:
        assert f'value="{fields["amount"]}"' in text  # what was typed is kept
    with app.app_context():
        assert db.session.scalars(select(MoveExpense)).all() == []


def test_a_file_that_is_not_a_photo_is_refused_in_the_households_language(client, app, ctx, frozen) -> None:
    household = make_household(language="pt", moved_on=date(2026, 11, 2))
    sign_in_as(client, app, household)
    page = get_page(client, "/my/move", lang="pt")
    data = {"csrf_token": csrf_token(page.soup), "key": "a" * 32, "kind": "car_registration", "amount": "13,76",
            "invoice_on": "2026-11-20", "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "fatura.pdf")}
    response = client.post("/my/move?lang=pt", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'value="13,76"' in text and 'lang="pt"' in text
    with app.app_context():
        assert db.session.scalars(select(MoveExpense)).all() == []


def test_a_burst_of_photos_asks_to_send_the_invoice_again_in_a_minute(client, app, ctx, frozen, monkeypatch) -> None:
    household = make_household(language="en", moved_on=date(2026, 11, 2))
    sign_in_as(client, app, household)
    turns = uploads._Turns(at_once=1, waiting=0, patience=30)
    monkeypatch.setattr(uploads, "turns", turns)
    page = get_page(client, "/my/move", lang="en")
    data = {"csrf_token": csrf_token(page.soup), "key": "b" * 32, "kind": "car_registration", "amount": "13,76",
            "invoice_on": "2026-11-20", "photo": (io.BytesIO(_jpeg_with_location()), "invoice.jpg")}
    with turns.turn():  # another photo is being cleaned in this process, and no one may wait
        response = client.post("/my/move", data=data, content_type="multipart/form-data")

    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    text = response.get_data(as_text=True)
    assert "Many photos are arriving right now. Wait a minute. Then choose the photo again and send." in text
    assert 'value="13,76"' in text, "what was typed is kept"
    with app.app_context():
        assert db.session.scalars(select(MoveExpense)).all() == []


def test_the_same_form_sent_twice_stores_one_expense(client, app, ctx, frozen) -> None:
    household = make_household(moved_on=date(2026, 11, 2))
    sign_in_as(client, app, household)
    page = get_page(client, "/my/move")
    data = {"csrf_token": csrf_token(page.soup), "key": page.soup.select_one("input[name=key]")["value"],
            "kind": "energy_opening", "amount": "49,00", "invoice_on": "2026-11-05"}
    first = client.post("/my/move", data={**data, "photo": (io.BytesIO(_jpeg_with_location()), "f.jpg")},
                        content_type="multipart/form-data")
    second = client.post("/my/move", data={**data, "photo": (io.BytesIO(_jpeg_with_location()), "f.jpg")},
                         content_type="multipart/form-data")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(MoveExpense)) == 1


def test_staff_mark_a_refund_and_late_ones_are_flagged(client, app, ctx, frozen) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id, moved_on=date(2026, 11, 2))
    late = make_move_expense(household, invoice_on=date(2026, 11, 10))  # due 18 November: late on the 23rd
    on_time = make_move_expense(household, kind="car_registration", invoice_on=date(2026, 11, 20))
    log_in(client, officer)
    file = get_page(client, f"/staff/households/{household.id}")
    assert file.soup.select_one("[data-late-refunds]")["data-late-refunds"] == "1"
    refunds = get_page(client, "/staff/refunds")
    assert [tr["data-expense"] for tr in refunds.soup.select("tr[data-expense]")] == [str(late.id)]
    page = get_page(client, f"/staff/households/{household.id}/after-move")
    assert page.soup.select_one(f"[data-expense='{late.id}']")["data-state"] == "late"
    assert page.soup.select_one(f"[data-expense='{on_time.id}']")["data-state"] == "waiting"
    assert "samedi 28 novembre 2026" in page.soup.select_one(f"[data-expense='{on_time.id}']").get_text(" ")
    response = client.post(f"/staff/households/{household.id}/expenses/{late.id}/refund", data={
        "csrf_token": csrf_token(page.soup), f"refund-{late.id}-refunded_on": "2026-11-23",
        f"refund-{late.id}-cheque_number": "0012345", f"refund-{late.id}-version": "1"})
    assert response.status_code == 303
    page = get_page(client, f"/staff/households/{household.id}/after-move")
    assert page.soup.select_one(f"[data-expense='{late.id}']")["data-state"] == "refunded_late"
    assert get_page(client, "/staff/refunds").soup.select("tr[data-expense]") == []
    assert get_page(client, f"/staff/households/{household.id}").soup.select_one("[data-late-refunds]") is None
    # a second save over the old version is refused: nothing overwritten
    stale = client.post(f"/staff/households/{household.id}/expenses/{late.id}/refund", data={
        "csrf_token": csrf_token(page.soup), f"refund-{late.id}-refunded_on": "2026-11-22",
        f"refund-{late.id}-cheque_number": "999", f"refund-{late.id}-version": "1"})
    assert stale.status_code == 409
    with app.app_context():
        saved = db.session.get(MoveExpense, late.id)
        assert (saved.refunded_on, saved.cheque_number, saved.refunded_by_id) == (date(2026, 11, 23), "0012345",
                                                                                  officer.id)
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "move_expense")).all()
    # the household sees it refunded, with the date
    sign_in_as(client, app, household)
    item = get_page(client, "/my/move").soup.select_one(f"[data-expense='{late.id}']")
    assert item["data-state"] == "refunded_late" and "lundi 23 novembre 2026" in item.get_text(" ")


# --- courtesy visits ---------------------------------------------------------------------------------------------

def _facts(client, household_id: int, moved_on: str):
    page = get_page(client, f"/staff/households/{household_id}")
    version = page.soup.select_one("input[name='facts-version']")["value"]
    return client.post(f"/staff/households/{household_id}/facts", data={
        "csrf_token": csrf_token(page.soup), "facts-version": version, "facts-display_name": "Famille Relogée",
        "facts-language": "fr", "facts-occupants": "3", "facts-stage": "after-move",
        "facts-documents_updated_on": "", "facts-moved_on": moved_on})


def _visits(app, household_id: int) -> list[tuple[int, str, str]]:
    with app.app_context():
        rows = []
        for visit in service.visits_of(household_id):
            appointment = db.session.get(Appointment, visit.appointment_id)
            rows.append((visit.months, f"{local(appointment.starts_at):%Y-%m-%d %H:%M}", appointment.status))
        return rows


@pytest.fixture()
def on_move_day() -> Iterator[None]:
    """The wall clock of a test whose visits and reminders are dated: TODAY, 10:00 in Paris, then running on. Every
    visit is then ahead, so each has its reminders, whatever the day the suite runs."""
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=True):
        yield


def test_entering_the_move_date_plans_three_courtesy_visits_with_reminders(client, app, ctx, on_move_day) -> None:
    officer = make_staff(name="Nadia Benali")
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    assert _facts(client, household.id, "2026-11-02").status_code == 303
    # +2 months: Saturday 2 January 2027 -> Monday 4; +4: Tuesday 2 March; +6: Sunday 2 May -> Monday 3 May
    assert _visits(app, household.id) == [(2, "2027-01-04 14:00", "planned"), (4, "2027-03-02 14:00", "planned"),
                                          (6, "2027-05-03 14:00", "planned")]
    with app.app_context():
        appointments = db.session.scalars(select(Appointment).where(Appointment.household_id == household.id)).all()
        assert {a.kind for a in appointments} == {"courtesy_visit"} and len(appointments) == 3
        assert {a.with_whom for a in appointments} == {"Nadia Benali"}
        kinds = sorted(m.kind for m in db.session.scalars(select(SmsMessage).where(
            SmsMessage.household_id == household.id, SmsMessage.status == "queued")))
        # each visit has its own appointment reminders (the day before, none on a Sunday evening; that morning);
        # no separate "courtesy_visit" text any more; one survey invitation
        assert kinds == ["appointment_day_before", "appointment_soon", "appointment_soon", "appointment_soon",
                         "survey"]
        keys = db.session.scalars(select(SmsMessage.reminder_key).where(SmsMessage.kind == "appointment_soon"))
        assert {int(key.split("@")[0].removeprefix("appt:")) for key in keys} == {a.id for a in appointments}
        survey = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "survey")).one()
        assert survey.link_target == "/my/survey"


def test_changing_the_move_date_moves_the_visits_and_never_duplicates(client, app, ctx, on_move_day) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    _facts(client, household.id, "2026-11-02")
    _facts(client, household.id, "2026-11-02")  # saved again unchanged: nothing new
    with app.app_context():
        first_ids = [v.appointment_id for v in service.visits_of(household.id)]
        # the first visit was done; the second confirmed by the household
        db.session.get(Appointment, first_ids[0]).status = "done"
        db.session.get(Appointment, first_ids[1]).status = "confirmed"
        db.session.commit()
    _facts(client, household.id, "2026-12-15")
    assert _visits(app, household.id) == [(2, "2027-01-04 14:00", "done"), (4, "2027-04-15 14:00", "planned"),
                                          (6, "2027-06-15 14:00", "planned")]
    with app.app_context():
        assert [v.appointment_id for v in service.visits_of(household.id)] == first_ids
        assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 3
        assert db.session.scalar(select(db.func.count()).select_from(CourtesyVisit)) == 3
        # the reminders follow the moved appointments: none queued for the old moments
        queued = db.session.scalars(select(SmsMessage.reminder_key).where(SmsMessage.status == "queued",
                                                                          SmsMessage.kind.like("appointment%")))
        stamps = sorted({key.split("@")[1].split(":")[0] for key in queued})
        assert stamps == ["202704151200", "202706151200"]  # 14:00 in Paris, in UTC


def test_removing_the_move_date_cancels_visits_not_done(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    _facts(client, household.id, "2026-11-02")
    _facts(client, household.id, "")
    assert {status for _months, _at, status in _visits(app, household.id)} == {"cancelled"}
    _facts(client, household.id, "2026-11-02")  # a cancelled visit stays as the officer left it: no duplicate
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 3


def test_planning_twice_in_the_service_is_idempotent(app, ctx) -> None:
    household = make_household(moved_on=date(2027, 1, 31))
    with app.test_request_context():
        found = db.session.get(Household, household.id)
        service.plan_courtesy_visits(found)
        service.plan_courtesy_visits(found)
        db.session.commit()
    # 31 January + 2 months is 31 March (Wednesday); + 4 is 31 May (Monday); + 6 is 31 July (Saturday -> Monday)
    assert _visits(app, household.id) == [(2, "2027-03-31 14:00", "planned"), (4, "2027-05-31 14:00", "planned"),
                                          (6, "2027-08-02 14:00", "planned")]


@pytest.mark.parametrize(("now", "before", "flags"), [
    (Decimal("8.00"), Decimal("7.00"), []),
    (Decimal("6.50"), Decimal("7.00"), ["below_threshold", "worse_than_before"]),  # at the threshold: alert
    (Decimal("6.51"), Decimal("7.00"), ["worse_than_before"]),
    (Decimal("5.00"), Decimal("4.00"), ["below_threshold"]),  # better than before but still under
    (Decimal("5.00"), None, ["below_threshold"]),
    (None, Decimal("7.00"), []),
])
def test_visit_flags(now, before, flags) -> None:
    assert service.visit_flags(now, before) == flags


def test_staff_record_a_visit_and_a_worse_reste_a_vivre_is_flagged(client, app, ctx, frozen) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id, occupants=3)
    # before the move: (1500 - (400 + 90 - 150 + 50)) / (3 x 30) = 12.33 € per person per day
    make_budget(household)
    log_in(client, officer)
    _facts(client, household.id, "2026-09-20")
    page = get_page(client, f"/staff/households/{household.id}/after-move")
    visit = page.soup.select_one("[data-visit='2']")
    visit_id = visit["id"].removeprefix("visit-")
    prefix = f"visit-{visit_id}"
    bad = client.post(f"/staff/households/{household.id}/visits/{visit_id}", data={
        "csrf_token": csrf_token(page.soup), f"{prefix}-visited_on": "2026-11-20", f"{prefix}-reste_a_vivre": "abc"})
    assert bad.status_code == 422
    response = client.post(f"/staff/households/{household.id}/visits/{visit_id}", data={
        "csrf_token": csrf_token(page.soup), f"{prefix}-visited_on": "2026-11-20", f"{prefix}-flat_ok": "yes",
        f"{prefix}-neighbourhood_ok": "no", f"{prefix}-support_needed": "yes", f"{prefix}-reste_a_vivre": "6,20",
        f"{prefix}-note": "Humidité dans la chambre."})
    assert response.status_code == 303
    page = get_page(client, f"/staff/households/{household.id}/after-move")
    card = page.soup.select_one("[data-visit='2']")
    assert card.select_one("[data-flag='below_threshold']") and card.select_one("[data-flag='worse_than_before']")
    assert get_page(client, f"/staff/households/{household.id}").soup.select_one("[data-flagged-visits='1']")
    with app.app_context():
        saved = db.session.get(CourtesyVisit, int(visit_id))
        assert saved.reste_a_vivre_before == Decimal("12.33") and saved.reste_a_vivre_now == Decimal("6.20")
        assert (saved.flat_ok, saved.neighbourhood_ok, saved.support_needed) == (True, False, True)
        assert db.session.get(Appointment, saved.appointment_id).status == "done"
    # a later change of the move date keeps the visit done
    _facts(client, household.id, "2026-10-01")
    assert _visits(app, household.id)[0][2] == "done"


def test_a_visit_in_the_past_is_listed_for_staff_with_its_date(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    _facts(client, household.id, "2026-11-02")
    page = get_page(client, f"/staff/households/{household.id}/after-move")
    assert [c["data-visit"] for c in page.soup.select("[data-visit]")] == ["2", "4", "6"]
    assert "lundi 4 janvier 2027" in page.soup.select_one("[data-visit='2']").get_text(" ")

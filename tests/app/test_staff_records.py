"""Recording a household's facts, budget, consents, phones and decisions; stale saves refused, nothing lost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from guide.core.extensions import db
from guide.features.phones import service as household_phones
from guide.features.signin import service as signin
from guide.features.sms_replies import service as inbound
from guide.models import Appointment, BudgetFacts, Consent, Household, HouseholdPhone, Proposal
from tests.app.test_staff import _post_form, log_in
from tests.conftest import csrf_token, get_page
from tests.factories import make_appointment, make_household, make_proposal, make_staff

FACTS = {"display_name": "Famille Nouvelle", "language": "pt", "occupants": "5", "stage": "searching",
         "documents_updated_on": "2026-11-01", "moved_on": ""}


def _version(client, household_id: int, prefix: str) -> str:
    page = get_page(client, f"/staff/households/{household_id}")
    return page.soup.select_one(f"input[name='{prefix}-version']")["value"]


def test_update_household_facts(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    version = _version(client, household.id, "facts")
    assert _post_form(client, household.id, "facts", version=version, **FACTS).status_code == 303
    with app.app_context():
        stored = db.session.get(Household, household.id)
        assert (stored.display_name, stored.language, stored.occupants, stored.stage, stored.version) == (
            "Famille Nouvelle", "pt", 5, "searching", int(version) + 1)


def test_a_stale_save_shows_both_versions_and_overwrites_nothing(client, app, ctx) -> None:
    officer, colleague = make_staff(), make_staff(role="admin")
    household = make_household(officer_id=officer.id, display_name="Avant")
    log_in(client, officer)
    other = app.test_client()
    log_in(other, colleague)
    seen = _version(client, household.id, "facts")
    assert _version(other, household.id, "facts") == seen
    assert _post_form(other, household.id, "facts", version=seen, **{**FACTS, "display_name": "Par la collègue"}
                      ).status_code == 303
    response = _post_form(client, household.id, "facts", version=seen, **{**FACTS, "display_name": "Par moi"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    row = next(tr for tr in soup.select("[data-conflict] tr.differs") if "Par moi" in tr.get_text())
    assert row.select_one("[data-mine]").get_text() == "Par moi"
    assert row.select_one("[data-theirs]").get_text() == "Par la collègue"
    with app.app_context():
        assert db.session.get(Household, household.id).display_name == "Par la collègue"
    # "save mine": the conflict form carries my values and the current version
    form = soup.select_one("form[action$='/facts']")
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    data.update({s["name"]: s.select_one("option[selected]")["value"] for s in form.select("select")})
    assert data["facts-display_name"] == "Par moi"
    assert client.post(form["action"], data=data).status_code == 303
    with app.app_context():
        assert db.session.get(Household, household.id).display_name == "Par moi"


def test_budget_first_save_then_update_feeds_affordability(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    version = _version(client, household.id, "budget")
    response = _post_form(client, household.id, "budget", version=version, monthly_resources="1 500,00"
                          .replace(" ", "").replace(",", "."), rent="400", charges="90", housing_benefit="150",
                          expense_electricity="50", expense_phone="30")
    assert response.status_code == 303
    with app.app_context():
        budget = db.session.scalars(select(BudgetFacts)).one()
        assert budget.monthly_resources == Decimal("1500.00") and budget.expenses == {"electricity": "50.00",
                                                                                     "phone": "30.00"}
    version = _version(client, household.id, "budget")
    assert _post_form(client, household.id, "budget", version=version, monthly_resources="1600", rent="400",
                      charges="90", housing_benefit="150").status_code == 303
    with app.app_context():
        assert db.session.scalars(select(BudgetFacts)).one().monthly_resources == Decimal("1600.00")


def test_bad_budget_figures_are_explained(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    response = _post_form(client, household.id, "budget", version="0", monthly_resources="mille", rent="-3")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(BudgetFacts)).first() is None


def test_consent_and_phones(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    assert _post_form(client, household.id, "consents", kind="sharing_refused", given_on="2026-11-20"
                      ).status_code == 303
    bad = _post_form(client, household.id, "phones", number="06 12", label="Fils")
    assert bad.status_code == 422 and "ne semble pas juste" in bad.get_data(as_text=True)
    assert _post_form(client, household.id, "phones", number="07 52 00 00 01", label="Fils", sms_consent="y"
                      ).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Consent)).one().kind == "sharing_refused"
        phones = db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.household_id == household.id)).all()
        added = next(p for p in phones if p.number == "+33752000001")
        assert added.sms_consent and added.label == "Fils" and added.consent_at is not None
    page = get_page(client, f"/staff/households/{household.id}")
    form = page.soup.select_one(f"form[action$='/phones/{added.id}/delete']")
    assert client.post(form["action"], data={"csrf_token": csrf_token(page.soup)}).status_code == 303
    with app.app_context():
        assert db.session.get(HouseholdPhone, added.id) is None


def test_record_a_refusal_and_the_household_sees_it(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    proposal = make_proposal(household, rank=1, visit_on=date(2026, 11, 10), status="visited")
    log_in(client, officer)
    prefix = f"proposal-{proposal.id}"
    version = _version(client, household.id, prefix)
    response = _post_form(client, household.id, f"proposals/{proposal.id}", prefix=prefix, version=version,
                          status="refused", visit_on="2026-11-10", answer_on="2026-11-18")
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.get(Proposal, proposal.id)
        assert (stored.status, stored.answer_on) == ("refused", date(2026, 11, 18))


def test_cancel_an_appointment(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    appointment = make_appointment(household)
    log_in(client, officer)
    prefix = f"appointment-{appointment.id}"
    page = get_page(client, f"/staff/households/{household.id}")
    starts = {f"starts_at-{part}": page.soup.select_one(f"input[name='{prefix}-starts_at-{part}']")["value"]
              for part in ("day", "month", "year", "time")}  # the date as day / month / year boxes, and the hour
    version = page.soup.select_one(f"input[name='{prefix}-version']")["value"]
    response = _post_form(client, household.id, f"appointments/{appointment.id}", prefix=prefix,
                          version=version, status="cancelled", **starts)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Appointment, appointment.id).status == "cancelled"


def test_records_of_another_household_are_refused(client, app, ctx) -> None:
    officer = make_staff()
    mine = make_household(officer_id=officer.id)
    other = make_household()
    their_proposal = make_proposal(other)
    their_appointment = make_appointment(other)
    log_in(client, officer)
    token = csrf_token(get_page(client, "/staff/").soup)
    for url in (f"/staff/households/{mine.id}/proposals/{their_proposal.id}",
                f"/staff/households/{mine.id}/appointments/{their_appointment.id}",
                f"/staff/households/{other.id}/facts", f"/staff/households/{other.id}/budget",
                f"/staff/households/{other.id}/consents", f"/staff/households/{other.id}/phones"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url


# --- one number, one household -------------------------------------------------------------------------------------

def _delete_phone(client, household_id: int, phone_id: int):  # type: ignore[no-untyped-def]
    page = get_page(client, f"/staff/households/{household_id}")
    form = page.soup.select_one(f"form[action$='/phones/{phone_id}/delete']")
    return client.post(form["action"], data={"csrf_token": csrf_token(page.soup)})


def _holders(app, number: str) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(HouseholdPhone.household_id).where(HouseholdPhone.number == number)))


def test_the_reproduced_case_a_number_stays_on_one_household(app, ctx) -> None:
    """Officer A adds household 2's number to household 1 (refused, without naming household 2); officer B deletes
    and re-adds it on household 2: sign-in and inbound SMS land in household 2, not in household 1."""

    officer_a, officer_b = make_staff(), make_staff()
    first = make_household(officer_id=officer_a.id)
    second = make_household(officer_id=officer_b.id, phone="+33752000002", display_name="Famille Deux")
    a, b = app.test_client(), app.test_client()
    log_in(a, officer_a)
    log_in(b, officer_b)
    refused = _post_form(a, first.id, "phones", number="07 52 00 00 02", label="")
    text = BeautifulSoup(refused.get_data(as_text=True), "html.parser").get_text()
    assert refused.status_code == 422, "a number on another file must be refused"
    assert "Ce numéro est déjà dans le dossier d'un autre ménage. Demandez à un administrateur." in text
    assert second.reference not in text and "Famille Deux" not in text, "officer A may not see household 2"
    assert _holders(app, "+33752000002") == [second.id]
    with app.app_context():
        phone_id = db.session.scalars(select(HouseholdPhone.id).where(HouseholdPhone.number == "+33752000002")).one()
    assert _delete_phone(b, second.id, phone_id).status_code == 303
    assert _post_form(b, second.id, "phones", number="07 52 00 00 02", label="", sms_consent="y").status_code == 303
    assert _holders(app, "+33752000002") == [second.id]
    with app.test_request_context():
        assert signin.find_household_by_phone("+33752000002").id == second.id
        row = inbound.receive("SM-one-number", "+33752000002", "+33600000000", "Bonjour")
        db.session.commit()
        assert row is not None and row.household_id == second.id, "the SMS must be filed with household 2"


def test_someone_who_may_open_the_other_file_is_told_which_one(client, app, ctx) -> None:
    admin = make_staff(role="admin")
    first = make_household()
    second = make_household(phone="+33752000003")
    log_in(client, admin)
    refused = _post_form(client, first.id, "phones", number="07 52 00 00 03")
    text = BeautifulSoup(refused.get_data(as_text=True), "html.parser").get_text()
    assert refused.status_code == 422
    assert f"Ce numéro est déjà dans le dossier {second.reference}." in text
    assert _holders(app, "+33752000003") == [second.id]
    same_file = _post_form(client, second.id, "phones", number="+33 7 52 00 00 03")
    assert same_file.status_code == 422 and "déjà enregistré pour ce ménage" in same_file.get_data(as_text=True)


def test_two_officers_adding_one_number_at_once_the_database_decides(client, app, ctx, monkeypatch) -> None:
    """Both look the number up before either saves: the unique number refuses the second save with the same
    message, no error page, nothing of that request saved (as if the other officer's row was not yet visible)."""

    officer = make_staff()
    first = make_household(officer_id=officer.id, phone="+33752000014")
    other = make_household(phone="+33752000004")
    log_in(client, officer)
    real, looked = household_phones.holder_id, []

    def not_yet_visible(e164: str) -> int | None:  # the first look-up misses the other officer's row
        looked.append(e164)
        return None if len(looked) == 1 else real(e164)

    monkeypatch.setattr(household_phones, "holder_id", not_yet_visible)
    response = _post_form(client, first.id, "phones", number="07 52 00 00 04")
    text = BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text()
    assert response.status_code == 422, response.status_code
    assert "Ce numéro est déjà dans le dossier d'un autre ménage." in text
    assert _holders(app, "+33752000004") == [other.id]
    with app.app_context():
        numbers = db.session.scalars(select(HouseholdPhone.number).where(HouseholdPhone.household_id == first.id))
        assert list(numbers) == ["+33752000014"], "nothing of the refused request was saved"


def test_the_database_itself_refuses_a_number_on_two_households(app, ctx) -> None:
    first = make_household(phone="+33752000005")
    second = make_household()
    with app.app_context():
        db.session.add(HouseholdPhone(household_id=second.id, number="+33752000005"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert _holders(app, "+33752000005") == [first.id]

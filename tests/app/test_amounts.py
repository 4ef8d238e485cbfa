"""One reader of amounts for every form (guide/core/forms.py): the simulator, the after-move costs, the staff forms
and the plan accept the same writings, and refuse the same ambiguous ones with a message in the reader's language.

The cases here are those that changed when the staff forms' DecimalField and the simulator's reader became one:
the staff and plan forms now read French writings ("1 234,50 €", "12,5") and refuse "1.234" (three decimals or
a thousands group?), exponents and minus signs with a message; the simulator and the after-move form now read
".5" and "5." as the staff forms did.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from wtforms import Form

from guide.core.extensions import db
from guide.core.forms import AMOUNT_MESSAGES, AmountField, BadFigure, amount_example, parse_amount
from guide.features.after_move.household import AMOUNT_MESSAGES as COST_MESSAGES
from guide.models import PlanItem, Proposal
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import PROPOSAL, _post_form, log_in
from tests.conftest import csrf_token, get_page
from tests.factories import make_household, make_staff


@pytest.mark.parametrize(("text", "value"), [(".5", "0.5"), (",5", "0.5"), ("5.", "5"), ("5,", "5"),
                                             ("0,05 €", "0.05")])
def test_a_lone_decimal_mark_before_or_after_the_digits_is_read(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(("text", "code"), [(".", "invalid"), (",", "invalid"), ("1_000", "invalid"),
                                            ("1e3", "invalid"), ("0x10", "invalid"), ("12.345", "decimals"),
                                            ("sNaN", "invalid"), ("-0,5", "negative")])
def test_what_decimal_would_take_but_a_person_does_not_write_is_refused(text: str, code: str) -> None:
    with pytest.raises(BadFigure) as raised:
        parse_amount(text)
    assert raised.value.code == code


@pytest.mark.parametrize(("text", "value"), [("-7,25", "-7.25"), ("−3", "-3"), ("– 1 234,50 €", "-1234.50"),
                                             ("4,10", "4.10")])
def test_a_negative_amount_where_one_is_allowed(text: str, value: str) -> None:
    assert parse_amount(text, negative=True) == Decimal(value)


@pytest.mark.parametrize(("text", "code"), [("--3", "negative"), ("-", "required"), ("-1.234", "decimals")])
def test_a_negative_amount_is_read_like_any_other(text: str, code: str) -> None:
    with pytest.raises(BadFigure) as raised:
        parse_amount(text, negative=True)
    assert raised.value.code == code


class _Amounts(Form):
    amount = AmountField("Montant")
    balance = AmountField("Reste", negative=True, messages={"invalid": "Pas lisible."})


class _Data(dict):
    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


def test_the_field_reads_with_the_parser_and_says_why_it_cannot(app) -> None:
    with app.test_request_context():
        form = _Amounts(_Data(amount="1 234,50 €", balance="-2,5"))
        assert form.validate() and form.amount.data == Decimal("1234.50") and form.balance.data == Decimal("-2.5")
        form = _Amounts(_Data(amount="1.234", balance="abc"))
        assert not form.validate()
        assert form.amount.errors == ["Écrivez au plus 2 chiffres après la virgule. Par exemple : 1\u202f234,50."]
        assert form.balance.errors == ["Pas lisible."]  # a form may say it its own way
        assert form.amount.data is None and form.amount._value() == "1.234"  # shown back as typed
        # a text box: a browser's number box would refuse "1 234,50" and read "1,5" by its own locale
        assert 'type="text"' in form.amount() and 'value="1.234"' in form.amount()
        stored = _Amounts(data={"amount": Decimal("430.5")})
        assert 'value="430.50"' in stored.amount()


def test_staff_forms_read_amounts_written_the_french_way(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    response = _post_form(client, household.id, "proposals",
                          **{**PROPOSAL, "rent": "1 234,50 €", "charges": "95,5", "surface": "64,25"})
    assert response.status_code == 303  # these were "Not a valid decimal value." before
    with app.app_context():
        proposal = db.session.scalars(select(Proposal)).one()
        assert (proposal.rent, proposal.charges, proposal.surface) == (Decimal("1234.50"), Decimal("95.50"),
                                                                       Decimal("64.25"))


@pytest.mark.parametrize(("rent", "message"), [
    ("1.234", "Écrivez au plus 2 chiffres après la virgule."),  # was taken as 1.234 €: or a thousands group?
    ("1e3", "Écrivez seulement un nombre."),  # was 1 000 €
    ("-430", "Écrivez le montant sans le signe moins."),
])
def test_staff_forms_refuse_ambiguous_amounts_with_a_message(client, app, ctx, rent: str, message: str) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    response = _post_form(client, household.id, "proposals", **{**PROPOSAL, "rent": rent})
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert message in soup.select_one("#new-proposal-rent-error").get_text()
    with app.app_context():
        assert db.session.scalars(select(Proposal)).first() is None


def _add_trip(client, cost: str, lang: str):  # type: ignore[no-untyped-def]
    page = get_page(client, "/my/plan/profile", lang)
    return client.post(f"/my/plan/add/trip?lang={lang}", data={
        "csrf_token": csrf_token(page.soup), "new-trip-version": "0", "new-trip-purpose": "work",
        "new-trip-place": "Roubaix", "new-trip-modes": "public", "new-trip-frequency": "daily",
        "new-trip-monthly_cost": cost})


def test_the_plan_reads_amounts_like_the_simulator_in_the_households_language(client, app, ctx) -> None:
    household = make_household(language="pt")
    sign_in_as(client, app, household)
    refused = _add_trip(client, "1,234", "pt")  # a Portuguese comma is the cents mark: 3 decimals, asked again
    assert refused.status_code == 422
    soup = BeautifulSoup(refused.get_data(as_text=True), "html.parser")
    error = soup.select_one("#new-trip-monthly_cost-error").get_text()
    assert "Escreva no máximo 2 números depois da vírgula. Por exemplo: 1.234,50." in error
    assert _add_trip(client, "75,30 €", "pt").status_code == 303
    with app.app_context():
        trip = db.session.scalars(select(PlanItem).where(PlanItem.kind == "trip")).one()
        assert trip.data["monthly_cost"] == "75.30"


# --- one rule for every form: the page's language by default -------------------------------------------------

@pytest.mark.parametrize(("lang", "text", "value"), [
    ("en", "12,345", "12345"),  # an English thousands group: refused before as "3 decimals"
    ("en", "1,234.50", "1234.50"),
    ("pt", "1.234", "1234"),  # the Portuguese thousands group
    ("fr", "1 234,50", "1234.50"),
])
def test_the_field_reads_amounts_in_the_pages_language(app, lang: str, text: str, value: str) -> None:
    with app.test_request_context(f"/?lang={lang}"):
        form = _Amounts(_Data(amount=text))
        assert form.validate(), f"{text!r} on a {lang} page: {form.amount.errors}"
        assert form.amount.data == Decimal(value)


@pytest.mark.parametrize(("lang", "text"), [("fr", "12,345"), ("fr", "1.234"), ("en", "1.234")])
def test_what_the_pages_language_reads_as_three_decimals_is_still_asked_again(app, lang: str, text: str) -> None:
    with app.test_request_context(f"/?lang={lang}"):
        form = _Amounts(_Data(amount=text))
        assert not form.validate() and form.amount.data is None, f"{text!r} on a {lang} page was guessed"


def test_the_plan_reads_an_english_thousands_group_on_an_english_page(client, app, ctx) -> None:
    household = make_household(language="en")
    sign_in_as(client, app, household)
    response = _add_trip(client, "1,234", "en")
    assert response.status_code == 303, "an English '1,234' was refused on the plan"
    with app.app_context():
        trip = db.session.scalars(select(PlanItem).where(PlanItem.kind == "trip")).one()
        assert trip.data["monthly_cost"] == "1234.00"


@pytest.mark.parametrize(("lang", "example", "shown"), [
    ("fr", "1\u202f234,50", "35,90"), ("en", "1,234.50", "35.90"), ("pt", "1.234,50", "35,90"),
    ("tr", "1.234,50", "35,90"), ("ar", "1,234.50", "35.90"),
])
def test_the_examples_are_written_as_the_page_writes_amounts_and_read_back(app, lang: str, example: str,
                                                                             shown: str) -> None:
    with app.test_request_context(f"/?lang={lang}"):
        assert amount_example() == example
        assert parse_amount(example) == Decimal("1234.50"), f"the {lang} example is not read back"
        assert example in str(AMOUNT_MESSAGES["invalid"]), str(AMOUNT_MESSAGES["invalid"])
        assert shown in str(COST_MESSAGES["decimals"]), str(COST_MESSAGES["decimals"])
        assert parse_amount(shown) == Decimal("35.90")


def test_the_arabic_cost_hint_writes_the_amount_as_the_page_shows_amounts(client, app, ctx) -> None:
    household = make_household(language="ar", moved_on=date(2026, 11, 2), stage="after-move")
    sign_in_as(client, app, household)
    page = get_page(client, "/my/move", "ar")
    hints = " | ".join(hint.get_text() for hint in page.soup.select(".hint"))
    assert "مثال: 35.90" in hints and "35,90" not in hints, hints

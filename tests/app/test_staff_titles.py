"""Staff titles agree with the person: "Nadia Benali, chargée de relogement". The title is the person's own
words in French (set with `flask --app guide staff title`); other languages, and people without a title, get
the role's translated label."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from guide.core.extensions import db
from guide.demo import STAFF, load_demo
from guide.models import Role, StaffUser
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.app.test_written_requests import _answer, _soup
from tests.conftest import get_page
from tests.factories import make_household, make_proposal, make_staff


def _letter_copies(client, app, household) -> list[str]:
    sign_in_as(client, app, household)
    proposal = make_proposal(household, rank=1, status="visited", visit_on=date.today())
    _review, response = _answer(client, proposal.id, "refuse", ["size"])
    reference = response.headers["Location"].rsplit("/", 1)[1]
    letter = _soup(client.get(f"/my/requests/{reference}/letter"))
    return [copy.select_one(".recipient").get_text(" ", strip=True) for copy in letter.select("article.letter")]


def test_the_letter_names_the_officer_with_her_own_title(client, app, ctx) -> None:
    officer = make_staff(name="Nadia Benali", title="chargée de relogement")
    household = make_household(officer_id=officer.id, language="tr")
    french, turkish = _letter_copies(client, app, household)
    assert "Copie : Nadia Benali, chargée de relogement" in french
    assert "Bilgi: Nadia Benali, yerleşim görevlisi" in turkish  # no translation of her words: the role's label


def test_without_a_title_the_letter_uses_the_roles_label(client, app, ctx) -> None:
    officer = make_staff(name="Julien Caron")
    household = make_household(officer_id=officer.id, language="fr")
    (french,) = _letter_copies(client, app, household)
    assert "Copie : Julien Caron, chargé de relogement" in french


@pytest.mark.parametrize(("lang", "officer_words", "mediator_words"), [
    ("fr", "chargée de relogement", "médiateur"),
    ("en", "relocation officer", "mediator"),
    ("ar", "مكلف بإعادة الإسكان", "وسيط"),
])
def test_households_contacts_show_each_persons_title(client, app, ctx, lang, officer_words,
                                                     mediator_words) -> None:
    officer = make_staff(name="Nadia Benali", title="chargée de relogement")
    mediator = make_staff(name="Karim Saïdi", role=Role.MEDIATOR)
    household = make_household(officer_id=officer.id, mediator_id=mediator.id, language=lang)
    sign_in_as(client, app, household)
    contacts = [li.select_one("p").get_text(" ", strip=True) for li in
                get_page(client, "/my/contacts", lang).soup.select("#contacts .contact-list li")]
    assert contacts == [f"Nadia Benali – {officer_words}", f"Karim Saïdi – {mediator_words}"]


def test_the_accounts_page_shows_the_title_beside_the_role(client, app, ctx) -> None:
    officer = make_staff(name="Nadia Benali", title="chargée de relogement")
    admin = make_staff(role=Role.ADMIN)
    log_in(client, admin)
    row = get_page(client, "/staff/accounts").soup.select_one(f"tr[data-staff='{officer.id}']")
    assert row.select_one("[data-title]").get_text() == "« chargée de relogement »"
    assert "chargé de relogement" in row.get_text()  # the role, which sets the rights
    assert get_page(client, "/staff/accounts").soup.select_one(f"tr[data-staff='{admin.id}'] [data-title]") is None


def test_the_cli_sets_and_clears_a_title(app, ctx) -> None:
    runner = app.test_cli_runner()

    def run(*args: str):
        with app.app_context():  # `flask` pushes one; the test runner does not for a plain click group
            return runner.invoke(args=["staff", *args])

    def title() -> str | None:
        with app.app_context():
            return db.session.scalars(select(StaffUser.title).where(StaffUser.email == "sophie@example.org")).one()

    created = run("create", "--email", "Sophie@example.org", "--name", "Sophie Lefebvre", "--role", "mediator",
                  "--title", "  médiatrice ", "--password", "a long enough password")
    assert created.exit_code == 0, created.output
    assert title() == "médiatrice"
    changed = run("title", "sophie@example.org", "médiatrice-facilitatrice")
    assert changed.exit_code == 0 and "Sophie Lefebvre, médiatrice-facilitatrice" in changed.output
    assert title() == "médiatrice-facilitatrice"
    cleared = run("title", "sophie@example.org")
    assert cleared.exit_code == 0 and "label of the role mediator" in cleared.output
    assert title() is None
    assert run("title", "sophie@example.org", "x" * 81).exit_code != 0
    assert run("title", "nobody@example.org", "médiateur").exit_code != 0
    assert title() is None


def test_every_demo_staff_member_has_a_title(app, ctx) -> None:
    with app.app_context():
        load_demo(date(2026, 12, 7))
        titles = {email: title for email, title in db.session.execute(select(StaffUser.email, StaffUser.title))}
    assert [titles[email] for email, *_, title in STAFF] == [title for *_, title in STAFF]
    assert titles["officer@demo.test"] == "chargée de relogement" and titles["mediator@demo.test"] == "médiatrice"

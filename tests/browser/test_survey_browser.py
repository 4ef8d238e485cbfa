"""On a phone (360×740), in Portuguese: open the survey from the SMS personal link, answer it, see the thanks;
the move page too. Every page scanned with axe."""

from __future__ import annotations

from datetime import date, timedelta

from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from guide.core.extensions import db
from guide.features.after_move import service as after_move
from guide.features.signin import service as signin
from guide.features.survey import service as survey
from guide.features.survey.service import QUESTIONS
from guide.models import Household, Role, SurveyAnswer
from tests.browser.conftest import click_through
from tests.factories import PASSWORD, make_household, make_move_expense, make_staff

AXE = Axe()


def _violations(page) -> list[str]:
    return [f"{page.url}: {v['id']} {[n['target'] for n in v['nodes']][:3]}"
            for v in AXE.run(page).response["violations"]]


def test_answer_the_survey_in_portuguese_on_a_phone(phone_ctx, app, ctx) -> None:
    household = make_household(language="pt", stage="after-move", moved_on=date.today() - timedelta(days=200))

    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id), target="/my/survey")
        db.session.commit()
    page = phone_ctx("pt")
    page.goto(f"/k/{token}")  # the SMS invitation's personal link
    click_through(page.locator("main form button[type=submit]"))
    page.wait_for_url("**/my/survey")
    assert page.locator("html").get_attribute("lang") == "pt"
    problems = _violations(page)
    click_through(page.locator("main a.button"))  # "Começar"
    assert page.locator("[data-progress]").inner_text() == "Pergunta 1 de 8"
    # continue without an answer first: the summary takes the focus and says what to do
    click_through(page.locator("main form button[type=submit]"))
    assert page.title().startswith("Erro:"), page.title()
    assert page.evaluate("document.activeElement.matches('.error-summary')"), "the error summary has not the focus"
    problems += _violations(page)
    for number, (question, _options) in enumerate(QUESTIONS, 1):
        assert page.locator("[data-progress]").inner_text() == f"Pergunta {number} de 8"
        if number == 5:
            assert "Está contente com a sua nova casa?" in page.locator("main h1").inner_text()
            problems += _violations(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            click_through(page.locator("main a.back"))  # back to question 4: its answer is still chosen
            assert page.locator("#costs_refunded-0").is_checked(), "going back lost the answer"
            click_through(page.locator("main form button[type=submit]"))
        page.locator(f"label[for='{question}-{1 if question == 'overall' else 0}']").click()
        click_through(page.locator("main form button[type=submit]"))
    assert page.url.endswith("/my/survey/check")
    assert page.locator("[data-answer=overall]").inner_text() == "Bastante contente"
    problems += _violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    click_through(page.locator("main form button[type=submit]"))
    assert page.locator("[data-survey='answered']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    problems += _violations(page)
    page.goto("/my/move")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    problems += _violations(page)
    page.goto("/my")
    problems += _violations(page)
    with app.app_context():
        answers = db.session.scalars(select(SurveyAnswer)).all()
        assert len(answers) == 1 and answers[0].answers["overall"] == "satisfied"
    assert not problems, "\n".join(problems)


def test_the_survey_works_without_javascript(phone_ctx, app, ctx) -> None:
    household = make_household(language="fr", stage="after-move", moved_on=date.today() - timedelta(days=200))
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id), target="/my/survey/1")
        db.session.commit()
    page = phone_ctx("fr", javascript=False)
    page.goto(f"/k/{token}")
    click_through(page.locator("main form button[type=submit]"))
    page.wait_for_url("**/my/survey/1")
    for question, _options in QUESTIONS:
        page.locator(f"label[for='{question}-1']").click()
        click_through(page.locator("main form button[type=submit]"))
    assert page.url.endswith("/my/survey/check")
    click_through(page.locator("[data-answer=flat] + .change a"))  # change one answer from the check page
    assert page.locator("#flat-1").is_checked()
    page.locator("label[for='flat-0']").click()
    click_through(page.locator("main form button[type=submit]"))
    assert page.url.endswith("/my/survey/check"), "a change does not lead back to the check page"
    assert page.locator("[data-answer=flat]").inner_text() == "Très content"
    click_through(page.locator("main form button[type=submit]"))
    assert page.locator("[data-survey='answered']").count() == 1
    with app.app_context():
        assert db.session.scalars(select(SurveyAnswer)).one().answers["flat"] == "very_satisfied"


def test_staff_after_move_and_survey_results_pages_on_a_phone(phone_ctx, app, ctx) -> None:
    officer = make_staff(password=PASSWORD)
    admin = make_staff(role=Role.ADMIN, password=PASSWORD)
    household = make_household(officer_id=officer.id, moved_on=date.today() - timedelta(days=70))
    make_move_expense(household, invoice_on=date.today() - timedelta(days=20))
    with app.test_request_context():
        after_move.plan_courtesy_visits(db.session.get(Household, household.id))
        for n in range(6):
            other = Household(reference=f"S-{n}", display_name=f"Survey {n}", language="fr", occupants=2,
                              moved_on=date.today() - timedelta(days=200))
            db.session.add(other)
            db.session.flush()
            answers = {q: options[n % 2] for q, options in QUESTIONS}
            survey.submit_survey(other, answers, date.today())
        db.session.commit()
    problems = []
    for staff, urls in ((officer, [f"/staff/households/{household.id}", f"/staff/households/{household.id}/after-move",
                                   "/staff/refunds"]),
                        (admin, ["/staff/survey"])):
        page = phone_ctx("fr")
        page.goto("/staff/login")
        page.locator("input[name=email]").fill(staff.email)
        page.locator("input[name=password]").fill(PASSWORD)
        click_through(page.locator("form button[type=submit]"))
        for url in urls:
            page.goto(url)
            problems += _violations(page)
    assert page.locator("figure svg[role=img]").count() == 1
    assert not problems, "\n".join(problems)

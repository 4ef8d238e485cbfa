"""A household signs in with an SMS code on a phone and reads its answer-by date; staff pages at phone size."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from guide.core.extensions import db
from guide.models import Appointment, ProposalStatus, SmsMessage
from guide.rules.deadlines import decision_deadline
from tests.browser.conftest import click_through
from tests.factories import PASSWORD, make_appointment, make_budget, make_household, make_proposal, make_staff

AXE = Axe()


def _violations(page) -> list[str]:
    return [f"{page.url}: {v['id']} {[n['target'] for n in v['nodes']][:3]}"
            for v in AXE.run(page).response["violations"]]


def _code(app) -> str:
    with app.app_context():
        body = db.session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc())).first().body
    return re.search(r"\b\d{6}\b", body).group(0)


@pytest.mark.parametrize(("lang", "number"), [("fr", "+33611223344"), ("ar", "+33611223355")])
def test_sign_in_with_a_code_and_read_the_answer_by_date(phone_ctx, app, ctx, lang: str, number: str) -> None:
    officer = make_staff(name="Nadia Benali", phone="+33320123456")
    household = make_household(phone=number, language=lang, stage="my-answer", officer_id=officer.id)
    visit = date.today() - timedelta(days=2)
    proposal = make_proposal(household, rank=2, status=ProposalStatus.VISITED, visit_on=visit)
    make_budget(household)
    make_appointment(household, starts_at=datetime.now(UTC) + timedelta(days=3))
    page = phone_ctx(lang)
    page.goto("/sign-in")
    page.locator("input[name=phone]").fill(number.replace("+33", "0"))
    click_through(page.locator("form button[type=submit]"))
    assert page.url.endswith("/sign-in/code")
    page.locator("input[name=code]").fill(_code(app))
    click_through(page.locator("form button[type=submit]"))
    assert page.url.endswith("/my")
    assert page.locator("html").get_attribute("lang") == lang
    assert str(decision_deadline(visit).day) in page.locator("#next").inner_text()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 3 * 740, f"'where I stand' is {height} px high at 360 px: more than three screens"
    problems = _violations(page)
    for link in ("#link-proposals", "#link-requests", "#link-papers", "#link-contacts"):
        page.goto("/my")
        click_through(page.locator(f"{link} a"))
        assert page.locator("main h1").count() == 1, f"{link} does not open a page with its heading"
        problems += _violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    page.goto("/my/proposals")
    deadline = page.locator("#proposals [data-answer-by]")
    assert deadline.get_attribute("data-answer-by") == decision_deadline(visit).isoformat()
    assert str(decision_deadline(visit).day) in deadline.inner_text()
    click_through(page.locator(f"a[href='/my/proposals/{proposal.id}']").first)
    assert page.locator("#money [data-verdict]").count() == 1
    problems += _violations(page)
    page.goto(f"/my/appointments/{_first_appointment(app, household.id)}/change")
    problems += _violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto("/my")
    click_through(page.locator("a[href='/my/data']"))  # "Mes données": what is held about us, readable on a phone
    assert page.locator("main h2").count() >= 5
    problems += _violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto("/my")
    click_through(page.locator(".session-bar button"))
    assert page.url.endswith("/signed-out")
    page.goto("/my")
    assert "/sign-in" in page.url
    assert not problems, "\n".join(problems)


def _first_appointment(app, household_id: int) -> int:
    with app.app_context():
        return db.session.scalars(select(Appointment.id).where(Appointment.household_id == household_id)).first()


def test_staff_pages_pass_the_accessibility_scan(phone_ctx, app, ctx) -> None:
    officer = make_staff(email="agent@example.org", password=PASSWORD)
    household = make_household(officer_id=officer.id, last_contact_on=date(2026, 1, 1))
    make_proposal(household, rank=1, visit_on=date.today() - timedelta(days=1), status=ProposalStatus.VISITED,
                  rent=Decimal("450"))
    page = phone_ctx("fr")
    page.goto("/staff/login")
    problems = _violations(page)
    page.locator("input[name=email]").fill("agent@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    click_through(page.locator("form button[type=submit]"))
    assert page.url.endswith("/staff/")
    problems += _violations(page)
    click_through(page.locator("tbody a").first)
    problems += _violations(page)
    page.locator("details:has(form[action$='/proposals']) summary").click()
    click_through(page.locator("form[action$='/proposals'] button[type=submit]"))  # empty form: errors shown
    assert page.locator(".error-summary").count() == 1
    problems += _violations(page)
    page.goto(f"/staff/households/{household.id}/data")  # the right of access, as the officer in charge sees it
    assert page.locator("main h2").count() >= 5
    problems += _violations(page)
    assert not problems, "\n".join(problems)

"""On a phone, refuse a proposal then ask for mediation (Turkish and French); receipt, letter, staff inbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from guide.core.extensions import db
from guide.features.signin import service as signin
from guide.models import Household, ProposalStatus, Role
from tests.browser.conftest import click_through
from tests.factories import PASSWORD, make_household, make_proposal, make_staff

AXE = Axe()


def _violations(page) -> list[str]:
    return [f"{page.url}: {v['id']} {[n['target'] for n in v['nodes']][:3]}"
            for v in AXE.run(page).response["violations"]]


@pytest.mark.parametrize("lang", ["tr", "fr"])
def test_refuse_then_ask_for_mediation(phone_ctx, app, ctx, live_server, lang: str) -> None:
    officer = make_staff()
    group = make_staff(role=Role.MEDIATION_GROUP, email=f"groupe-{lang}@example.org", password=PASSWORD)
    household = make_household(language=lang, officer_id=officer.id, stage="my-answer")
    make_proposal(household, rank=1, status=ProposalStatus.REFUSED, visit_on=date.today() - timedelta(days=40))
    second = make_proposal(household, rank=2, status=ProposalStatus.VISITED, visit_on=date.today() - timedelta(days=1))
    page = phone_ctx(lang)
    # sign in through a personal link, as from an SMS

    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id))
        db.session.commit()
    page.goto(f"/k/{token}")
    click_through(page.locator("main form button[type=submit]"))
    problems = []
    page.goto(f"/my/proposals/{second.id}")
    click_through(page.locator(f"a[href='/my/proposals/{second.id}/answer']"))
    problems += _violations(page)
    page.locator("label[for='decision-1']").click()
    page.locator("input[value=rent_charges]").check()
    page.locator("textarea[name=text]").fill("Kira çok yüksek 💶")
    click_through(page.locator("main form button[type=submit]"))
    problems += _violations(page)
    expect(page.locator(".card.highlight")).to_have_count(1)  # waits for the page the click opened to be drawn
    click_through(page.locator("button[value=send]"))
    reference = page.locator("[data-reference]").get_attribute("data-reference")
    assert reference.startswith("REF-") and "Kira çok yüksek 💶" in page.locator("main").inner_text()
    problems += _violations(page)
    page.goto("/my/mediation")
    page.locator("textarea[name=what_happened]").fill("İki teklif reddedildi. Deux refus.")
    page.locator("textarea[name=wish]").fill("Lille'de kalmak")
    click_through(page.locator("main form button[type=submit]"))
    mediation_reference = page.locator("[data-reference]").get_attribute("data-reference")
    assert mediation_reference.startswith("MED-")
    click_through(page.locator(f"a[href='/my/requests/{mediation_reference}/letter']"))
    letters = page.locator("article.letter")
    expected = ["fr", lang] if lang != "fr" else ["fr"]
    expect(letters).to_have_count(len(expected))
    assert [letters.nth(i).get_attribute("lang") for i in range(letters.count())] == expected
    assert "Lille'de kalmak" in letters.first.inner_text()
    pdf = page.request.get(f"{live_server}/my/requests/{mediation_reference}/letter.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # the mediation group sees the case in its inbox
    staff = phone_ctx("fr")
    staff.goto("/staff/login")
    staff.locator("input[name=email]").fill(group.email)
    staff.locator("input[name=password]").fill(PASSWORD)
    click_through(staff.locator("form button[type=submit]"))
    staff.goto("/staff/mediation")
    problems += _violations(staff)
    assert staff.locator("tr[data-case]").count() == 1
    click_through(staff.locator("tr[data-case] a"))
    expect(staff.locator(f"[data-request='{mediation_reference}']")).to_have_count(1)
    assert staff.locator(f"[data-request='{reference}']").count() == 1
    problems += _violations(staff)
    assert not problems, "\n".join(problems)

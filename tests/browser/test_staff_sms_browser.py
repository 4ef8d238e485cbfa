"""On a phone, an officer answers a household's SMS: failure notice, template in the household's language, live
segment counter (htmx under the CSP), inbox with its "done" button; no axe violation. Also without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from guide.core.extensions import db
from guide.features.sms_replies.panel import reply_texts
from guide.models import HouseholdPhone, SmsInbound, SmsMessage
from tests import factories
from tests.browser.conftest import click_through
from tests.factories import PASSWORD, make_household, make_staff

AXE = Axe()


def _violations(page) -> list[str]:
    return [f"{page.url}: {v['id']} {[n['target'] for n in v['nodes']][:3]}"
            for v in AXE.run(page).response["violations"]]


def _world(email: str):
    officer = make_staff(email=email, password=PASSWORD, phone="+33320123456")
    household = make_household(officer_id=officer.id, language="ar", display_name="Famille Haddad")
    now = datetime.now(UTC)
    with factories.APP.app_context():
        number = db.session.scalars(select(HouseholdPhone.number).where(
            HouseholdPhone.household_id == household.id)).one()
        db.session.add_all([
            SmsMessage(household_id=household.id, to_number=number, kind="appointment_soon", body="تذكير",
                       status="undelivered", created_at=now - timedelta(days=1), send_after=now - timedelta(days=1)),
            SmsInbound(message_sid=f"SM-browser-{email}", household_id=household.id, from_number=number,
                       body="متى الموعد؟", inbox_status="open", received_at=now - timedelta(hours=1)),
        ])
        db.session.commit()
    return officer, household


def _log_in(page, officer) -> None:
    page.goto("/staff/login")
    page.locator("input[name=email]").fill(officer.email)
    page.locator("input[name=password]").fill(PASSWORD)
    click_through(page.locator("form button[type=submit]"))


def test_answer_an_sms_with_htmx(phone_ctx, app, ctx) -> None:
    officer, household = _world("sms-officer@example.org")
    page = phone_ctx("fr")
    _log_in(page, officer)
    assert page.locator("[data-sms-open]").inner_text() == "1"
    page.goto("/staff/sms/inbox")
    problems = _violations(page)
    click_through(page.locator("li[data-inbound] a"))
    assert page.locator("#sms-failure a[href^='tel:']").count() == 1
    problems += _violations(page)
    page.select_option("#sms-template", "received")  # htmx swaps the text box
    expect(page.locator("#sms-text")).to_have_value(reply_texts("ar")["received"])
    # the swapped-in text box listens once htmx has settled it (a person cannot type faster than that; a test can)
    page.wait_for_function("() => !document.querySelector('.htmx-added, .htmx-settling, .htmx-swapping')")
    page.locator("#sms-text").fill("a" * 170)  # live counter, computed by the server
    expect(page.locator("#sms-count [data-segments]")).to_have_attribute("data-segments", "2")
    assert "170 caractères · 2 SMS (GSM-7)" in page.locator("#sms-count").inner_text()
    page.locator("#sms-text").fill("Bonjour, c'est noté.")
    click_through(page.get_by_role("button", name="Envoyer le SMS"))
    page.wait_for_url(f"**/staff/households/{household.id}#sms")
    assert page.locator(".sms-thread li[data-direction='out']").last.inner_text().count("Bonjour, c'est noté.") == 1
    assert page.locator("[data-sms-open]").count() == 0  # the household's open message is done
    problems += _violations(page)
    assert not problems, "\n".join(problems)


def test_template_and_count_without_javascript(phone_ctx, app, ctx) -> None:
    officer, household = _world("sms-nojs@example.org")
    page = phone_ctx("fr", javascript=False)
    _log_in(page, officer)
    page.goto(f"/staff/households/{household.id}")
    page.select_option("#sms-template", "call_me")
    click_through(page.get_by_role("button", name="Mettre ce modèle"))
    assert page.locator("#sms-text").input_value() == reply_texts("ar")["call_me"].format(phone="03 20 12 34 56")
    page.locator("#sms-text").fill("ب" * 71)
    click_through(page.get_by_role("button", name="Compter les SMS"))
    assert "71 caractères · 2 SMS (UCS-2)" in page.locator("#sms-count").inner_text()
    assert page.locator("#sms-text").input_value() == "ب" * 71
    with app.app_context():
        assert not db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "staff_reply")).all()

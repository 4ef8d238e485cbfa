"""On a phone, the mediation group sees a household's photos: thumbnails on the case page (44 px targets) opening the
full photo, and the staff letter page with the photos, a print button (with JavaScript) or how to print (without),
and the PDF link; no accessibility violation, no sideways scrolling."""

from __future__ import annotations

from datetime import date

from axe_playwright_python.sync_playwright import Axe

from guide.core.extensions import db
from guide.core.uploads import clean_photo
from guide.features.requests import service as written
from guide.models import Household, Role
from tests.app.test_mediation_photos import _photo
from tests.browser.conftest import click_through
from tests.factories import PASSWORD, make_household, make_staff

AXE = Axe()


def _violations(page) -> list[str]:
    return [f"{page.url}: {v['id']} {[n['target'] for n in v['nodes']][:3]}"
            for v in AXE.run(page).response["violations"]]


def _log_in(page, email: str) -> None:
    page.goto("/staff/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    click_through(page.locator("form button[type=submit]"))


def test_the_mediation_group_sees_the_photos_and_prints_the_letter(phone_ctx, app, ctx, live_server) -> None:
    group = make_staff(role=Role.MEDIATION_GROUP, email="groupe-photos@example.org", password=PASSWORD)
    household = make_household(language="ar", officer_id=make_staff().id)
    with app.test_request_context():
        sent = written.ask_mediation(db.session.get(Household, household.id), "La fenêtre est cassée", "", "",
                                     [clean_photo(_photo((900, 600), (200, 40, 40))),
                                      clean_photo(_photo((400, 1600), (40, 40, 200)))], "b" * 32, date.today())
        db.session.commit()
        reference = sent.reference
    page = phone_ctx("fr")
    _log_in(page, group.email)
    page.goto("/staff/mediation")
    click_through(page.locator("tr[data-case] a"))
    problems = _violations(page)
    links = page.locator(f"[data-photos='{reference}'] a[data-photo]")
    assert links.count() == 2
    for index in range(2):
        box = links.nth(index).bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, f"thumbnail {index}: {box}"
        assert links.nth(index).locator("img").evaluate("img => img.complete && img.naturalWidth > 0"), \
            f"thumbnail {index} did not load"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with page.expect_response(lambda r: "/photos/" in r.url and "size=" not in r.url) as photo:
        click_through(links.first)
    assert photo.value.ok and photo.value.headers["content-type"] == "image/jpeg"
    page.go_back()
    click_through(page.locator(f"a[href='/staff/requests/{reference}/letter']"))
    problems += _violations(page)
    assert page.locator("figure.letter-photo img").count() == 2
    assert page.locator("figure.letter-photo img").last.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the letter page scrolls sideways"
    button = page.locator("button[data-print]")
    assert button.is_visible(), "with JavaScript, the print button shows"
    # (a function: an expression that ends in a function would be called by evaluate itself)
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    button.click()
    assert page.evaluate("window.printed") == 1, "the print button did not open printing"
    assert "ko)" in page.locator("a[data-pdf]").inner_text()
    # without JavaScript: no dead button, the way to print is written
    plain = phone_ctx("fr", javascript=False)
    _log_in(plain, group.email)
    plain.goto(f"/staff/requests/{reference}/letter")
    assert not plain.locator("button[data-print]").is_visible()
    assert plain.locator("[data-print-hint]").is_visible()
    assert not problems, "\n".join(problems)

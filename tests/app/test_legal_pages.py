"""The legal pages (issue 19 §5): accessibility statement (RGAA 4.1), legal notice, contact; in every language,
with the compliance status in every footer."""

from __future__ import annotations

import pytest

from tests.app.test_staff import log_in
from tests.conftest import ALL_LANGUAGES, get_page, visible_text
from tests.factories import make_staff

PAGES = ("/accessibility", "/legal", "/contact")


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_the_legal_pages_exist_in_every_language(client, lang: str) -> None:
    for url in PAGES:
        page = get_page(client, url, lang)  # lang/dir, one h1, labels: tests/conftest.check_page
        assert page.text("h1"), f"{url} [{lang}] has no heading"
        if lang != "fr":
            assert "Déclaration" not in page.text("h1"), f"{url} [{lang}] is not translated"


def test_the_statement_says_honestly_it_is_not_compliant_until_an_audit(client) -> None:
    page = get_page(client, "/accessibility")
    status = page.soup.select_one("[data-status]")
    assert status["data-status"] == "none" and "non conforme" in status.get_text(), status
    text = visible_text(page.soup)
    for needed in ("RGAA 4.1", "Ce qui n'est pas accessible", "Demander une autre forme", "Défenseur des droits",
                   "Libre réponse 71120, 75342 Paris CEDEX 07"):
        assert needed in text, f"the statement lacks {needed!r}"
    assert page.soup.select_one("a[href='https://formulaire.defenseurdesdroits.fr/']"), "no link to the form"


def test_in_arabic_the_french_address_is_isolated_and_marked_french(client) -> None:
    page = get_page(client, "/accessibility", "ar")
    post = [b for b in page.soup.select("bdi[lang=fr]") if "71120" in b.get_text()]
    assert post, "the Défenseur des droits' address is not a French isolate in the Arabic page"


def test_an_audit_rate_changes_the_status_everywhere(client, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "ACCESSIBILITY_AUDIT_RATE", 78.5)
    page = get_page(client, "/accessibility")
    assert page.soup.select_one("[data-status]")["data-status"] == "partial"
    assert "78.5" in page.text("[data-status]") or "78,5" in page.text("[data-status]")
    assert "Accessibilité : partiellement conforme" in get_page(client, "/glossary").text("footer")


def test_every_footer_links_the_statement_with_its_status(client, app, ctx) -> None:
    for url in ("/", "/glossary", "/simulator", "/sign-in", "/staff/login", "/contact"):
        link = get_page(client, url).soup.select_one("footer a[href='/accessibility']")
        assert link is not None and link.get_text() == "Accessibilité : non conforme", f"{url}: {link}"
    staff = app.test_client()
    log_in(staff, make_staff())
    assert get_page(staff, "/staff/").soup.select_one("footer a[href='/accessibility']") is not None


def test_the_legal_notice_names_publisher_director_and_host(client, app, monkeypatch) -> None:
    page = get_page(client, "/legal")
    text = visible_text(page.soup)
    assert "Métropole européenne de Lille" in text and "Directeur de la publication" in text
    assert page.text("[data-host]") == "Pas encore indiqué.", "an unknown host must be said, not invented"
    monkeypatch.setitem(app.config, "LEGAL_HOST", "Hébergeur SAS, 1 rue X, 59000 Lille")
    assert get_page(client, "/legal").text("[data-host]") == "Hébergeur SAS, 1 rue X, 59000 Lille"

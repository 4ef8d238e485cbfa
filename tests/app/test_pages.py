"""Every guide page in every language, read through selectors, with the common page checks."""

from __future__ import annotations

import re

import pytest

from guide import create_app
from guide.core.content import load_flow_structures, load_journey, load_language
from tests.conftest import ALL_LANGUAGES, get_page, visible_text

STAGES = [s["slug"] for s in load_journey()]
PAGES = sorted(load_language("fr").pages)
FLOWS = sorted(load_flow_structures())
GUIDE_URLS = (["/", "/journey", "/pages", "/flows", "/glossary", "/language", "/simulator", "/sign-in"]
              + [f"/journey/{s}" for s in STAGES] + [f"/pages/{p}" for p in PAGES] + [f"/flows/{f}" for f in FLOWS])


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_every_guide_page_renders_in_every_language(client, lang: str) -> None:
    for url in GUIDE_URLS:
        get_page(client, url, lang)


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_every_internal_link_on_guide_pages_resolves(client, lang: str) -> None:
    seen: set[str] = set()
    for url in GUIDE_URLS:
        page = get_page(client, url, lang)
        for anchor in page.soup.select("main a[href^='/']"):
            seen.add(anchor["href"].split("#")[0])
    for href in sorted(seen):
        response = client.get(href)
        assert response.status_code in (200, 303), f"{href} (linked in {lang}) gave {response.status_code}"


def test_journey_lists_the_eight_stages_in_order(client) -> None:
    page = get_page(client, "/journey")
    links = [a["href"] for a in page.soup.select("ol.journey a")]
    assert links == [f"/journey/{slug}" for slug in STAGES]
    assert page.soup.select_one("a[href='/flows/where']"), "the journey points to 'Where am I?'"


def test_home_has_a_where_am_i_entry(client) -> None:
    page = get_page(client, "/")
    assert page.soup.select_one("main a.button[href='/flows/where']")


def test_stage_page_has_sections_details_and_neighbours(client) -> None:
    page = get_page(client, "/journey/visit")
    assert page.text(".eyebrow") == f"Étape 5 sur {len(STAGES)}"
    assert len(page.soup.select("article .prose h2")) == 5
    details = page.soup.select_one("details.more")
    assert details is not None and "§" in details.get_text()
    assert page.soup.select_one("a[rel=prev]")["href"] == "/journey/searching"
    assert page.soup.select_one("a[rel=next]")["href"] == "/journey/my-answer"


def test_glossary_terms_are_linked_from_the_text(client) -> None:
    page = get_page(client, "/journey/searching")
    terms = {a.get_text() for a in page.soup.select("article a.term")}
    assert {"GTR", "CALEOL"} <= terms
    glossary = get_page(client, "/glossary")
    for anchor in page.soup.select("article a.term"):
        target = anchor["href"].split("#")[1]
        assert glossary.soup.find(id=target), f"glossary has no entry #{target}"


def test_terms_are_not_linked_inside_headings_or_twice(client) -> None:
    page = get_page(client, "/journey/searching")
    assert not page.soup.select("h1 a.term, h2 a.term")
    hrefs = [a["href"] for a in page.soup.select("article a.term")]
    assert len(hrefs) == len(set(hrefs))


def test_listen_button_is_present_but_hidden_without_javascript(client) -> None:
    page = get_page(client, "/journey/visit", "ar")
    button = page.soup.select_one("button.listen")
    assert button is not None and button.has_attr("hidden") and button["data-lang"] == "ar"


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_not_found_page_speaks_the_visitors_language(client, lang: str) -> None:
    page = get_page(client, "/journey/nowhere", lang, status=404)
    assert page.soup.select_one("main a.button[href='/']")


def test_not_found_texts_differ_by_language(client) -> None:
    french = get_page(client, "/nope", "fr", status=404).text("h1")
    arabic = get_page(client, "/nope", "ar", status=404).text("h1")
    assert french == "Page introuvable" and arabic != french and re.search("[\u0600-\u06ff]", arabic)


def test_server_error_page_is_translated(database_url: str) -> None:
    app = create_app({"TESTING": False, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"})

    @app.get("/_boom")
    def _boom():  # pragma: no cover - only reached here
        raise RuntimeError("boom")

    page = get_page(app.test_client(), "/_boom", "tr", status=500)
    assert "boom" not in visible_text(page.soup)
    assert page.text("h1") != "Un problème est survenu"
    assert page.soup.select_one("main a.button[href='/']")

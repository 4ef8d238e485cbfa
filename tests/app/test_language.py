"""Choosing a language: explicit choice (remembered) → browser → French; the menu works without JavaScript."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.conftest import check_page


def _lang(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").html["lang"]


def test_default_is_french(client) -> None:
    assert _lang(client.get("/")) == "fr"


def test_browser_language_is_used_when_nothing_was_chosen(client) -> None:
    assert _lang(client.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})) == "tr"
    assert _lang(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})) == "fr"


def test_explicit_choice_is_remembered_and_beats_the_browser(client) -> None:
    response = client.get("/language/ar?next=/journey/visit")
    assert response.status_code == 303 and response.headers["Location"] == "/journey/visit"
    page = client.get("/journey/visit", headers={"Accept-Language": "en"})
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    check_page(soup, "ar")
    assert soup.html["dir"] == "rtl"


def test_query_choice_sets_the_cookie(client) -> None:
    response = client.get("/?lang=pt")
    assert _lang(response) == "pt"
    assert "lang=pt" in response.headers.get("Set-Cookie", "")
    assert _lang(client.get("/")) == "pt"


def test_unknown_language_is_ignored(client) -> None:
    assert _lang(client.get("/?lang=xx")) == "fr"
    assert client.get("/language/xx").status_code == 404


def test_menu_names_each_language_in_itself_and_keeps_the_page(client) -> None:
    soup = BeautifulSoup(client.get("/pages/costs").get_data(as_text=True), "html.parser")
    links = {a["lang"]: a for a in soup.select(".lang-menu a")}
    assert {k: a.get_text(strip=True) for k, a in links.items()} == {
        "fr": "Français", "ar": "العربية", "en": "English", "tr": "Türkçe", "pt": "Português"}
    assert links["ar"]["dir"] == "rtl"
    assert links["en"]["href"] == "/language/en?next=/pages/costs"


def test_redirect_only_to_local_paths(client) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.get("/language/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_pages_vary_on_language_inputs(client) -> None:
    vary = client.get("/journey").headers.get("Vary", "")
    assert "Cookie" in vary and "Accept-Language" in vary

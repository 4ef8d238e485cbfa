"""Walk the journey and a guided flow on a phone, in French and Arabic; scan every guide page with axe."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from guide.core.content import load_flow_structures, load_journey, load_language
from tests.browser.conftest import click_through
from tests.conftest import ALL_LANGUAGES

STAGES = [s["slug"] for s in load_journey()]
PAGES = sorted(load_language("fr").pages)
FLOWS = sorted(load_flow_structures())
SCANNED = (["/", "/journey", "/pages", "/flows", "/glossary", "/language", "/nope", "/sign-in",
            "/accessibility", "/legal", "/contact",
            "/simulator", "/simulator/all?people=3&resources=1500&rent_now=400&charges_now=90&benefit_now=150"
            "&rent_new=480&charges_new=120&benefit_new=160", "/simulator/all?people=0&resources=abc",
            "/simulator/all?people=4&resources=1800&adults=2&children=2&salary=1800&rent_now=550&commune_now=Lille"
            "&rent_new=600&commune_new=Roubaix&hlm_new=1", "/simulator/all?people=2&resources=900&commune_now=Atlantis"]
           + [f"/journey/{s}" for s in STAGES] + [f"/pages/{p}" for p in PAGES] + [f"/flows/{f}" for f in FLOWS]
           + ["/flows/proposal?rank=2&visited=yes&visit_date=2026-11-20",
              "/flows/proposal?rank=1&visited=yes&visit_date-day=99&visit_date-month=99&visit_date-year=2026",
              "/flows/proposal?rank=2&visited=yes", "/flows/proposal?rank=2&visited=yes&at=visited",
              "/flows/where?moved=no&proposal=no&interview=yes&project=no"])

AXE = Axe()


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways ({width}px)"


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_axe_finds_no_violation_on_any_guide_page(phone, lang: str) -> None:
    page = phone(lang)
    problems = []
    for url in SCANNED:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == lang
        results = AXE.run(page)
        for violation in results.response["violations"]:
            nodes = [n["target"] for n in violation["nodes"]][:3]
            problems.append(f"{url}: {violation['id']} ({violation['impact']}) {nodes}")
        _no_horizontal_scroll(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("lang", "direction"), [("fr", "ltr"), ("ar", "rtl")])
def test_walk_the_journey_from_home_to_the_last_stage(phone, lang: str, direction: str) -> None:
    page = phone(lang)
    assert page.locator("html").get_attribute("dir") == direction
    click_through(page.locator("footer a[href='/journey']"))
    click_through(page.locator("ol.journey a").first)
    visited = [page.url]
    while page.locator("a[rel=next]").count():
        click_through(page.locator("a[rel=next]"))
        visited.append(page.url)
        assert page.locator("article h1").inner_text().strip()
        _no_horizontal_scroll(page)
    assert [u.rsplit("/", 1)[1] for u in visited] == STAGES
    details = page.locator("details.more")
    details.locator("summary").click()
    assert "§" in details.inner_text()


def test_arabic_layout_is_mirrored(phone) -> None:
    page = phone("ar")
    page.goto("/journey")
    brand = page.locator(".brand").bounding_box()
    menu = page.locator(".lang-menu summary").bounding_box()
    assert brand["x"] > menu["x"], "in Arabic the site name sits on the right"
    number = page.locator(".step-number").first.bounding_box()
    title = page.locator(".step-title").first.bounding_box()
    assert number["x"] > title["x"], "step numbers sit on the right of their titles"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_guided_flow_gives_the_answer_by_date_and_back_keeps_answers(phone, lang: str) -> None:
    page = phone(lang)
    page.goto("/flows/proposal")
    page.locator("label[for='answer-rank-2']").click()
    click_through(page.locator("form.question button[type=submit]"))
    page.locator("label[for='answer-visited-1']").click()
    click_through(page.locator("form.question button[type=submit]"))
    page.locator("input[name=visit_date-day]").fill("20")
    page.locator("input[name=visit_date-month]").fill("11")
    page.locator("input[name=visit_date-year]").fill("2026")
    click_through(page.locator("form.question button[type=submit]"))
    result = page.locator("article.result").inner_text()
    assert "30" in result and "2026" in result, result
    click_through(page.locator("a.back"))
    assert [page.locator(f"input[name=visit_date-{part}]").input_value() for part in ("day", "month", "year")] == [
        "20", "11", "2026"]
    click_through(page.locator("a.back"))
    assert page.locator("#answer-visited-1").is_checked()


def test_everything_works_without_javascript(phone) -> None:
    page = phone(javascript=False)
    page.goto("/flows/household")
    page.locator("label[for='answer-person-3']").click()
    click_through(page.locator("form.question button[type=submit]"))
    for part, value in (("day", "15"), ("month", "1"), ("year", "2026")):
        page.locator(f"input[name=hosted_since-{part}]").fill(value)
    click_through(page.locator("form.question button[type=submit]"))
    page.locator("label[for='answer-proof-1']").click()
    click_through(page.locator("form.question button[type=submit]"))
    assert "2026" in page.locator("article.result").inner_text()
    page.locator(".lang-menu summary").click()
    click_through(page.locator(".lang-menu a[lang=tr]"))
    assert page.locator("html").get_attribute("lang") == "tr"
    assert "2026" in page.locator("article.result").inner_text(), "the answers survive the language change"
    page.goto("/pages/costs")
    click_through(page.locator(".feedback button[value=yes]"))
    assert page.locator("h1").count() == 1 and page.locator("a[href='/pages/costs']").count()


def test_feedback_is_a_plain_form_a_real_browser_may_send(phone) -> None:
    """No script on a stage page (no htmx: 65 % of its first load); the browser's Sec-Fetch-Site says the answer
    comes from this site, which is what the view checks instead of a CSRF token."""
    page = phone()
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto("/journey/visit")
    assert not [url for url in scripts if "htmx" in url], f"htmx loaded on a stage page: {scripts}"
    click_through(page.locator(".feedback button[value=no]"))
    page.locator("a[href='/journey/visit']").wait_for()
    assert "403" not in page.title() and page.locator("h1").count() == 1


FAKE_VOICES = """
window.__spoken = null;
const fake = {
  getVoices: () => [{lang: 'ar-SA', name: 'Test Arabic'}, {lang: 'fr-FR', name: 'Test French'}],
  speak: (u) => { window.__spoken = {lang: u.lang, text: u.text}; },
  cancel: () => {}, addEventListener: () => {}, onvoiceschanged: null,
};
Object.defineProperty(window, 'speechSynthesis', {value: fake});
"""


def test_listen_button_hidden_without_a_voice(phone) -> None:
    page = phone("fr")
    page.goto("/journey/visit")
    page.wait_for_load_state("load")
    if page.evaluate("speechSynthesis.getVoices().some(v => v.lang.startsWith('fr'))"):
        pytest.skip("this Chromium has a French voice")  # never the case headless; kept honest
    assert page.locator("button.listen").is_hidden()


def test_listen_reads_the_page_in_its_language(phone) -> None:
    page = phone("ar")
    page.add_init_script(FAKE_VOICES)
    page.goto("/journey/visit")
    button = page.locator("button.listen")
    button.wait_for(state="visible")
    button.click()
    spoken = page.evaluate("window.__spoken")
    assert spoken["lang"] == "ar-SA"
    heading = page.locator("article h1").inner_text().strip()
    assert heading in spoken["text"] and "Écouter" not in spoken["text"]
    assert re.search("[\u0600-\u06ff]", spoken["text"])
    assert button.get_attribute("aria-pressed") == "true"

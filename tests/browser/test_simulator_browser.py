"""The simulator's question pages on a phone (360×740): walk the five steps, check the answers, change one, see the
result; axe finds nothing on any page and nothing scrolls sideways (in French and Arabic); without JavaScript the
same walk works (axe runs inside the page, so it scans the runs with JavaScript: the same HTML)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import click_through

AXE = Axe()


def _scan(page, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    for violation in AXE.run(page).response["violations"]:
        nodes = [n["target"] for n in violation["nodes"]][:3]
        problems.append(f"{page.url}: {violation['id']} ({violation['impact']}) {nodes}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 360:
        problems.append(f"{page.url} scrolls sideways ({width}px)")


@pytest.mark.parametrize(("lang", "javascript", "progress"), [("fr", True, "Étape 2 sur 5"),
                                                              ("ar", True, "المرحلة 2 من 5"),
                                                              ("fr", False, "Étape 2 sur 5")],
                         ids=["fr", "ar", "fr-without-javascript"])
def test_walk_the_steps_check_change_and_see_the_result(phone, lang: str, javascript: bool, progress: str) -> None:
    page = phone(lang, javascript)
    problems: list[str] = []

    def scan() -> None:
        if javascript:
            _scan(page, problems)

    page.goto("/simulator")
    scan()
    click_through(page.locator("a[data-start]"))
    click_through(page.locator("form.sim-step button[type=submit]"))  # empty: says what is missing, in the language
    assert page.locator("#field-people-error").is_visible(), "an empty step says what is missing"
    scan()
    page.fill("#field-people", "3")
    page.fill("#field-adults", "2")
    click_through(page.locator("form.sim-step button[type=submit]"))
    assert page.locator("[data-progress]").inner_text() == progress
    page.fill("#field-resources", "1400")
    click_through(page.locator("form.sim-step button[type=submit]"))
    page.fill("#field-electricity", "120")
    scan()
    click_through(page.locator("form.sim-step button[type=submit]"))
    page.fill("#field-rent-now", "450")
    page.fill("#field-charges-now", "80")
    page.fill("#field-benefit-now", "250")
    click_through(page.locator("form.sim-step button[type=submit]"))
    scan()
    click_through(page.locator("a[data-back]"))  # Back keeps the answers
    assert page.input_value("#field-rent-now") == "450"
    click_through(page.locator("form.sim-step button[type=submit]"))
    click_through(page.locator("form.sim-step button[type=submit]"))  # no offered flat: left empty
    assert page.url.split("?")[0].endswith("/simulator/check")
    scan()
    click_through(page.locator("dl[data-check=household] dd.change a").first)  # change the number of people
    page.fill("#field-people", "4")
    click_through(page.locator("form.sim-step button[type=submit]"))
    assert page.url.split("?")[0].endswith("/simulator/check"), "a change returns to the check page"
    assert page.locator("dd[data-answer=people]").inner_text() == "4"
    click_through(page.locator("a[data-see-result]"))
    # RAC 450 + 80 − 250 = 280; TE 280 ÷ 1400 = 20 %; RAV (1400 − (280 + 120)) ÷ (4 × 30) = 8.33
    assert page.locator("[data-reste-a-vivre]").get_attribute("data-reste-a-vivre") == "8.33"
    scan()
    assert not problems, "\n".join(problems)

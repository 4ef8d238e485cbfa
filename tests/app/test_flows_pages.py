"""Guided questions in the browser's plain HTML: one question per screen, answers in the URL, exact dates."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from flask_babel import format_date

from tests.conftest import get_page


@pytest.fixture()
def frozen_today(monkeypatch):
    monkeypatch.setattr("guide.features.guide.public.today", lambda: date(2026, 11, 22))


def test_a_question_is_a_get_form_with_numbered_choices(client) -> None:
    page = get_page(client, "/flows/proposal")
    form = page.soup.select_one("form.question")
    assert form["method"] == "get" and form["action"] == "/flows/proposal"
    numbers = [n.get_text(strip=True) for n in page.soup.select(".choices .choice-number")]
    assert numbers == ["1", "2", "3"]
    assert page.soup.select_one("fieldset legend h1")


def test_walking_to_the_answer_by_date(client, app, frozen_today) -> None:
    page = get_page(client, "/flows/proposal?rank=2&visited=yes&visit_date=2026-11-20")
    text = page.text("article.result")
    with app.test_request_context("/?lang=fr"):
        expected = format_date(date(2026, 11, 30), format="full")
    assert expected in text  # "lundi 30 novembre 2026"
    assert "8" in page.text(".result")
    assert page.soup.select_one("a[href='/pages/mediation']"), "rank 2 points to mediation"


def test_answer_by_date_in_arabic(client, frozen_today) -> None:
    page = get_page(client, "/flows/proposal?rank=3&visited=yes&visit_date=2026-11-20", "ar")
    assert "2026" in page.text("article.result")


def test_hidden_fields_carry_earlier_answers(client) -> None:
    page = get_page(client, "/flows/proposal?rank=2")
    hidden = {i["name"]: i["value"] for i in page.soup.select("form.question input[type=hidden]")}
    assert hidden == {"rank": "2"}
    assert page.soup.select_one("input[name=visited]")


def test_back_link_keeps_the_earlier_answer_checked(client) -> None:
    page = get_page(client, "/flows/proposal?rank=2&visited=yes")
    back = page.soup.select_one("a.back")["href"]
    query = parse_qs(urlparse(back).query)
    assert query == {"at": ["visited"], "visited": ["yes"], "rank": ["2"]}
    previous = get_page(client, back)
    assert previous.soup.select_one("input[name=visited][value=yes]").has_attr("checked")


def _boxes(page) -> dict[str, str]:
    return {i["name"]: i.get("value", "") for i in page.soup.select("form.question .date-parts input")}


def test_a_date_is_typed_in_day_month_year_boxes_not_a_native_picker(client) -> None:
    page = get_page(client, "/flows/proposal?rank=2&visited=yes")
    assert not page.soup.select("input[type=date], input[type=week], input[type=datetime-local]"), "a native picker"
    assert list(_boxes(page)) == ["visit_date-day", "visit_date-month", "visit_date-year"]
    assert page.soup.select_one("fieldset.date-fieldset legend h1"), "the question is the boxes' legend"
    assert page.soup.select_one("#answer-visit_date")["name"] == "visit_date-day", "the error link lands on the day"


def test_the_boxes_lead_to_the_answer_by_date_and_back_fills_them_again(client, app, frozen_today) -> None:
    page = get_page(client, "/flows/proposal?rank=2&visited=yes&visit_date-day=20&visit_date-month=11"
                            "&visit_date-year=2026")
    with app.test_request_context("/?lang=fr"):
        assert format_date(date(2026, 11, 30), format="full") in page.text("article.result")
    back = get_page(client, page.soup.select_one("a.back")["href"])
    assert _boxes(back) == {"visit_date-day": "20", "visit_date-month": "11", "visit_date-year": "2026"}


@pytest.mark.parametrize(("day", "month", "year", "message"), [
    ("31", "2", "2026", "Cette date n'existe pas"),
    ("20", "", "2026", "en entier"),
    ("20", "11", "26", "4 chiffres"),
    ("1", "1", "1900", "Vérifiez l'année"),  # an unlikely date: refused, not computed
    ("1", "1", "2099", "Vérifiez l'année"),
    ("", "", "", "Écrivez la date"),  # "Continue" with nothing typed
])
def test_a_wrong_or_unlikely_date_is_explained_and_kept_in_the_boxes(client, frozen_today, day, month, year,
                                                                    message) -> None:
    page = get_page(client, f"/flows/proposal?rank=1&visited=yes&visit_date-day={day}&visit_date-month={month}"
                            f"&visit_date-year={year}")
    assert not page.soup.select_one("article.result"), f"{day}/{month}/{year} was accepted"
    assert message in page.text(".error"), page.text(".error")
    assert page.text("title").startswith("Erreur")
    assert _boxes(page) == {"visit_date-day": day, "visit_date-month": month, "visit_date-year": year}
    assert all(i["aria-invalid"] == "true" for i in page.soup.select(".date-parts input"))


def test_a_date_error_in_the_users_language(client, frozen_today) -> None:
    query = "/flows/proposal?rank=1&visited=yes&visit_date-day=31&visit_date-month=2&visit_date-year=2026"
    french, english = get_page(client, query, "fr").text(".error"), get_page(client, query, "en").text(".error")
    assert french and english and french != english


def test_error_message_in_the_users_language(client) -> None:
    french = get_page(client, "/flows/proposal?rank=9", "fr").text(".error")
    english = get_page(client, "/flows/proposal?rank=9", "en").text(".error")
    assert french == "Choisissez une réponse." and english != french


def test_where_am_i_points_to_a_stage(client) -> None:
    page = get_page(client, "/flows/where?moved=no&proposal=yes&visited=yes&accepted=no")
    assert page.soup.select_one("article.result a.button[href='/journey/my-answer']")


def test_unknown_flow_is_not_found(client) -> None:
    get_page(client, "/flows/nothing", status=404)


@pytest.mark.parametrize("flow_id", ["proposal", "costs", "household", "mediation", "where"])
def test_every_flow_reaches_a_result_by_always_taking_the_first_choice(client, flow_id: str) -> None:
    params: dict[str, str] = {}
    for _ in range(12):
        page = get_page(client, f"/flows/{flow_id}?" + "&".join(f"{k}={v}" for k, v in params.items()))
        if page.soup.select_one("article.result"):
            assert page.soup.select(".result-block"), "a result shows at least one block"
            return
        radio = page.soup.select_one("form.question input[type=radio]")
        if radio is not None:
            params[radio["name"]] = radio["value"]
        else:
            day = page.soup.select_one("form.question input[name$='-day']")["name"]
            params.update({day: "15", day.replace("-day", "-month"): "1", day.replace("-day", "-year"): "2026"})
    pytest.fail(f"{flow_id} did not end")

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


def test_a_wrong_date_gets_a_message_next_to_the_field(client) -> None:
    page = get_page(client, "/flows/proposal?rank=1&visited=yes&visit_date=31/02/2026")
    field = page.soup.select_one("input[name=visit_date]")
    assert field["aria-invalid"] == "true" and field["value"] == "31/02/2026"
    assert "20/11/2026" in page.text(".error")
    assert page.text("title").startswith("Erreur")


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
            params[page.soup.select_one("form.question input[type=date]")["name"]] = "2026-01-15"
    pytest.fail(f"{flow_id} did not end")

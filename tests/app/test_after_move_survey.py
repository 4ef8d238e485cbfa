"""The satisfaction survey 6 months after the move (§4 step 14): one answer per household, anonymous results."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import yaml
from bs4 import BeautifulSoup
from sqlalchemy import inspect, select

from guide.core.content import CONTENT_DIR
from guide.core.extensions import db
from guide.features.survey import service
from guide.features.survey.service import QUESTIONS
from guide.models import AuditEntry, Household, Role, SurveyAnswer, SurveyInvitation
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.conftest import ALL_LANGUAGES, csrf_token, get_page, visible_text
from tests.factories import make_household, make_operation, make_staff

TODAY = date(2027, 5, 10)
MOVED = date(2026, 11, 2)  # survey opens 2 May 2027
ANSWERS = {"support": "very_satisfied", "information": "satisfied", "move_day": "satisfied",
           "costs_refunded": "yes", "flat": "very_satisfied", "neighbourhood": "dissatisfied",
           "first_choice": "no", "overall": "satisfied"}


def _freeze(monkeypatch, day: date) -> None:
    """The survey page and "Where I stand" (its after-move card) read today's date."""
    monkeypatch.setattr("guide.features.survey.household.today", lambda: day)
    monkeypatch.setattr("guide.features.standing.household.today", lambda: day)


@pytest.fixture()
def frozen(monkeypatch):
    _freeze(monkeypatch, TODAY)


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_every_language_has_every_question_and_option(lang: str) -> None:
    assert len(QUESTIONS) <= 8
    words = yaml.safe_load((CONTENT_DIR / lang / "survey.yaml").read_text(encoding="utf-8"))
    assert set(words["questions"]) == {q for q, _ in QUESTIONS}
    assert set(words["options"]) == {o for _, options in QUESTIONS for o in options}
    assert words["intro"].strip()
    checklist = yaml.safe_load((CONTENT_DIR / lang / "after_move.yaml").read_text(encoding="utf-8"))
    french = yaml.safe_load((CONTENT_DIR / "fr" / "after_move.yaml").read_text(encoding="utf-8"))
    assert set(checklist) == set(french) and set(checklist["kinds"]) == set(french["kinds"])
    assert all(len(checklist[k]) == len(french[k]) for k in ("company", "household", "refunds"))


def _answer(client, answers: dict[str, str], lang: str = "fr"):
    """Go through the survey as a household does: one page per question, then the check page's button."""
    token = csrf_token(get_page(client, "/my/survey/1", lang=lang).soup)
    for number, (question, _options) in enumerate(QUESTIONS, 1):
        data = {"csrf_token": token, **({question: answers[question]} if question in answers else {})}
        response = client.post(f"/my/survey/{number}?lang={lang}", data=data)
        assert response.status_code in (303, 422), f"question {number}: {response.status_code}"
    return client.post(f"/my/survey/check?lang={lang}", data={"csrf_token": token})


def test_the_survey_opens_6_months_after_the_move(client, app, ctx, monkeypatch) -> None:
    household = make_household(moved_on=MOVED)
    sign_in_as(client, app, household)
    _freeze(monkeypatch, date(2027, 5, 1))
    page = get_page(client, "/my/survey")
    assert page.soup.select_one("[data-survey='later']") and "dimanche 2 mai 2027" in visible_text(page.soup)
    assert page.soup.select_one("form[data-survey]") is None
    _freeze(monkeypatch, date(2027, 5, 2))
    assert get_page(client, "/my/survey").soup.select_one("[data-survey='open'] + p a[href='/my/survey/1']")
    assert get_page(client, "/my").soup.select_one("#after-move a[href='/my/survey']") is not None


def test_one_answer_per_household(client, app, ctx, frozen) -> None:
    household = make_household(moved_on=MOVED)
    sign_in_as(client, app, household)
    page = get_page(client, "/my/survey/1")
    token = csrf_token(page.soup)
    assert _answer(client, ANSWERS).status_code == 303
    again = client.post("/my/survey/8", data={"csrf_token": token, "overall": "very_dissatisfied"})
    assert again.status_code == 303 and again.headers["Location"] == "/my/survey"  # answered: nothing to change
    again = client.post("/my/survey/check", data={"csrf_token": token})
    assert again.status_code == 303 and again.headers["Location"] == "/my/survey"
    assert get_page(client, "/my/survey").soup.select_one("[data-survey='answered']") is not None
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SurveyAnswer)) == 1
        assert db.session.scalars(select(SurveyAnswer.answers)).one()["overall"] == "satisfied"
        assert db.session.scalars(select(SurveyInvitation)).one().answered is True
    # the service refuses a second answer too (two tabs, a replayed request)
    with app.test_request_context():
        assert service.submit_survey(db.session.get(Household, household.id), ANSWERS, TODAY) is False


def test_missing_answers_are_pointed_out_and_the_given_ones_kept(client, app, ctx, frozen) -> None:
    household = make_household(moved_on=MOVED, language="pt")
    sign_in_as(client, app, household)
    partial = {k: v for k, v in ANSWERS.items() if k not in ("flat", "overall")}
    response = _answer(client, partial, lang="pt")
    assert response.status_code == 422, "the check page sent answers with two questions left empty"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert [a["href"] for a in soup.select(".error-summary a")] == ["/my/survey/5?change=1", "/my/survey/8?change=1"]
    assert soup.title.get_text().startswith("Erro:"), soup.title.get_text()
    assert "Está contente com a sua nova casa?" in visible_text(soup)
    assert soup.select_one("[data-answer=support]").get_text(strip=True) == "Muito contente"
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SurveyAnswer)) == 0


def test_one_question_per_page_with_its_number_and_answers_kept_when_going_back(client, app, ctx, frozen) -> None:
    household = make_household(moved_on=MOVED)
    sign_in_as(client, app, household)
    first = get_page(client, "/my/survey/1")
    assert len(first.soup.select("fieldset")) == 1 and len(first.soup.select("input[type=radio]")) == 4
    assert first.text("[data-progress]") == "Question 1 sur 8"
    token = csrf_token(first.soup)
    empty = client.post("/my/survey/1", data={"csrf_token": token})
    assert empty.status_code == 422, "no answer was accepted"
    soup = BeautifulSoup(empty.get_data(as_text=True), "html.parser")
    assert soup.title.get_text().startswith("Erreur :"), soup.title.get_text()
    summary = soup.select_one(".error-summary")
    assert summary.has_attr("autofocus") and summary["tabindex"] == "-1", "the error summary does not take the focus"
    assert summary.select_one("a")["href"] == "#support-0"
    moved_on = client.post("/my/survey/1", data={"csrf_token": token, "support": "dissatisfied"})
    assert moved_on.headers["Location"] == "/my/survey/2"
    third = get_page(client, "/my/survey/3")
    assert third.text("[data-progress]") == "Question 3 sur 8"
    back = get_page(client, third.soup.select_one("a.back")["href"].replace("http://localhost", ""))
    back = get_page(client, back.soup.select_one("a.back")["href"])
    assert back.soup.select_one("input[name=support][value=dissatisfied]").has_attr("checked"), \
        "going back lost the answer"
    for number, (question, _options) in enumerate(QUESTIONS[1:], 2):
        client.post(f"/my/survey/{number}", data={"csrf_token": token, question: ANSWERS[question]})
    check = get_page(client, "/my/survey/check")
    assert [dd.get_text(strip=True) for dd in check.soup.select("[data-answer]")][:2] == [
        "Plutôt pas content", "Plutôt content"]
    change = client.post("/my/survey/1", data={"csrf_token": token, "support": "satisfied", "change": "1"})
    assert change.headers["Location"] == "/my/survey/check", "a change from the check page does not lead back there"
    assert client.post("/my/survey/check", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(SurveyAnswer.answers)).one()["support"] == "satisfied"
    assert client.get("/my/survey/9").status_code == 404


def _many_answers(app, client_factory, count: int, operation_id: int | None, overall: str = "satisfied",
                  first_choice: str = "yes") -> list[Household]:
    households = []
    for _ in range(count):
        household = make_household(moved_on=MOVED, operation_id=operation_id)
        client = client_factory()
        sign_in_as(client, app, household)
        assert _answer(client, {**ANSWERS, "overall": overall, "first_choice": first_choice}).status_code == 303
        households.append(household)
    return households


def test_answers_cannot_be_traced_back_to_a_household(app, ctx, frozen) -> None:
    near = make_operation(name="Résidence des Tilleuls", commune="Lille")
    far = make_operation(name="Résidence du Parc", commune="Roubaix")
    households = _many_answers(app, app.test_client, 5, near.id)
    households += _many_answers(app, app.test_client, 2, far.id, overall="very_dissatisfied", first_choice="no")
    with app.app_context():
        # the answer table has no column that can hold a household, a phone, a name or a moment
        columns = {c["name"] for c in inspect(db.engine).get_columns("survey_answer")}
        assert columns == {"id", "month", "group_name", "answers"}
        rows = db.session.scalars(select(SurveyAnswer)).all()
        assert {r.month for r in rows} == {"2027-Q2"}, "the quarter only: a month could single a household out"
        # ids are random: their order says nothing about the order of invitations or answers
        assert all(len(r.id) == 32 and not r.id.isdigit() for r in rows)
        invitation_order = [i.household_id for i in db.session.scalars(select(SurveyInvitation)
                                                                          .order_by(SurveyInvitation.id))]
        assert invitation_order == [h.id for h in households]
        assert {inv.answered for inv in db.session.scalars(select(SurveyInvitation))} == {True}
        assert not {c["name"] for c in inspect(db.engine).get_columns("survey_invitation")} - {
            "id", "household_id", "answered"}  # who answered, never when nor what
        # nothing in the access log ties an answer to a household
        details = [str(e.detail) for e in db.session.scalars(select(AuditEntry))]
        assert not any(r.id in d for r in rows for d in details)
        identities = {h.reference for h in households} | {h.display_name for h in households}
    group = make_staff(role=Role.MEDIATION_GROUP)
    client = app.test_client()
    log_in(client, group)
    page = get_page(client, "/staff/survey")
    assert page.soup.select_one("[data-answers]")["data-answers"] == "7"
    assert page.soup.select_one("[data-satisfaction-rate]")["data-satisfaction-rate"] == "71"  # 5 of 7
    assert page.soup.select_one("[data-first-choice-rate]")["data-first-choice-rate"] == "71"
    # the group of 2 is hidden; the group of 5 is shown
    assert [tr["data-group"] for tr in page.soup.select("tr[data-group]")] == ["Résidence des Tilleuls"]
    assert page.soup.select_one("[data-hidden-groups]")["data-hidden-groups"] == "1"
    svg = page.soup.select_one("figure svg[role=img]")
    assert svg is not None and svg.find("title") and "Plutôt content : 5" in svg.find("desc").get_text()
    export = client.get("/staff/survey.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["section", "groupe", "question", "reponse", "nombre", "pourcentage"]
    assert ["question", "", "overall", "satisfied", "5", "71"] in rows
    assert "Résidence du Parc" not in text and "Résidence du Parc" not in visible_text(page.soup)
    html = page.response.get_data(as_text=True)
    assert not any(identity in html or identity in text for identity in identities)
    assert not page.soup.select("a[href*='/households/']")  # no way from the results to a household file


def test_fewer_than_5_answers_show_nothing_but_the_count(app, ctx, frozen) -> None:
    _many_answers(app, app.test_client, 4, None)
    admin = make_staff(role=Role.ADMIN)
    client = app.test_client()
    log_in(client, admin)
    page = get_page(client, "/staff/survey")
    assert page.soup.select_one("[data-hidden='small']") is not None
    assert page.soup.select_one("[data-satisfaction-rate]") is None and page.soup.select("tr[data-question]") == []
    rows = list(csv.reader(io.StringIO(client.get("/staff/survey.csv").get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert rows == [["section", "groupe", "question", "reponse", "nombre", "pourcentage"],
                    ["total", "", "", "", "< 5", ""]]


def test_survey_results_are_for_the_mediation_group_and_admins(app, ctx) -> None:
    for role, status in ((Role.OFFICER, 403), (Role.MEDIATOR, 403), (Role.MEDIATION_GROUP, 200), (Role.ADMIN, 200)):
        client = app.test_client()
        log_in(client, make_staff(role=role))
        assert client.get("/staff/survey").status_code == status, role
        assert client.get("/staff/survey.csv").status_code == status, role


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_move_and_survey_pages_in_every_language(client, app, ctx, frozen, lang: str) -> None:
    household = make_household(moved_on=MOVED, language=lang)
    sign_in_as(client, app, household)
    words = yaml.safe_load((CONTENT_DIR / lang / "survey.yaml").read_text(encoding="utf-8"))
    for number, (question, _options) in enumerate(QUESTIONS, 1):
        survey = get_page(client, f"/my/survey/{number}", lang=lang)  # lang, dir, unique ids, labels: get_page
        assert words["questions"][question] in visible_text(survey.soup)
        assert len(survey.soup.select("fieldset")) == 1
    check = get_page(client, "/my/survey/check", lang=lang)
    assert words["questions"]["overall"] in visible_text(check.soup)
    checklist = yaml.safe_load((CONTENT_DIR / lang / "after_move.yaml").read_text(encoding="utf-8"))
    move = get_page(client, "/my/move", lang=lang)
    assert checklist["company_title"] in visible_text(move.soup)
    assert [label.get_text(strip=True) for label in move.soup.select(".choices label")] == list(
        checklist["kinds"].values())

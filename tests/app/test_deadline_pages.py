"""The answer-by date on the household's pages: the charter's date as it is, and when the office is closed that
day (a Sunday, a public holiday), a sentence that says so and gives the last open day before it."""

from __future__ import annotations

from datetime import date

import pytest

from guide.models import ProposalStatus
from tests.app.test_household_home import sign_in_as
from tests.conftest import get_page
from tests.factories import make_household, make_proposal

TODAY = date(2027, 1, 2)  # a Saturday


@pytest.fixture()
def frozen(monkeypatch):
    for module in ("guide.features.standing.household", "guide.features.requests.household"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)


def _household_with_a_visit_on(visit_on: date, language: str = "fr"):
    household = make_household(language=language)
    proposal = make_proposal(household, rank=1, status=ProposalStatus.VISITED, visit_on=visit_on)
    return household, proposal


def test_a_sunday_deadline_is_kept_and_the_friday_before_advised(client, app, ctx, frozen) -> None:
    household, proposal = _household_with_a_visit_on(date(2026, 12, 31))
    sign_in_as(client, app, household)
    for path in ("/my", f"/my/proposals/{proposal.id}", f"/my/proposals/{proposal.id}/answer"):
        page = get_page(client, path)
        text = " ".join(page.soup.get_text(" ").split())
        assert "au plus tard le dimanche 10 janvier 2027" in text, path
        note = page.soup.select_one("[data-advised-by]")
        assert note is not None and note["data-advised-by"] == "2027-01-08", path
        assert " ".join(note.get_text(" ").split()) == ("Ce jour-là, le bureau est fermé. Répondez de préférence au "
                                                        "plus tard le vendredi 8 janvier 2027."), path


def test_the_advice_is_in_the_households_language(client, app, ctx, frozen) -> None:
    household, _ = _household_with_a_visit_on(date(2026, 12, 31), language="en")
    sign_in_as(client, app, household)
    page = get_page(client, "/my", "en")
    note = page.soup.select_one("[data-advised-by]")
    assert note is not None and "The office is closed that day" in note.get_text() and "8" in note.get_text()


def test_a_weekday_deadline_has_no_note(client, app, ctx, frozen) -> None:
    household, proposal = _household_with_a_visit_on(date(2027, 1, 1))  # answer by Monday 11 January
    sign_in_as(client, app, household)
    for path in ("/my", f"/my/proposals/{proposal.id}/answer"):
        page = get_page(client, path)
        assert "au plus tard le lundi 11 janvier 2027" in " ".join(page.soup.get_text(" ").split()), path
        assert page.soup.select_one("[data-advised-by]") is None, path


def test_when_the_open_day_before_is_past_the_advice_is_today(client, app, ctx, monkeypatch) -> None:
    monkeypatch.setattr("guide.features.standing.household.today", lambda: date(2027, 1, 9))  # Saturday
    household, _ = _household_with_a_visit_on(date(2026, 12, 31))
    sign_in_as(client, app, household)
    note = get_page(client, "/my").soup.select_one("[data-advised-by]")
    assert note is not None and note["data-advised-by"] == "2027-01-09"
    assert "Répondez dès aujourd'hui." in note.get_text()

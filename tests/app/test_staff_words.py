"""Staff screens in human words (issue 19 §4): stages, languages, consents, "today", amounts, queued SMS, no
household footer, courtesy visits put in the past by a late move date, and /my after the move."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from guide.core.extensions import db
from guide.core.labels import days_ago
from guide.features.after_move.service import plan_courtesy_visits
from guide.features.household_file import service as household_file
from guide.messaging.labels import shown_body
from guide.models import Consent, Household, MediationCase, ProposalStatus, SmsMessage
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.conftest import get_page, visible_text
from tests.factories import make_household, make_plan_item, make_proposal, make_staff


@pytest.mark.parametrize(("days", "words"), [(0, "aujourd'hui"), (-1, "aujourd'hui"), (1, "hier"),
                                             (3, "il y a 3 jours"), (45, "il y a 2 mois"), (None, "–")])
def test_how_long_ago_in_words(app, days, words: str) -> None:
    with app.test_request_context("/?lang=fr"):
        assert days_ago(days) == words


def test_the_household_file_shows_words_not_codes(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id, stage="first-meeting", language="ar")
    with app.app_context():
        for kind in ("sms", "sharing"):
            db.session.add(Consent(household_id=household.id, kind=kind, given_on=date(2026, 11, 2)))
        db.session.commit()
    log_in(client, officer)
    facts = get_page(client, f"/staff/households/{household.id}").text("dl")
    for code in ("first-meeting", " ar ", "sms (", "sharing ("):
        assert code not in f" {facts} ", f"a code is shown to staff: {code!r} in {facts!r}"
    assert "Arabe" in facts and "accepte les SMS" in facts and "accepte le partage avec les partenaires" in facts
    caseload = visible_text(get_page(client, "/staff/").soup)
    assert "first-meeting" not in caseload, "the caseload shows the stage's code"


def test_a_case_opened_today_says_today(client, app, ctx) -> None:
    mediator = make_staff(role="mediation_group")
    household = make_household(mediator_id=mediator.id)
    with app.app_context():
        db.session.add(MediationCase(household_id=household.id, source="request", status="received",
                                      opened_at=datetime.now(UTC)))
        db.session.commit()
    log_in(client, mediator)
    text = visible_text(get_page(client, "/staff/mediation").soup)
    assert "aujourd'hui" in text and "il y a 0 jour" not in text, text


def test_amounts_on_plan_pages_are_written_the_french_way(client, app, ctx) -> None:
    mediator = make_staff(role="mediator")  # the mediator works on the plan with the household
    household = make_household(mediator_id=mediator.id)
    trip = make_plan_item(household, "trip", {"purpose": "work", "modes": ["bus"], "monthly_cost": "2300.00"})
    log_in(client, mediator)
    history = visible_text(get_page(client, f"/staff/households/{household.id}/plan/items/{trip.id}/history").soup)
    assert "2 300,00 €" in history and "2300.00" not in history, "the item's history shows the stored figure"
    text = visible_text(get_page(client, f"/staff/households/{household.id}/plan/profile").soup)
    assert "2 300,00 €" in text and "2300.00" not in text, "the amount is not in French format"  # spaces: visible_text


def test_a_queued_sms_names_its_link_instead_of_showing_the_placeholder(app) -> None:
    with app.test_request_context("/?lang=fr"):
        queued = SmsMessage(kind="reminder", body="Rappel : rendez-vous demain. Détails : {link}", to_number="+33600")
        assert shown_body(queued) == "Rappel : rendez-vous demain. Détails : [lien personnel]"


def test_staff_pages_have_no_household_footer_but_the_legal_links(client, app, ctx) -> None:
    log_in(client, make_staff())
    footer = get_page(client, "/staff/").soup.select_one("footer")
    links = {a["href"].split("?")[0] for a in footer.select("a")}
    assert not links & {"/sign-in", "/simulator", "/journey", "/glossary"}, f"household links on a staff page: {links}"
    assert {"/accessibility", "/legal", "/contact"} <= links, links
    public = get_page(app.test_client(), "/").soup.select_one("footer")
    assert {"/sign-in", "/accessibility"} <= {a["href"] for a in public.select("a")}, "the public footer lost links"


def test_a_move_date_in_the_past_marks_the_visits_to_catch_up(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    with app.test_request_context():
        found = db.session.get(Household, household.id)
        values = {"display_name": found.display_name, "language": "fr", "occupants": 3, "stage": "after-move",
                  "documents_updated_on": None, "moved_on": date.today() - timedelta(days=150)}  # ~5 months ago
        assert household_file.update_facts(found, db.session.get(type(officer), officer.id), found.version, values)
        db.session.commit()
    warning = get_page(client, f"/staff/households/{household.id}").soup.select_one("[data-catch-up-visits]")
    assert warning is not None, "no warning that courtesy visits fall in the past"
    assert warning["data-catch-up-visits"] == "2", "the +2 and +4 month visits are past, the +6 one is not"
    page = get_page(client, f"/staff/households/{household.id}/after-move")
    marked = [card["data-visit"] for card in page.soup.select("[data-visit]") if card.select_one("[data-catch-up]")]
    assert marked == ["2", "4"], f"visits marked to catch up: {marked}"


def test_a_future_move_date_marks_nothing(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id, moved_on=date.today() + timedelta(days=3))
    with app.test_request_context():
        plan_courtesy_visits(db.session.get(Household, household.id))
        db.session.commit()
    log_in(client, officer)
    assert get_page(client, f"/staff/households/{household.id}").soup.select_one("[data-catch-up-visits]") is None
    assert not get_page(client, f"/staff/households/{household.id}/after-move").soup.select("[data-catch-up]")


def test_after_the_move_proposals_page_no_longer_warns_about_court(client, app, ctx) -> None:
    before = make_household()
    sign_in_as(client, app, before)
    page = get_page(client, "/my/proposals")
    assert page.soup.select_one("[data-court-warning]") is not None, "the warning is gone before"
    moved = make_household(moved_on=date.today() - timedelta(days=10), stage="after-move")
    other = app.test_client()
    sign_in_as(other, app, moved)
    page = get_page(other, "/my/proposals")
    assert page.soup.select_one("[data-court-warning]") is None
    assert "justice" not in visible_text(page.soup), "a moved household is still warned about court"


def test_a_proposal_page_warns_about_court_only_while_the_last_proposal_waits_for_an_answer(client, app, ctx) -> None:
    waiting = make_household()
    last = make_proposal(waiting, rank=3, status=ProposalStatus.VISITED)
    sign_in_as(client, app, waiting)
    assert get_page(client, f"/my/proposals/{last.id}").soup.select_one("[data-court-warning]") is not None, (
        "a third proposal waiting for an answer no longer says a refusal can lead to court")
    moved = make_household(moved_on=date.today() - timedelta(days=10), stage="after-move")
    accepted = make_proposal(moved, rank=3, status=ProposalStatus.ACCEPTED)
    other = app.test_client()
    sign_in_as(other, app, moved)
    page = get_page(other, f"/my/proposals/{accepted.id}")
    assert page.soup.select_one("[data-court-warning]") is None, "an accepted proposal still warns about court"
    assert "justice" not in visible_text(page.soup), "a moved household is still warned about court"
    assert get_page(other, "/my").soup.find(string=lambda s: s and "justice" in s) is None, "/my warns about court"

"""Touch targets of 44 × 44 px at least on a phone (issue 19 §4): the radios of the courtesy visit form, the move
form's radios and file input, the mediation request's photos, breadcrumbs."""

from __future__ import annotations

from datetime import date, timedelta

from guide.core.extensions import db
from guide.features.after_move.service import plan_courtesy_visits
from guide.features.signin import service as signin
from guide.models import Household, Role
from tests.browser.conftest import click_through
from tests.factories import PASSWORD, make_household, make_proposal, make_staff

# The box a finger can hit for each control: a radio or checkbox is hit through its label too.
TARGETS = """(selector) => [...document.querySelectorAll(selector)].filter(e => e.offsetParent !== null).map(e => {
  const checkable = e.type === "radio" || e.type === "checkbox";
  const label = checkable && (e.id && document.querySelector(`label[for="${e.id}"]`) || e.closest("label"));
  const box = (label || e).getBoundingClientRect();
  return {what: (label || e).textContent.trim().slice(0, 30) || e.outerHTML.slice(0, 60),
          width: Math.round(box.width), height: Math.round(box.height)};
})"""


def _small(page, selector: str) -> list[dict]:
    found = page.evaluate(TARGETS, selector)
    assert found, f"nothing matches {selector} on {page.url}"
    return [t for t in found if t["width"] < 44 or t["height"] < 44]


def _sign_in(page, app, household_id: int) -> None:
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household_id))
        db.session.commit()
    page.goto(f"/k/{token}")
    click_through(page.locator("main form button[type=submit]"))


def test_household_forms_and_breadcrumbs_have_44_px_targets(phone_ctx, app, ctx) -> None:
    household = make_household(moved_on=date.today() - timedelta(days=5), stage="after-move")
    page = phone_ctx("fr")
    page.goto("/glossary")
    small = _small(page, ".breadcrumbs a, .breadcrumbs [aria-current]")
    _sign_in(page, app, household.id)
    page.goto("/my/move")
    small += _small(page, "input[type=radio]") + _small(page, "input[type=file]")
    page.goto("/my/mediation")
    small += _small(page, "input[type=file]")
    assert not small, f"targets under 44 × 44 px: {small}"


def test_the_courtesy_visit_form_has_44_px_radios(phone_ctx, app, ctx) -> None:
    officer = make_staff(email="visits@example.org", password=PASSWORD, role=Role.OFFICER)
    household = make_household(officer_id=officer.id, moved_on=date.today() - timedelta(days=70))
    with app.test_request_context():
        plan_courtesy_visits(db.session.get(Household, household.id))
        db.session.commit()
    page = phone_ctx("fr")
    page.goto("/staff/login")
    page.locator("input[name=email]").fill("visits@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    click_through(page.locator("form button[type=submit]"))
    page.goto(f"/staff/households/{household.id}/after-move")
    page.locator("[data-visit='2'] details summary").click()
    small = _small(page, "[data-visit='2'] input[type=radio]")
    assert not small, f"visit form radios under 44 × 44 px: {small}"


def test_links_that_stand_alone_have_44_px_targets(phone_ctx, app, ctx) -> None:
    """Back links, the plan's tabs, a proposal's title, links alone on their line (a link inside a sentence is
    exempt, WCAG 2.5.8): each a 44 px high target on the household's pages."""
    household = make_household(stage="my-answer")
    proposal = make_proposal(household, rank=1)
    page = phone_ctx("fr")
    _sign_in(page, app, household.id)
    small = []
    for path, selector in (("/my", ".stage-name a, .link-alone a"),
                           ("/my/proposals", "a.back, .proposal-list h2 a"),
                           (f"/my/proposals/{proposal.id}", "a.back, .link-alone a"),
                           ("/my/plan", ".plan-nav a"),
                           ("/my/plan/profile", ".link-alone a"),
                           ("/my/papers", "a.back, .link-alone a"),
                           ("/my/data", "a.back, .link-alone a")):
        page.goto(path)
        small += _small(page, selector)
    assert not small, f"links under 44 × 44 px: {small}"

"""Tables stack on a 360 px phone (issue 19 §1): the plan's and the staff file's "changed meanwhile" screens, the
comparison of visited places, the access log and the staff accounts. Each row becomes a block, each cell is shown
under its column's name, nothing runs off the screen and words break between words."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from guide.core.extensions import db
from guide.models import Household, Role
from tests.browser.conftest import click_through, sign_in_household, sign_in_staff
from tests.factories import PASSWORD, make_household, make_move_expense, make_plan_item, make_proposal, make_staff

# For each visible cell of a table: where it stands, how wide it is, the name shown above it, how it wraps.
CELLS = """(selector) => [...document.querySelectorAll(selector + " tbody td")].filter(c => c.offsetParent !== null)
  .map(c => { const box = c.getBoundingClientRect(); const row = c.closest("tr").getBoundingClientRect();
    return {text: c.innerText.trim().slice(0, 40), left: Math.round(box.left), width: Math.round(box.width),
            rowWidth: Math.round(row.width), label: getComputedStyle(c, "::before").content,
            wrap: getComputedStyle(c).overflowWrap}; })"""
LONG_WORDS = "Rencontrer l'assistante sociale de Villeneuve-d'Ascq pour l'accompagnement administratif"


def _assert_stacked(page, selector: str) -> None:
    """Every cell takes the row's whole width, under its column's name, and the page does not scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url}: the page is {width} px wide on a 360 px phone"
    cells = page.evaluate(CELLS, selector)
    assert cells, f"{page.url}: no cell in {selector}"
    squeezed = [c for c in cells if c["width"] < c["rowWidth"] - 2]
    assert not squeezed, f"{page.url}: cells side by side instead of stacked: {squeezed[:3]}"
    unnamed = [c for c in cells if c["label"] in ("none", "normal", '""')]
    assert not unnamed, f"{page.url}: cells without their column's name above them: {unnamed[:3]}"
    mid_word = [c for c in cells if c["wrap"] == "anywhere"]
    assert not mid_word, f"{page.url}: cells that may break a word anywhere: {mid_word[:3]}"


def _household_phone(phone_ctx, app, household, lang: str = "fr"):
    return sign_in_household(phone_ctx(lang), app, household.id)


def _staff_phone(phone_ctx, staff):
    return sign_in_staff(phone_ctx("fr"), staff.email, PASSWORD)


def test_the_plan_conflict_screen_stacks_on_a_phone(phone_ctx, app, ctx) -> None:
    mediator = make_staff(role=Role.MEDIATOR, email="stack-mediator@example.org", password=PASSWORD)
    household = make_household(mediator_id=mediator.id)
    action = make_plan_item(household, "action", {"what": "Visiter Lomme", "who": "household", "status": "todo"})
    mine = _household_phone(phone_ctx, app, household)
    theirs = _staff_phone(phone_ctx, mediator)
    mine.goto(f"/my/plan/items/{action.id}")
    theirs.goto(f"/staff/households/{household.id}/plan/items/{action.id}")
    theirs.locator("textarea[name='item-what']").fill(LONG_WORDS)
    click_through(theirs.locator("#item-form button[type=submit]"))
    mine.locator("textarea[name='item-what']").fill(LONG_WORDS + " avec ma fille")
    click_through(mine.locator("#item-form button[type=submit]"))
    assert mine.locator("[data-conflict]").count() == 1, "the stale save did not reach the conflict screen"
    _assert_stacked(mine, "[data-conflict]")


def test_the_staff_conflict_screen_stacks_on_a_phone(phone_ctx, app, ctx) -> None:
    officer = make_staff(email="stack-officer@example.org", password=PASSWORD)
    household = make_household(officer_id=officer.id, display_name="Famille Avant")
    page = _staff_phone(phone_ctx, officer)
    page.goto(f"/staff/households/{household.id}")
    with app.app_context():  # a colleague saves the same file meanwhile
        db.session.execute(update(Household).where(Household.id == household.id)
                           .values(display_name="Famille Changée par une collègue", version=Household.version + 1))
        db.session.commit()
    page.locator("details:has(input[name='facts-display_name']) > summary").click()
    page.locator("input[name='facts-display_name']").fill(LONG_WORDS)
    click_through(page.locator("form:has(input[name='facts-display_name']) button[type=submit]"))
    assert page.locator("[data-conflict]").count() == 1, "the stale save did not reach the conflict screen"
    _assert_stacked(page, "[data-conflict]")


def test_the_comparison_of_visited_places_stacks_on_a_phone(phone_ctx, app, ctx) -> None:
    household = make_household()
    for rank, place in enumerate(("Villeneuve-d'Ascq, quartier du Pont-de-Bois", "Lomme, Mitterie", "Roubaix")):
        make_plan_item(household, "visit", {"place": place, "transport": "3", "schools": "2", "calm": "1"},
                       rank=rank + 1)
    page = _household_phone(phone_ctx, app, household)
    page.goto("/my/plan/visits")
    _assert_stacked(page, "[data-compare]")


def test_the_access_log_and_the_accounts_stack_on_a_phone(phone_ctx, app, ctx) -> None:
    admin = make_staff(role=Role.ADMIN, email="stack-admin@example.org", password=PASSWORD)
    household = make_household(officer_id=admin.id)
    page = _staff_phone(phone_ctx, admin)
    page.goto(f"/staff/households/{household.id}")  # a line in the access log
    page.goto("/staff/access-log")
    _assert_stacked(page, "main table")
    page.goto("/staff/accounts")
    _assert_stacked(page, "[data-table=accounts]")


def test_the_late_refunds_stack_on_a_phone(phone_ctx, app, ctx) -> None:
    officer = make_staff(email="stack-refunds@example.org", password=PASSWORD)
    household = make_household(officer_id=officer.id, display_name="Famille Nguyễn-Vandenbroucke")
    make_move_expense(household, invoice_on=date.today() - timedelta(days=30))
    page = _staff_phone(phone_ctx, officer)
    page.goto("/staff/refunds")
    assert page.locator("tr[data-expense]").count() == 1, "the late refund is not listed"
    _assert_stacked(page, "main table")


def test_the_project_summary_stacks_and_the_answer_review_gives_the_words_the_whole_width(phone_ctx, app, ctx) -> None:
    """The one-page project broke words mid-word at 360 px; the answer review squeezed the household's own words
    into a 150 px column."""
    household = make_household(stage="my-answer")
    make_plan_item(household, "action", {"what": LONG_WORDS, "who": "household", "status": "todo"})
    proposal = make_proposal(household, rank=1)
    page = _household_phone(phone_ctx, app, household)
    page.goto("/my/plan/project")
    _assert_stacked(page, ".project table")
    page.goto(f"/my/proposals/{proposal.id}/answer")
    page.locator("label[for='decision-1']").click()
    page.locator("input[value=rent_charges]").check()
    page.locator("textarea[name=text]").fill(LONG_WORDS)
    click_through(page.locator("main form button[type=submit]"))
    words = page.locator("dd.own-words")
    assert words.inner_text() == LONG_WORDS, "the review does not show the household's words"
    width = words.evaluate("e => Math.round(e.getBoundingClientRect().width)")
    assert width >= 300, f"the household's words are squeezed into {width} px on a 360 px phone"
    assert words.evaluate("e => getComputedStyle(e).overflowWrap") != "anywhere", "words may break mid-word"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

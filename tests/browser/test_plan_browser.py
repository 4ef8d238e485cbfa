"""Two phones edit the same plan: a stale save reaches the conflict screen and is resolved; a change made on one
phone appears on the other without a reload and without wiping what is being typed there. French and Arabic."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from guide.core.extensions import db
from guide.models import PlanChange, PlanItem, Role
from tests.browser.conftest import click_through, sign_in_household, sign_in_staff
from tests.factories import PASSWORD, make_household, make_plan_item, make_staff

AXE = Axe()


def _violations(page) -> list[str]:
    return [f"{page.url}: {v['id']} {[n['target'] for n in v['nodes']][:3]}"
            for v in AXE.run(page).response["violations"]]


def _household_phone(phone_ctx, app, household, lang):
    page = sign_in_household(phone_ctx(lang), app, household.id)
    assert page.url.endswith("/my")
    return page


def _mediator_phone(phone_ctx, mediator):
    return sign_in_staff(phone_ctx("fr"), mediator.email, PASSWORD)


def _setup(lang: str):
    mediator = make_staff(role=Role.MEDIATOR, name="Samir Haddad", email=f"mediateur-{lang}@example.org",
                          password=PASSWORD)
    household = make_household(language=lang, mediator_id=mediator.id)
    make_plan_item(household, "brake", {"category": "transport", "words": ""}, rank=1)
    make_plan_item(household, "brake", {"category": "own", "words": "الخوف من المجهول"}, rank=2)
    action = make_plan_item(household, "action", {"what": "Visiter Lomme", "who": "household", "status": "todo",
                                                  "when_date": "2026-12-07"})
    return mediator, household, action


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_two_phones_edit_the_same_action_and_the_conflict_is_resolved(phone_ctx, app, ctx, lang: str) -> None:
    mediator, household, action = _setup(lang)
    mine = _household_phone(phone_ctx, app, household, lang)
    theirs = _mediator_phone(phone_ctx, mediator)
    mine.goto("/my/plan")
    problems = _violations(mine)
    mine.goto(f"/my/plan/items/{action.id}")
    theirs.goto(f"/staff/households/{household.id}/plan/items/{action.id}")
    problems += _violations(mine)
    mine.locator("textarea[name='item-what']").fill("Visiter Lomme avec ma fille")
    theirs.locator("textarea[name='item-what']").fill("Visiter Lomme mardi matin")
    click_through(theirs.locator("#item-form button[type=submit]"))  # the mediator saves first
    assert "/plan" in theirs.url and "Visiter Lomme mardi matin" in theirs.locator("#actions strong").all_inner_texts()
    click_through(mine.locator("#item-form button[type=submit]"))  # then the household: refused, both texts shown
    assert mine.locator("[data-conflict]").count() == 1
    assert mine.locator("html").get_attribute("lang") == lang
    assert "Visiter Lomme avec ma fille" in mine.locator("[data-conflict] [data-mine]").all_inner_texts()
    assert "Visiter Lomme mardi matin" in mine.locator("[data-conflict] [data-theirs]").all_inner_texts()
    assert "Samir Haddad" in mine.locator("[data-conflict-by]").inner_text()
    problems += _violations(mine)
    mine.locator("#merge textarea[name='item-what']").fill("Visiter Lomme mardi matin avec ma fille")
    click_through(mine.locator("#merge button[type=submit]"))
    assert mine.url.endswith("/my/plan#actions")
    assert "Visiter Lomme mardi matin avec ma fille" in mine.locator("#actions").inner_text()
    mine.goto(f"/my/plan/items/{action.id}/history")
    assert mine.locator(".history > li").count() == 3
    problems += _violations(mine)
    assert mine.evaluate("document.documentElement.scrollWidth") <= 360
    for path in ("/my/plan/profile", "/my/plan/visits", "/my/plan/project", "/my/plan/edit/wishes"):
        mine.goto(path)
        problems += _violations(mine)
        assert mine.evaluate("document.documentElement.scrollWidth") <= 360, path
    mine.goto("/my")
    assert "Visiter Lomme mardi matin avec ma fille" in mine.locator("#link-plan").inner_text()
    with app.app_context():
        item = db.session.get(PlanItem, action.id)
        texts = [c.after["data"]["what"] for c in db.session.scalars(
            select(PlanChange).where(PlanChange.item_id == action.id).order_by(PlanChange.version))]
    assert item.data["what"] == "Visiter Lomme mardi matin avec ma fille"
    assert texts == ["Visiter Lomme", "Visiter Lomme mardi matin", "Visiter Lomme mardi matin avec ma fille"]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_change_on_one_phone_appears_on_the_other_without_wiping_a_form(phone_ctx, app, ctx, monkeypatch,
                                                                          lang: str) -> None:
    monkeypatch.setitem(app.config, "PLAN_POLL_SECONDS", 1)
    mediator, household, action = _setup(lang)
    mine = _household_phone(phone_ctx, app, household, lang)
    theirs = _mediator_phone(phone_ctx, mediator)
    mine.goto("/my/plan")
    mine.locator("#add-action summary").click()
    mine.locator("textarea[name='new-action-what']").fill("Je tape encore…")  # a form being typed
    theirs.goto(f"/staff/households/{household.id}/plan/items/{action.id}")
    theirs.locator("textarea[name='item-what']").fill("Visiter Lomme et Hellemmes")
    click_through(theirs.locator("#item-form button[type=submit]"))
    # What is checked is that the change arrives without a reload and without wiping the form, not how fast: the
    # waits use Playwright's default bound (30 s). An 8 s / 2 s bound failed once on PostgreSQL with two browsers,
    # the live server and seven other test runs sharing two cores (a poll every second, answered late).
    mine.locator("#actions", has_text="Visiter Lomme et Hellemmes").wait_for()
    mine.locator("[data-news]", has_text="Samir Haddad").wait_for()
    assert mine.locator("textarea[name='new-action-what']").input_value() == "Je tape encore…"
    # the brakes can be ranked with htmx (no reload): the second moves up
    mine.locator("#brakes li").nth(1).locator("button", has_text="").first.click()
    mine.locator("#brakes li").first.filter(has_text="الخوف من المجهول").wait_for()
    assert mine.locator("textarea[name='new-action-what']").input_value() == "Je tape encore…"
    # on an edit page, the other side's save shows a notice and leaves the text being typed alone
    mine.goto(f"/my/plan/items/{action.id}")
    mine.locator("textarea[name='item-what']").fill("Mon texte à moi")
    theirs.goto(f"/staff/households/{household.id}/plan/items/{action.id}")
    theirs.locator("textarea[name='item-what']").fill("Encore un changement")
    click_through(theirs.locator("#item-form button[type=submit]"))
    mine.locator("[data-news]").wait_for()
    assert mine.locator("textarea[name='item-what']").input_value() == "Mon texte à moi"
    problems = _violations(mine)
    assert not problems, "\n".join(problems)


def _box_heights(page, selector: str) -> list[float]:
    return [box["height"] for box in (page.locator(selector).nth(i).bounding_box()
                                       for i in range(page.locator(selector).count())) if box]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_status_set_on_one_phone_survives_an_edit_started_before_on_the_other(phone_ctx, app, ctx,
                                                                                   lang: str) -> None:
    """The issue's case in a browser: the household sets "Fait"; the mediator, whose page was open before, saves
    only a new "Quoi ?": both land, no conflict screen, and the mediator is told the household's change was kept."""
    mediator, household, action = _setup(lang)
    mine = _household_phone(phone_ctx, app, household, lang)
    theirs = _mediator_phone(phone_ctx, mediator)
    theirs.goto(f"/staff/households/{household.id}/plan/items/{action.id}")  # opened first
    mine.goto(f"/my/plan/items/{action.id}")
    mine.locator("select[name='item-status']").select_option("done")
    click_through(mine.locator("#item-form button[type=submit]"))
    theirs.locator("textarea[name='item-what']").fill("Visiter Lomme mardi matin")
    click_through(theirs.locator("#item-form button[type=submit]"))
    assert theirs.locator("[data-conflict]").count() == 0, "a change of different fields reached the conflict screen"
    assert "le ménage" in theirs.locator("[data-kept]").inner_text()
    with app.app_context():
        item = db.session.get(PlanItem, action.id)
        assert (item.data["status"], item.data["what"]) == ("done", "Visiter Lomme mardi matin")
    problems = _violations(theirs)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_remove_then_undo_on_a_phone(phone_ctx, app, ctx, lang: str) -> None:
    _mediator, household, action = _setup(lang)
    mine = _household_phone(phone_ctx, app, household, lang)
    mine.goto(f"/my/plan/items/{action.id}")
    click_through(mine.locator(f"form[action$='/items/{action.id}/remove'] button"))
    notice = mine.locator("[data-removed]")
    assert notice.get_attribute("role") == "status" and "Visiter Lomme" in notice.inner_text()
    assert mine.locator("#removed-actions li").count() == 1
    problems = _violations(mine)
    heights = _box_heights(mine, "[data-removed] button, #removed-actions button")
    assert heights and min(heights) >= 44, f"undo and put-back buttons must be 44 px tall: {heights}"
    assert mine.evaluate("document.documentElement.scrollWidth") <= 360
    click_through(mine.locator("[data-undo]"))
    assert "Visiter Lomme" in mine.locator("[data-put-back]").inner_text()
    assert "Visiter Lomme" in mine.locator("#actions").inner_text() and mine.locator("#removed-actions").count() == 0
    problems += _violations(mine)
    assert not problems, "\n".join(problems)

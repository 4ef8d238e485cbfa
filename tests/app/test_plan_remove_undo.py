"""Removing a plan item can be undone: the board says what was removed with an "Annuler" button (a plain POST
form), lists removed actions with a button to put each back, and putting back is recorded in the item's history.
Both the household and its mediator can do it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from guide.core.extensions import db
from guide.models import AuditEntry, PlanChange, PlanItem
from tests.app.test_plan_merge import _form_data, _sides
from tests.app.test_plan_pages import pair  # noqa: F401  (the fixture: a household and its mediator signed in)
from tests.conftest import ALL_LANGUAGES, csrf_token, get_page
from tests.factories import make_household, make_plan_item

ACTION = {"what": "Appeler l'école", "who": "household", "status": "todo"}


def _item(app, item_id: int) -> PlanItem:
    with app.app_context():
        return db.session.get(PlanItem, item_id)


def _remove(app, http, prefix: str, item_id: int):
    page = get_page(http, f"{prefix}/items/{item_id}")
    selector = f"form[action$='/items/{item_id}/remove']"
    response = http.post(page.soup.select_one(selector)["action"], data=_form_data(page.soup, selector))
    assert response.status_code == 303, f"removing answered {response.status_code}"
    assert _item(app, item_id).removed, "the item was not removed"
    return response


@pytest.mark.parametrize("side", ["household", "staff"])
def test_undo_from_the_notice_puts_the_action_back_and_records_it(client, app, pair, side) -> None:  # noqa: F811
    household, mediator, staff = pair
    action = make_plan_item(household, "action", ACTION)
    http, prefix = _sides(household, staff, client)[side]
    response = _remove(app, http, prefix, action.id)

    board = get_page(http, response.headers["Location"].split("#")[0])
    notice = board.soup.select_one("[data-removed]")
    assert notice is not None, "the board does not say what was just removed"
    assert notice["role"] == "status"
    assert "Action retirée : Appeler l'école." in " ".join(notice.get_text(" ").split())
    undo = notice.select_one("form")
    assert undo["method"] == "post" and undo.select_one("button[data-undo]") is not None
    assert "Appeler l'école" not in board.text("#actions"), "a removed action is still in the list"

    back = http.post(undo["action"], data={"csrf_token": csrf_token(board.soup)})
    assert back.status_code == 303
    item = _item(app, action.id)
    assert not item.removed and item.data == ACTION, "undo did not put the action back as it was"
    after = get_page(http, back.headers["Location"].split("#")[0])
    assert "Remis dans le plan : Appeler l'école." in after.text("[data-put-back]")
    assert "Appeler l'école" in after.text("#actions")
    assert after.soup.select_one("#removed-actions") is None, "the list of removed actions still shows it"
    with app.app_context():
        changes = db.session.scalars(select(PlanChange).where(PlanChange.item_id == action.id)
                                     .order_by(PlanChange.version)).all()
    actor = (side, household.id if side == "household" else mediator.id)
    assert [c.action for c in changes] == ["create", "remove", "restore"]
    assert (changes[-1].actor_kind, changes[-1].actor_id) == actor, "the put-back is not recorded as this person's"
    assert changes[-1].before["removed"] and not changes[-1].after["removed"]
    history = get_page(http, f"{prefix}/items/{action.id}/history")
    assert "Remis" in history.text("li[data-version='3']")
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "plan_item",
                                                           AuditEntry.action.in_(("restore", "plan_restore")))
                                  ).first() is not None, "the put-back is not in the access log"
    stale = get_page(http, response.headers["Location"].split("#")[0])
    assert stale.soup.select_one("[data-removed]") is None, "an undone removal is still announced on reload"


@pytest.mark.parametrize("side", ["household", "staff"])
def test_the_board_lists_removed_actions_with_a_put_back_button(client, app, pair, side) -> None:  # noqa: F811
    household, _mediator, staff = pair
    first = make_plan_item(household, "action", ACTION)
    second = make_plan_item(household, "action", {**ACTION, "what": "Visiter Lomme"}, rank=2)
    brake = make_plan_item(household, "brake", {"category": "money", "words": ""})
    sides = _sides(household, staff, client)
    _remove(app, *sides["household"], first.id)
    _remove(app, *sides["staff"], second.id)
    _remove(app, *sides["staff"], brake.id)
    http, prefix = sides[side]
    board = get_page(http, prefix)
    assert board.text("#removed-actions-title") == "Actions retirées (2)"
    listed = board.text("#removed-actions")
    assert "Appeler l'école" in listed and "Visiter Lomme" in listed
    assert board.text("#removed-brakes-title") == "Freins retirés (1)"
    button = board.soup.select_one(f"#removed-actions li[data-item='{second.id}'] form")
    assert http.post(button["action"], data={"csrf_token": csrf_token(board.soup)}).status_code == 303
    assert not _item(app, second.id).removed and _item(app, first.id).removed
    assert get_page(http, prefix).text("#removed-actions-title") == "Actions retirées (1)"


@pytest.mark.parametrize(("kind", "data", "page", "list_id", "heading"), [
    ("trip", {"purpose": "work", "place": "Roubaix", "modes": ["public"]}, "profile", "removed-trips",
     "Trajets retirés (1)"),
    ("attachment", {"category": "family", "words": "Ma sœur habite au 3e"}, "profile", "removed-attachments",
     "Retirés de « Ce qui me tient ici » (1)"),
    ("visit", {"place": "Lomme, Mitterie", "transport": "3"}, "visits", "removed-visits", "Visites retirées (1)"),
])
@pytest.mark.parametrize("side", ["household", "staff"])
def test_removed_trips_attachments_and_visits_are_listed_with_a_way_back(
        client, app, pair, side, kind, data, page, list_id, heading) -> None:  # noqa: F811
    """Issue 19: a trip, an attachment or a visit removed in one tap was gone once the undo notice was left."""
    household, _mediator, staff = pair
    item = make_plan_item(household, kind, data)
    sides = _sides(household, staff, client)
    _remove(app, *sides["household" if side == "staff" else "staff"], item.id)  # removed by the other side
    http, prefix = sides[side]
    shown = get_page(http, f"{prefix}/{page}")
    assert shown.text(f"#{list_id}-title") == heading, f"no list of removed {kind}s on the {page} page"
    button = shown.soup.select_one(f"#{list_id} li[data-item='{item.id}'] form")
    assert button is not None, f"the removed {kind} has no put-back button"
    assert http.post(button["action"], data={"csrf_token": csrf_token(shown.soup)}).status_code == 303
    restored = _item(app, item.id)
    assert not restored.removed and restored.data == data, f"the {kind} did not come back as it was"
    assert get_page(http, f"{prefix}/{page}").soup.select_one(f"#{list_id}") is None, "still listed as removed"


def test_a_removed_items_page_offers_to_put_it_back(client, app, pair) -> None:  # noqa: F811
    household, _mediator, _staff = pair
    trip = make_plan_item(household, "trip", {"purpose": "work", "place": "Roubaix", "modes": ["public"]})
    response = _remove(app, client, "/my/plan", trip.id)
    profile = get_page(client, response.headers["Location"].split("#")[0])
    assert "Retiré du plan :" in profile.text("[data-removed]") and "Roubaix" in profile.text("[data-removed]")
    page = get_page(client, f"/my/plan/items/{trip.id}")
    form = page.soup.select_one(f"[data-removed] form[action$='/items/{trip.id}/put-back']")
    assert form is not None, "a removed item's page has no button to put it back"
    assert client.post(form["action"], data={"csrf_token": csrf_token(page.soup)}).status_code == 303
    assert not _item(app, trip.id).removed


def test_put_back_belongs_to_the_households_own_items_and_needs_csrf(client, app, pair) -> None:  # noqa: F811
    household, _mediator, _staff = pair
    other = make_plan_item(make_household(), "action", ACTION, removed=True)
    token = csrf_token(get_page(client, "/my/plan").soup)
    assert client.post(f"/my/plan/items/{other.id}/put-back", data={"csrf_token": token}).status_code == 404
    assert _item(app, other.id).removed
    mine = make_plan_item(household, "action", ACTION, removed=True)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/my/plan/items/{mine.id}/put-back").status_code == 400
    assert _item(app, mine.id).removed


def test_the_other_side_sees_the_removed_list_in_a_live_update(client, app, pair) -> None:  # noqa: F811
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", ACTION)
    page = get_page(staff, f"/staff/households/{household.id}/plan")
    poll = page.soup.select_one("#plan-live")["data-hx-get"]
    _remove(app, client, "/my/plan", action.id)
    html = staff.get(poll, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="removed-actions"' in html and "Appeler l&#39;école" in html, \
        "the live update of the board does not bring the removed list"


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_the_notice_and_the_list_read_in_every_language(client, app, pair, lang) -> None:  # noqa: F811
    household, _mediator, _staff = pair
    action = make_plan_item(household, "action", ACTION, removed=True)
    board = get_page(client, f"/my/plan?removed={action.id}", lang)
    assert "Appeler l'école" in board.text("[data-removed]") and board.soup.select_one("#removed-actions")
    undo = {"fr": "Annuler", "en": "Undo", "ar": "تراجع", "pt": "Anular", "tr": "Geri al"}[lang]
    assert undo in board.text("[data-undo]"), f"the undo button does not read in {lang}"


def test_removing_what_the_other_side_just_changed_asks_first(client, app, pair) -> None:  # noqa: F811
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", ACTION)
    stale = get_page(client, f"/my/plan/items/{action.id}")
    edit = get_page(staff, f"/staff/households/{household.id}/plan/items/{action.id}")
    assert staff.post(f"/staff/households/{household.id}/plan/items/{action.id}",
                      data={**_form_data(edit.soup), "item-status": "done"}).status_code == 303
    selector = f"form[action$='/items/{action.id}/remove']"
    response = client.post(stale.soup.select_one(selector)["action"], data=_form_data(stale.soup, selector))
    assert response.status_code == 409 and not _item(app, action.id).removed
    text = response.get_data(as_text=True)
    assert "Où en est-on ?" in text and "Retirer quand même" in text, "the screen does not show what changed"

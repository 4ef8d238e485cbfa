"""Co-editing an action: an edit made from an older version is merged field by field with what the other person
saved meanwhile. A field only one side changed lands without a question; only a field both changed differently
reaches the conflict screen, and its two choices touch that field alone. On the household's and the staff side."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from guide.core.extensions import db
from guide.models import PlanChange, PlanItem
from tests.app.test_plan_pages import pair  # noqa: F401  (the fixture: a household and its mediator signed in)
from tests.conftest import get_page
from tests.factories import make_plan_item

START = {"what": "Visiter Lomme", "who": "household", "who_name": "", "when_date": "2026-12-07", "when_week": "",
         "status": "todo", "brake_id": "", "suggestion": ""}


def _item(app, item_id: int) -> PlanItem:
    with app.app_context():
        return db.session.get(PlanItem, item_id)


def _form_data(soup: BeautifulSoup, selector: str = "#item-form") -> dict[str, str]:
    """What the browser would send for a form as shown (inputs, textareas, the selected options)."""
    form = soup.select_one(selector)
    assert form is not None, f"no form {selector}"
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]") if i.get("type") != "checkbox"}
    # a browser drops the newline that follows <textarea> (HTML's parsing rule); BeautifulSoup keeps it
    data.update({t["name"]: t.get_text().removeprefix("\r\n").removeprefix("\n")
                 for t in form.select("textarea[name]")})
    for select_tag in form.select("select[name]"):
        chosen = select_tag.select_one("option[selected]") or select_tag.select_one("option")
        data[select_tag["name"]] = chosen.get("value", "") if chosen else ""
    return data


def _sides(household, staff_client, client):
    """(editing side client, its URL prefix), for each of the two sides."""
    return {"household": (client, "/my/plan"), "staff": (staff_client, f"/staff/households/{household.id}/plan")}


def _post_edit(http, prefix: str, item_id: int, page, **changes: str):
    data = _form_data(page.soup)
    data.update({f"item-{key}": value for key, value in changes.items()})
    return http.post(f"{prefix}/items/{item_id}", data=data)


@pytest.mark.parametrize("first", ["household", "staff"])
def test_a_status_set_meanwhile_is_kept_when_the_other_edits_only_what(client, app, pair, first) -> None:  # noqa: F811
    """The issue's scenario (household sets "Fait", the mediator then saves "Quoi ?") and its mirror."""
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", START)
    sides = _sides(household, staff, client)
    second = "staff" if first == "household" else "household"
    first_http, first_prefix = sides[first]
    second_http, second_prefix = sides[second]
    stale = get_page(second_http, f"{second_prefix}/items/{action.id}")  # opened before the status changes

    status_page = get_page(first_http, f"{first_prefix}/items/{action.id}")
    assert _post_edit(first_http, first_prefix, action.id, status_page, status="done").status_code == 303
    response = _post_edit(second_http, second_prefix, action.id, stale, what="Visiter Lomme avec ma fille")

    assert response.status_code == 303, f"no field was changed by both, yet the answer was {response.status_code}"
    item = _item(app, action.id)
    assert item.data["status"] == "done", "the status set meanwhile was reverted to the stale 'À faire'"
    assert item.data["what"] == "Visiter Lomme avec ma fille", "the edit of 'Quoi ?' was lost"
    assert {k: v for k, v in item.data.items() if k not in ("status", "what")} == {
        k: v for k, v in START.items() if k not in ("status", "what")}, "a field nobody touched changed"
    board = get_page(second_http, response.headers["Location"].split("#")[0])
    notice = board.text("[data-kept]")
    assert "Où en est-on ?" in notice, f"the notice does not say which change was kept: {notice}"
    assert "?." not in notice and "? ." not in notice, f"double punctuation after the field's name: {notice}"
    expected_who = "Samir Haddad" if first == "staff" else "le ménage"
    assert expected_who in notice, f"the notice does not say who changed it: {notice}"
    assert board.soup.select_one("[data-kept]")["role"] == "status"
    with app.app_context():
        changes = db.session.scalars(select(PlanChange).where(PlanChange.item_id == action.id)
                                     .order_by(PlanChange.version)).all()
    assert [(c.action, c.actor_kind) for c in changes] == [
        ("create", "household"), ("update", first), ("update", second)]
    assert changes[-1].before["data"]["status"] == "done" and changes[-1].after["data"]["status"] == "done"


@pytest.mark.parametrize("side", ["household", "staff"])
def test_the_same_change_on_both_sides_is_no_conflict(client, app, pair, side) -> None:  # noqa: F811
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", START)
    sides = _sides(household, staff, client)
    other = "staff" if side == "household" else "household"
    stale = get_page(sides[side][0], f"{sides[side][1]}/items/{action.id}")
    fresh = get_page(sides[other][0], f"{sides[other][1]}/items/{action.id}")
    assert _post_edit(*sides[other], action.id, fresh, status="done").status_code == 303
    response = _post_edit(*sides[side], action.id, stale, status="done", who="mediator")
    assert response.status_code == 303, "both set the same status: that is no conflict"
    assert (_item(app, action.id).data["status"], _item(app, action.id).data["who"]) == ("done", "mediator")


def _true_conflict(client, app, pair, side):  # noqa: F811
    """Both change "Quoi ?" differently; the other side also sets the status, this side also changes "Qui ?"."""
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", START)
    sides = _sides(household, staff, client)
    other = "staff" if side == "household" else "household"
    http, prefix = sides[side]
    stale = get_page(http, f"{prefix}/items/{action.id}")
    fresh = get_page(sides[other][0], f"{sides[other][1]}/items/{action.id}")
    assert _post_edit(*sides[other], action.id, fresh, what="Visiter Lomme mardi", status="done").status_code == 303
    response = _post_edit(http, prefix, action.id, stale, what="Visiter Lomme avec ma fille", who="mediator")
    assert response.status_code == 409, "both changed 'Quoi ?' differently: the person must choose"
    return action, http, BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.parametrize("side", ["household", "staff"])
def test_a_true_conflict_shows_only_the_field_both_changed(client, app, pair, side) -> None:  # noqa: F811
    action, _http, soup = _true_conflict(client, app, pair, side)
    labels = [th.get_text(strip=True) for th in soup.select("[data-conflict] tbody th")]
    assert labels == ["Quoi ?"], f"only 'Quoi ?' was changed by both, the screen asks about {labels}"
    kept = soup.select_one("[data-kept]").get_text()
    assert "Où en est-on ?" in kept and "Qui ?" in kept, f"the fields kept anyway are not named: {kept}"
    assert " et " in kept and "?," not in kept, f"the names are not joined as a French list: {kept}"
    assert "?." not in kept, f"double punctuation after the last field's name: {kept}"
    assert _item(app, action.id).data["what"] == "Visiter Lomme mardi"  # refused: nothing overwritten yet


@pytest.mark.parametrize("side", ["household", "staff"])
def test_keep_mine_touches_only_the_conflicting_field(client, app, pair, side) -> None:  # noqa: F811
    action, http, soup = _true_conflict(client, app, pair, side)
    keep = soup.select_one("form#keep-mine")
    assert http.post(keep["action"], data=_form_data(soup, "form#keep-mine")).status_code == 303
    data = _item(app, action.id).data
    assert data["what"] == "Visiter Lomme avec ma fille", "keeping my version did not keep my 'Quoi ?'"
    assert data["status"] == "done", "keeping my version reverted the status the other person set"
    assert data["who"] == "mediator", "my change of 'Qui ?' was lost"
    assert data["when_date"] == "2026-12-07"


@pytest.mark.parametrize("side", ["household", "staff"])
def test_keep_theirs_still_saves_my_other_changes(client, app, pair, side) -> None:  # noqa: F811
    action, http, soup = _true_conflict(client, app, pair, side)
    keep = soup.select_one("form#keep-theirs")
    assert keep is not None, "keeping the stored version must be a form: my other changes still need saving"
    assert http.post(keep["action"], data=_form_data(soup, "form#keep-theirs")).status_code == 303
    data = _item(app, action.id).data
    assert data["what"] == "Visiter Lomme mardi", "keeping their version did not keep their 'Quoi ?'"
    assert (data["status"], data["who"], data["when_date"]) == ("done", "mediator", "2026-12-07")


def test_the_merge_form_starts_from_both_changes(client, app, pair) -> None:  # noqa: F811
    action, http, soup = _true_conflict(client, app, pair, "household")
    merge = _form_data(soup, "#merge form")
    assert (merge["item-what"], merge["item-status"], merge["item-who"]) == (
        "Visiter Lomme avec ma fille", "done", "mediator")
    merge["item-what"] = "Visiter Lomme mardi avec ma fille"
    assert http.post(soup.select_one("#merge form")["action"], data=merge).status_code == 303
    assert _item(app, action.id).data["what"] == "Visiter Lomme mardi avec ma fille"


def test_an_item_removed_meanwhile_is_asked_about_not_edited_silently(client, app, pair) -> None:  # noqa: F811
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", START)
    stale = get_page(client, f"/my/plan/items/{action.id}")
    page = get_page(staff, f"/staff/households/{household.id}/plan/items/{action.id}")
    remove = page.soup.select_one(f"form[action$='/items/{action.id}/remove']")
    assert staff.post(remove["action"], data=_form_data(page.soup, f"form[action$='/items/{action.id}/remove']")
                      ).status_code == 303
    response = _post_edit(client, "/my/plan", action.id, stale, status="done")
    assert response.status_code == 409 and 'data-field="removed"' in response.get_data(as_text=True)
    assert _item(app, action.id).removed, "an edit of a removed item silently put it back"


def test_wishes_each_side_filled_differently_are_merged_and_the_profile_says_so(client, app, pair) -> None:  # noqa: F811
    household, _mediator, staff = pair
    mine = get_page(client, "/my/plan/edit/wishes")  # neither side has written the wishes yet
    theirs = get_page(staff, f"/staff/households/{household.id}/plan/edit/wishes")
    assert staff.post(f"/staff/households/{household.id}/plan/edit/wishes",
                      data={**_form_data(theirs.soup), "item-garden": "must"}).status_code == 303
    response = client.post("/my/plan/edit/wishes", data={**_form_data(mine.soup), "item-places": "Lille\nLomme"})
    assert response.status_code == 303, "the two sides wrote different fields: nothing to choose"
    with app.app_context():
        wishes = db.session.scalars(select(PlanItem).where(PlanItem.kind == "wishes")).one()
        assert (wishes.data["places"], wishes.data["garden"]) == ("Lille\nLomme", "must")
    profile = get_page(client, response.headers["Location"].split("#")[0])
    assert "Jardin" in profile.text("[data-kept]") and "Samir Haddad" in profile.text("[data-kept]")

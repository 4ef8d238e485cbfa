"""The plan pages on both sides: the household and its mediator edit the same items; stale saves are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlalchemy import select

from guide.core.extensions import db
from guide.features.plan import service
from guide.features.plan.service import suggestion
from guide.models import AuditEntry, Consent, PlanChange, PlanItem, Role
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.conftest import ALL_LANGUAGES, csrf_token, get_page
from tests.factories import make_appointment, make_household, make_plan_item, make_staff


@pytest.fixture()
def pair(client, app, ctx):
    """A household signed in on `client`, and its mediator signed in on a second client."""
    mediator = make_staff(role=Role.MEDIATOR, name="Samir Haddad")
    household = make_household(mediator_id=mediator.id)
    sign_in_as(client, app, household)
    staff_client = app.test_client()
    log_in(staff_client, mediator)
    return household, mediator, staff_client


def _item(app, item_id):
    with app.app_context():
        return db.session.get(PlanItem, item_id)


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_household_pages_in_every_language(client, app, pair, lang) -> None:
    household, _mediator, _staff = pair
    brake = make_plan_item(household, "brake", {"category": "money", "words": "Le loyer me fait peur"})
    make_plan_item(household, "action", {"what": "", "suggestion": "money-1", "who": "mediator", "status": "todo",
                                         "when_date": "2026-12-07"})
    make_plan_item(household, "trip", {"purpose": "work", "place": "Roubaix", "modes": ["public"],
                                       "frequency": "daily", "monthly_cost": "20.00"})
    make_plan_item(household, "visit", {"place": "Hellemmes", "kind": "neighbourhood", "transport": "3"})
    make_plan_item(household, "visit", {"place": "Wattrelos", "kind": "neighbourhood", "transport": "1"})
    for url in ("/my/plan", "/my/plan/profile", "/my/plan/visits", f"/my/plan/items/{brake.id}",
                f"/my/plan/items/{brake.id}/history", "/my/plan/edit/wishes", "/my/plan/edit/phases"):
        get_page(client, url, lang)
    board = get_page(client, "/my/plan", lang)
    assert "Le loyer me fait peur" in board.text("#brakes")

    assert suggestion(lang, "money-1").what in board.text("#actions")  # an unadapted suggestion reads in my language
    assert len(get_page(client, "/my/plan/visits", lang).soup.select("[data-compare] thead th")) == 3


def test_staff_sees_the_same_plan_and_reads_are_logged(client, app, pair) -> None:
    household, mediator, staff = pair
    make_plan_item(household, "brake", {"category": "own", "words": "الخوف من الجيران الجدد"})
    page = get_page(staff, f"/staff/households/{household.id}/plan")
    assert "الخوف من الجيران الجدد" in page.text("#brakes")  # the household's own words, as written
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == mediator.id,
                                                           AuditEntry.entity == "plan")).first() is not None


def test_add_edit_history_and_restore(client, app, pair) -> None:
    household, _mediator, staff = pair
    page = get_page(client, "/my/plan")
    response = client.post("/my/plan/add/action", data={
        "csrf_token": csrf_token(page.soup), "new-action-version": "0", "new-action-what": "Appeler l'école",
        "new-action-who": "household", "new-action-status": "todo", "new-action-when_week": "2026-W50"})
    assert response.status_code == 303
    with app.app_context():
        action = db.session.scalars(select(PlanItem).where(PlanItem.kind == "action")).one()
    form = get_page(staff, f"/staff/households/{household.id}/plan/items/{action.id}")
    data = {i["name"]: i.get("value", "") for i in form.soup.select("#item-form input")}
    data.update({"item-what": "Appeler l'école Jean Macé", "item-who": "mediator", "item-status": "todo",
                 "item-brake_id": ""})
    assert staff.post(f"/staff/households/{household.id}/plan/items/{action.id}", data=data).status_code == 303
    assert _item(app, action.id).data["what"] == "Appeler l'école Jean Macé"
    history = get_page(client, f"/my/plan/items/{action.id}/history")
    assert "Samir Haddad" in history.text(".history")
    restore = history.soup.select_one("li[data-version='1'] form")
    response = client.post(restore["action"], data={i["name"]: i["value"] for i in restore.select("input")})
    assert response.status_code == 303
    item = _item(app, action.id)
    assert item.data["what"] == "Appeler l'école" and item.version == 3
    with app.app_context():
        assert [c.action for c in db.session.scalars(select(PlanChange).order_by(PlanChange.id))] == [
            "create", "update", "restore"]


def test_a_stale_save_shows_both_texts_and_each_choice_works(client, app, pair) -> None:
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", {"what": "Visiter Lomme", "who": "household", "status": "todo"})
    mine_page = get_page(client, f"/my/plan/items/{action.id}")
    theirs_page = get_page(staff, f"/staff/households/{household.id}/plan/items/{action.id}")

    def fields(page, what):
        data = {i["name"]: i.get("value", "") for i in page.soup.select("#item-form input")}
        data.update({"item-what": what, "item-who": "household", "item-status": "todo", "item-brake_id": ""})
        return data

    assert staff.post(f"/staff/households/{household.id}/plan/items/{action.id}",
                      data=fields(theirs_page, "Visiter Lomme mardi")).status_code == 303
    response = client.post(f"/my/plan/items/{action.id}", data=fields(mine_page, "Visiter Lomme avec ma fille"))
    assert response.status_code == 409

    conflict = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Visiter Lomme avec ma fille" in conflict.select_one("[data-conflict]").get_text()
    assert "Visiter Lomme mardi" in conflict.select_one("[data-conflict]").get_text()
    assert "Samir Haddad" in conflict.select_one("[data-conflict-by]").get_text()
    assert _item(app, action.id).data["what"] == "Visiter Lomme mardi"  # refused: nothing overwritten
    merge = conflict.select_one("#merge form")
    data = {i["name"]: i.get("value", "") for i in merge.select("input")}
    data.update({"item-what": "Visiter Lomme mardi avec ma fille", "item-who": "household", "item-status": "todo",
                 "item-brake_id": ""})
    assert client.post(merge["action"], data=data).status_code == 303
    assert _item(app, action.id).data["what"] == "Visiter Lomme mardi avec ma fille"
    keep = conflict.select_one("#keep-mine")  # now stale in turn: keeping mine over a newer version is refused
    assert client.post(keep["action"], data={i["name"]: i["value"] for i in keep.select("input")}).status_code == 409


def test_keep_mine_saves_my_text_over_theirs(client, app, pair) -> None:
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", {"what": "A", "who": "household", "status": "todo"})
    page = get_page(client, f"/my/plan/items/{action.id}")
    with app.app_context():
        item = db.session.get(PlanItem, action.id)
        service.save_item(item, 1, {**item.data, "what": "B"}, service.Actor("staff", None))
        db.session.commit()
    data = {i["name"]: i.get("value", "") for i in page.soup.select("#item-form input")}
    data.update({"item-what": "C", "item-who": "household", "item-status": "todo", "item-brake_id": ""})
    response = client.post(f"/my/plan/items/{action.id}", data=data)
    assert response.status_code == 409

    keep = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("#keep-mine")
    assert client.post(keep["action"], data={i["name"]: i["value"] for i in keep.select("input")}).status_code == 303
    assert _item(app, action.id).data["what"] == "C"


def test_rank_brakes_without_javascript_and_with_htmx(client, app, pair) -> None:
    household, _mediator, staff = pair
    first = make_plan_item(household, "brake", {"category": "money", "words": ""}, rank=1)
    second = make_plan_item(household, "brake", {"category": "school", "words": ""}, rank=2)
    page = get_page(client, "/my/plan")
    token = csrf_token(page.soup)
    assert client.post(f"/my/plan/items/{second.id}/move", data={"csrf_token": token, "direction": "up"}
                       ).status_code == 303
    assert _item(app, second.id).rank == 1 and _item(app, first.id).rank == 2
    token = csrf_token(get_page(staff, f"/staff/households/{household.id}/plan").soup)
    response = staff.post(f"/staff/households/{household.id}/plan/items/{second.id}/move",
                          data={"csrf_token": token, "direction": "down"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="plan-board"' in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert _item(app, first.id).rank == 1


def test_a_move_meanwhile_does_not_block_a_text_edit(client, app, pair) -> None:
    household, _mediator, staff = pair
    make_plan_item(household, "brake", {"category": "money", "words": ""}, rank=1)
    second = make_plan_item(household, "brake", {"category": "school", "words": "loin"}, rank=2)
    edit = get_page(client, f"/my/plan/items/{second.id}")
    staff.post(f"/staff/households/{household.id}/plan/items/{second.id}/move",
               data={"csrf_token": csrf_token(get_page(staff, f"/staff/households/{household.id}/plan").soup),
                     "direction": "up"})
    data = {i["name"]: i.get("value", "") for i in edit.soup.select("#item-form input")}
    data.update({"item-category": "school", "item-words": "trop loin"})
    assert client.post(f"/my/plan/items/{second.id}", data=data).status_code == 303
    item = _item(app, second.id)
    assert item.data["words"] == "trop loin" and item.rank == 1


def test_suggestions_come_from_ranked_brakes_and_can_be_accepted(client, app, pair) -> None:
    household, _mediator, _staff = pair
    make_plan_item(household, "brake", {"category": "transport", "words": ""}, rank=1)
    page = get_page(client, "/my/plan")
    form = page.soup.select_one("#suggestions form")
    assert "transport-1" in form["action"]
    response = client.post(form["action"], data={"csrf_token": csrf_token(page.soup)})
    assert response.status_code == 303 and re.search(r"/my/plan/items/\d+$", response.headers["Location"])
    assert "transport-1" not in get_page(client, "/my/plan").text("#suggestions")


def test_live_updates_answer_204_until_the_other_side_changes_something(client, app, pair) -> None:
    household, _mediator, staff = pair
    action = make_plan_item(household, "action", {"what": "A", "who": "household", "status": "todo"})
    page = get_page(client, "/my/plan")
    poll = page.soup.select_one("#plan-live")["data-hx-get"]
    assert client.get(poll).status_code == 204
    edit = get_page(staff, f"/staff/households/{household.id}/plan/items/{action.id}")
    data = {i["name"]: i.get("value", "") for i in edit.soup.select("#item-form input")}
    data.update({"item-what": "Nouveau texte", "item-who": "household", "item-status": "todo", "item-brake_id": ""})
    staff.post(f"/staff/households/{household.id}/plan/items/{action.id}", data=data)
    response = client.get(poll, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Samir Haddad" in html and "Nouveau texte" in html
    assert 'data-hx-swap-oob="true"' in html and "<form" not in html.split('id="plan-board"')[0]


def test_validation_errors_are_shown_with_422(client, app, pair) -> None:
    page = get_page(client, "/my/plan")
    response = client.post("/my/plan/add/brake", data={"csrf_token": csrf_token(page.soup),
                                                       "new-brake-version": "0", "new-brake-category": "own"})
    assert response.status_code == 422 and "error-summary" in response.get_data(as_text=True)


def test_posts_need_the_csrf_token(client, app, pair) -> None:
    household, _mediator, _staff = pair
    brake = make_plan_item(household, "brake", {"category": "money", "words": ""})
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/my/plan/add/brake", data={"new-brake-version": "0", "new-brake-category": "money"}
                       ).status_code == 400
    assert client.post(f"/my/plan/items/{brake.id}/move", data={"direction": "up"}).status_code == 400


def test_an_action_needs_its_what(client, app, pair) -> None:
    page = get_page(client, "/my/plan")
    response = client.post("/my/plan/add/action", data={"csrf_token": csrf_token(page.soup),
                                                        "new-action-version": "0", "new-action-who": "household",
                                                        "new-action-status": "todo"})
    assert response.status_code == 422 and "Écrivez quoi faire." in response.get_data(as_text=True)


def test_the_project_reaches_the_officer_only_with_the_households_consent(client, app, ctx) -> None:
    mediator = make_staff(role=Role.MEDIATOR)
    officer = make_staff(role=Role.OFFICER, name="Nadia Benali")
    household = make_household(mediator_id=mediator.id, officer_id=officer.id, language="ar")
    make_plan_item(household, "brake", {"category": "own", "words": "أخاف من الوحدة"})
    make_plan_item(household, "visit", {"place": "Hellemmes", "liked": "الحديقة", "transport": "3"})
    sign_in_as(client, app, household)
    office = app.test_client()
    log_in(office, officer)
    project_url = f"/staff/households/{household.id}/plan/project"
    assert office.get(project_url).status_code == 403  # not shared yet
    assert office.get(f"/staff/households/{household.id}/plan").status_code == 404  # the working plan: never
    page = get_page(client, "/my/plan/project", "ar")
    assert page.soup.select_one("[data-consent='none']") is not None
    assert "أخاف من الوحدة" in page.text("#project") and "الحديقة" in page.text("#project")
    form = page.soup.select_one("#sharing form")
    assert client.post(form["action"], data={"csrf_token": csrf_token(page.soup)}).status_code == 303
    shared = get_page(office, project_url)
    assert "أخاف من الوحدة" in shared.text("#project") and shared.soup.select_one("#sharing form") is None
    with app.app_context():
        consent = db.session.scalars(select(Consent).where(Consent.kind == "plan_sharing")).one()
        assert consent.recorded_by_id is None and consent.withdrawn_on is None
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == officer.id,
                                                           AuditEntry.entity == "plan_project")).first()
    page = get_page(client, "/my/plan/project", "ar")
    withdraw = page.soup.select_one("#sharing form")
    assert client.post(withdraw["action"], data={"csrf_token": csrf_token(page.soup)}).status_code == 303
    assert office.get(project_url).status_code == 403
    assert office.post(f"/staff/households/{household.id}/plan/project/share/yes",
                       data={"csrf_token": csrf_token(shared.soup)}).status_code == 404  # only the household's word


def test_impressions_after_a_planned_neighbourhood_visit(client, app, pair) -> None:
    household, _mediator, _staff = pair
    visit = make_appointment(household, kind="neighbourhood_visit", place="Lomme, quartier du Marais",
                             starts_at=datetime(2026, 12, 3, 13, 0, tzinfo=UTC))
    page = get_page(client, "/my/plan/visits")
    link = page.soup.select_one("#planned a")["href"]
    form_page = get_page(client, link.split("#")[0])
    assert form_page.soup.select_one("#add-visit").has_attr("open")
    assert form_page.soup.select_one("input[name='new-visit-place']")["value"] == visit.place
    day = [form_page.soup.select_one(f"input[name='new-visit-on-{part}']")["value"]
           for part in ("day", "month", "year")]
    assert day == ["3", "12", "2026"], day


def test_wishes_written_by_both_sides_at_once_reach_the_conflict_screen(client, app, pair) -> None:
    household, _mediator, staff = pair
    mine = get_page(client, "/my/plan/edit/wishes")
    theirs = get_page(staff, f"/staff/households/{household.id}/plan/edit/wishes")

    def post(session, page, url, places):
        data = {i["name"]: i.get("value", "") for i in page.soup.select("#item-form input[type=hidden]")}
        data.update({"item-places": places, "item-housing": "either", "item-floor": "lift",
                     "item-garden": "wish", "item-flat_type": "T3"})
        return session.post(url, data=data)

    assert post(staff, theirs, f"/staff/households/{household.id}/plan/edit/wishes", "Lomme").status_code == 303
    response = post(client, mine, "/my/plan/edit/wishes", "Lille\nHellemmes")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Lomme" in text and "Hellemmes" in text
    with app.app_context():
        wishes = db.session.scalars(select(PlanItem).where(PlanItem.kind == "wishes")).one()
        assert wishes.data["places"] == "Lomme"


def test_updates_of_another_households_item_are_refused(client, app, pair) -> None:
    other = make_household()
    theirs = make_plan_item(other, "action", {"what": "secret", "status": "todo"})
    assert client.get(f"/my/plan/updates?rev=0&item={theirs.id}").status_code == 404
    assert "secret" not in client.get("/my/plan/updates?rev=0&page=board").get_data(as_text=True)


def test_live_update_polls_do_not_keep_an_idle_session_alive(client, app, pair) -> None:
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        get_page(client, "/my/plan")
        clock.shift(timedelta(minutes=14))  # idle for 14 minutes, the page still open and polling
        assert client.get("/my/plan/updates?rev=0&page=board").status_code in (200, 204)
        clock.shift(timedelta(minutes=1, seconds=1))  # 15 minutes after the last real activity
        assert client.get("/my/plan/updates?rev=0&page=board").status_code == 286, \
            "the poll 14 minutes in kept the session alive"
        assert client.get("/my/plan").status_code == 302  # and the next page asks to sign in again

"""The plan service: conditional saves, conflicts carrying both texts, history and restore, order, next actions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from guide.core.extensions import db
from guide.features.plan import service
from guide.models import Household, PlanChange, PlanItem
from tests.factories import make_household, make_plan_item

HOUSEHOLD = service.Actor("household", 1)
STAFF = service.Actor("staff", 7)


@pytest.fixture()
def household(app, ctx):
    found = make_household(language="ar")
    with app.test_request_context():
        yield db.session.get(Household, found.id)


def _versions(item_id: int) -> list[int]:
    return [c.version for c in db.session.scalars(select(PlanChange).where(PlanChange.item_id == item_id)
                                                  .order_by(PlanChange.version))]


def test_a_save_over_the_seen_version_is_applied_and_recorded(household) -> None:
    item = service.add_item(household.id, "action", {"what": "A", "status": "todo"}, HOUSEHOLD)
    outcome = service.save_item(item, 1, {"what": "B", "status": "todo"}, STAFF)
    db.session.commit()
    assert isinstance(outcome, service.Saved) and outcome.item.version == 2
    change = service.history(item.id)[0]
    assert (change.actor_kind, change.actor_id, change.before["data"]["what"], change.after["data"]["what"]) == (
        "staff", 7, "A", "B")


def test_a_stale_save_is_refused_with_both_texts(household) -> None:
    item = service.add_item(household.id, "action", {"what": "A", "status": "todo"}, HOUSEHOLD)
    service.save_item(item, 1, {"what": "theirs", "status": "todo"}, STAFF)
    outcome = service.save_item(item, 1, {"what": "mine", "status": "todo"}, HOUSEHOLD)
    db.session.commit()
    assert isinstance(outcome, service.Conflict)
    assert (outcome.mine["what"], outcome.theirs["what"], outcome.base["what"], outcome.current_version) == (
        "mine", "theirs", "A", 2)
    assert outcome.by.actor_kind == "staff"
    assert db.session.get(PlanItem, item.id).data["what"] == "theirs" and _versions(item.id) == [1, 2]


def test_remove_then_restore_keeps_every_version(household) -> None:
    item = service.add_item(household.id, "brake", {"category": "money", "words": "loyer"}, HOUSEHOLD)
    service.save_item(item, 1, {"category": "money", "words": "le loyer"}, STAFF)
    assert isinstance(service.remove_item(item, 2, HOUSEHOLD), service.Saved)
    assert service.items(household.id, "brake") == []
    restored = service.restore_version(item, 1, 3, HOUSEHOLD)
    db.session.commit()
    assert isinstance(restored, service.Saved)
    assert restored.item.data["words"] == "loyer" and not restored.item.removed and _versions(item.id) == [1, 2, 3, 4]
    assert service.restore_version(item, 99, 4, HOUSEHOLD) is None


def test_singletons_are_created_by_the_first_save_and_a_second_creation_conflicts(household) -> None:
    first = service.save_single(household.id, "wishes", 0, {"places": "Lille\nLomme"}, HOUSEHOLD)
    db.session.commit()
    second = service.save_single(household.id, "wishes", 0, {"places": "Roubaix"}, STAFF)
    assert isinstance(first, service.Saved) and isinstance(second, service.Conflict)
    assert second.theirs["places"] == "Lille\nLomme"


def test_moves_renumber_and_never_conflict_with_text(household) -> None:
    a = service.add_item(household.id, "brake", {"category": "money"}, HOUSEHOLD)
    b = service.add_item(household.id, "brake", {"category": "school"}, HOUSEHOLD)
    c = service.add_item(household.id, "brake", {"category": "work"}, HOUSEHOLD)
    assert service.move(c, -1, STAFF) and service.move(c, -1, STAFF)
    assert not service.move(c, -1, STAFF)  # already first
    db.session.commit()
    assert [i.id for i in service.items(household.id, "brake")] == [c.id, a.id, b.id]
    assert isinstance(service.save_item(a, 1, {"category": "money", "words": "cher"}, HOUSEHOLD), service.Saved)


def test_suggestions_follow_the_ranking_and_skip_accepted_ones(household) -> None:
    service.add_item(household.id, "brake", {"category": "language"}, HOUSEHOLD)
    service.add_item(household.id, "brake", {"category": "own", "words": "الجيران"}, HOUSEHOLD)
    offered = service.suggestions(household.id, "ar")
    assert [s.key for s in offered[0].suggestions] == ["language-1", "language-2"]
    assert offered[0].suggestions[0].what == service.suggestion("ar", "language-1").what
    action = service.accept_suggestion(household.id, "language-1", STAFF)
    assert service.accept_suggestion(household.id, "language-1", STAFF).id == action.id  # not twice
    assert service.accept_suggestion(household.id, "nothing-1", STAFF) is None
    assert [s.key for s in service.suggestions(household.id, "ar")[0].suggestions] == ["language-2"]
    assert service.action_text(action, "fr") == service.suggestion("fr", "language-1").what


def test_next_actions_soonest_first_undated_last_done_left_out(household) -> None:
    make_plan_item(household, "action", {"what": "sans date", "status": "todo"}, rank=1)
    make_plan_item(household, "action", {"what": "semaine", "status": "todo", "when_week": "2026-W50"}, rank=2)
    make_plan_item(household, "action", {"what": "date", "status": "todo", "when_date": "2026-12-01"}, rank=3)
    make_plan_item(household, "action", {"what": "fait", "status": "done", "when_date": "2026-11-01"}, rank=4)
    found = service.next_actions(household)
    assert [a.what for a in found] == ["date", "semaine", "sans date"]
    assert found[0].on == date(2026, 12, 1) and found[1].week_of == date(2026, 12, 7)
    assert len(service.next_actions(household, limit=1)) == 1


@pytest.mark.parametrize(("week", "monday"), [("2026-W01", date(2025, 12, 29)), ("2026-W53", date(2026, 12, 28)),
                                              ("2026-W49", date(2026, 11, 30)), ("bad", None), ("", None)])
def test_week_monday(week: str, monday: date | None) -> None:
    assert service.week_monday(week) == monday


def test_plan_words_exist_in_every_language_with_the_same_codes() -> None:
    french = service.words("fr")
    for lang in ("ar", "en", "tr", "pt"):
        words = service.words(lang)
        assert (words.get("brakes") or {}).keys() == french["brakes"].keys(), lang
        for code, entry in french["brakes"].items():
            assert [s["key"] for s in words["brakes"][code]["suggestions"]] == [s["key"] for s in entry["suggestions"]]
            assert all(s["who"] in service.WHO and s["what"].strip() for s in words["brakes"][code]["suggestions"])
        for table in ("purposes", "modes", "frequencies", "attachments"):
            assert words[table].keys() == french[table].keys(), f"{lang} {table}"


def test_an_edit_from_an_older_version_merges_fields_only_one_side_changed(household) -> None:
    item = service.add_item(household.id, "action", {"what": "A", "status": "todo", "who": "household"}, HOUSEHOLD)
    service.save_item(item, 1, {"what": "A", "status": "done", "who": "household"}, HOUSEHOLD)
    outcome = service.save_item(item, 1, {"what": "B", "status": "todo", "who": "household"}, STAFF)
    db.session.commit()
    assert isinstance(outcome, service.Saved), "only the status and only the what changed: no conflict"
    assert outcome.kept == ("status",) and outcome.by.actor_kind == "household"
    assert db.session.get(PlanItem, item.id).data == {"what": "B", "status": "done", "who": "household"}
    assert _versions(item.id) == [1, 2, 3]


def test_a_conflict_says_which_fields_and_resolves_only_those(household) -> None:
    item = service.add_item(household.id, "action", {"what": "A", "status": "todo", "who": "household"}, HOUSEHOLD)
    service.save_item(item, 1, {"what": "theirs", "status": "done", "who": "household"}, STAFF)
    outcome = service.save_item(item, 1, {"what": "mine", "status": "todo", "who": "mediator"}, HOUSEHOLD)
    assert isinstance(outcome, service.Conflict) and outcome.merge.conflicts == ("what",)
    assert outcome.resolved("mine") == {"what": "mine", "status": "done", "who": "mediator"}
    assert outcome.resolved("theirs") == {"what": "theirs", "status": "done", "who": "mediator"}


def test_two_first_saves_of_the_wishes_merge_what_each_wrote(household) -> None:
    service.save_single(household.id, "wishes", 0, {"places": "Lille", "garden": ""}, HOUSEHOLD)
    outcome = service.save_single(household.id, "wishes", 0, {"places": "", "garden": "wish"}, STAFF)
    db.session.commit()
    assert isinstance(outcome, service.Saved)
    assert service.single(household.id, "wishes").data == {"places": "Lille", "garden": "wish"}


def test_put_back_restores_a_removed_item_once_and_records_it(household) -> None:
    item = service.add_item(household.id, "action", {"what": "A", "status": "todo"}, HOUSEHOLD)
    service.remove_item(item, 1, HOUSEHOLD)
    assert [i.id for i in service.removed(household.id, "action")] == [item.id]
    back = service.put_back(item, STAFF)
    again = service.put_back(item, HOUSEHOLD)
    db.session.commit()
    assert back.changed and not again.changed, "putting back twice must record one change"
    assert not db.session.get(PlanItem, item.id).removed and service.removed(household.id, "action") == []
    last = service.history(item.id)[0]
    assert (last.action, last.actor_kind, last.actor_id, last.after["data"]) == ("restore", "staff", 7, {
        "what": "A", "status": "todo"})

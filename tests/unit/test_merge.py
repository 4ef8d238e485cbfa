"""The three-way merge of a co-edited record (guide/rules/merge.py): only fields both sides changed differently
need a choice; nothing one side did not touch is reverted."""

from __future__ import annotations

import pytest

from guide.rules.merge import same, three_way

BASE = {"what": "Visiter Lomme", "who": "household", "status": "todo", "when_date": ""}


def test_status_changed_by_them_and_what_by_me_both_land() -> None:
    theirs = {**BASE, "status": "done"}
    mine = {**BASE, "what": "Visiter Lomme avec ma fille"}
    merge = three_way(BASE, mine, theirs)
    assert merge.conflicts == (), f"no field was changed by both sides, yet {merge.conflicts} conflict"
    assert merge.merged["status"] == "done", "the other side's status was reverted to what I started from"
    assert merge.merged["what"] == "Visiter Lomme avec ma fille", "my own change was lost"
    assert (merge.theirs_only, merge.mine_only) == (("status",), ("what",))


def test_the_mirror_case() -> None:
    theirs = {**BASE, "what": "Visiter Lomme mardi"}
    mine = {**BASE, "status": "done"}
    merge = three_way(BASE, mine, theirs)
    assert merge.conflicts == ()
    assert merge.merged == {**BASE, "what": "Visiter Lomme mardi", "status": "done"}


def test_both_changed_the_same_field_differently_is_the_only_conflict() -> None:
    theirs = {**BASE, "what": "Visiter Lomme mardi", "status": "done"}
    mine = {**BASE, "what": "Visiter Lomme avec ma fille", "who": "mediator"}
    merge = three_way(BASE, mine, theirs)
    assert merge.conflicts == ("what",)
    assert merge.merged == {**BASE, "what": "Visiter Lomme mardi", "status": "done", "who": "mediator"}
    kept_mine = merge.resolved(mine, "mine")
    kept_theirs = merge.resolved(mine, "theirs")
    assert kept_mine == {**BASE, "what": "Visiter Lomme avec ma fille", "status": "done", "who": "mediator"}, \
        "keeping my version touched more than the conflicting field"
    assert kept_theirs == {**BASE, "what": "Visiter Lomme mardi", "status": "done", "who": "mediator"}, \
        "keeping their version dropped my change of another field"


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    both = {**BASE, "status": "done"}
    merge = three_way(BASE, both, dict(both))
    assert merge.conflicts == () and merge.merged == both and merge.theirs_only == merge.mine_only == ()


@pytest.mark.parametrize("empty", ["", None, []])
def test_empty_values_and_missing_keys_are_one_value(empty) -> None:
    base = {"what": "A"}  # an older record, written before the form had who_name
    mine = {"what": "A", "who_name": empty}
    theirs = {"what": "B"}
    merge = three_way(base, mine, theirs)
    assert merge.conflicts == () and merge.merged["what"] == "B"
    assert same(empty, "") and not same("0", "")


def test_without_a_base_every_difference_is_a_conflict() -> None:
    merge = three_way(None, {"places": "Lille", "garden": "wish"}, {"places": "Lomme", "garden": "wish"})
    assert merge.conflicts == ("places",) and merge.merged == {"places": "Lomme", "garden": "wish"}


def test_a_key_only_the_base_held_stays_out() -> None:
    assert "old" not in three_way({"old": "x", "a": "1"}, {"a": "1"}, {"a": "2"}).merged


def test_lists_compare_whole() -> None:
    base = {"modes": ["bus"]}
    merge = three_way(base, {"modes": ["bus", "car"]}, {"modes": ["walk"]})
    assert merge.conflicts == ("modes",)


def test_keep_must_be_mine_or_theirs() -> None:
    with pytest.raises(ValueError):
        three_way(BASE, BASE, BASE).resolved(BASE, "both")

"""Three-way merge of one co-edited record, field by field.

Two people start from the same version (the base) and each saves their own copy: a field only one of them changed
takes that change; a field both changed to the same value is no conflict; only a field both changed to different
values needs a person to choose. An empty value ("", None, [] or a missing key) counts as one and the same value,
so a field a form always sends empty and an older record never held are not a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Merge:
    """The outcome: `merged` holds every field, with the stored (theirs) value where the two sides conflict."""

    merged: dict[str, Any]
    conflicts: tuple[str, ...]  # both changed, to different values: a person must choose
    theirs_only: tuple[str, ...]  # only the other side changed: their change is kept
    mine_only: tuple[str, ...]  # only this side changed: my change is kept

    def resolved(self, mine: Mapping[str, Any], keep: str) -> dict[str, Any]:
        """The merge with each conflicting field taken from `mine` (keep="mine") or left as stored ("theirs")."""
        if keep not in ("mine", "theirs"):
            raise ValueError(f"keep is mine or theirs, not {keep!r}")
        if keep == "theirs":
            return dict(self.merged)
        return {**self.merged, **{key: mine.get(key) for key in self.conflicts}}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def same(left: Any, right: Any) -> bool:
    """Equal values, every kind of empty being one value."""
    return (_empty(left) and _empty(right)) or left == right


def three_way(base: Mapping[str, Any] | None, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> Merge:
    """Merge `mine` and `theirs`, both made from `base`; without a base (unknown), every difference is a conflict."""
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    theirs_only: list[str] = []
    mine_only: list[str] = []
    for key in sorted(set(mine) | set(theirs) | set(base or {})):
        my_value, their_value = mine.get(key), theirs.get(key)
        if same(my_value, their_value):
            if key in theirs or key in mine:  # a key only the base held stays out, as both left it
                merged[key] = their_value if key in theirs else my_value
            continue
        base_value = None if base is None else base.get(key)
        if base is not None and same(my_value, base_value):
            merged[key] = their_value
            theirs_only.append(key)
        elif base is not None and same(their_value, base_value):
            merged[key] = my_value
            mine_only.append(key)
        else:
            merged[key] = their_value
            conflicts.append(key)
    return Merge(merged, tuple(conflicts), tuple(theirs_only), tuple(mine_only))

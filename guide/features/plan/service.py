"""The Citéo plan, co-edited by a household and its mediator without ever losing an edit.

Every save goes through one conditional UPDATE on the version the person saw (guide/core/versioned.py): an
accepted save bumps the version and writes a `PlanChange` (before and after) in the same transaction. An edit over
a newer version is merged field by field with what the other person saved meanwhile (guide/rules/merge.py, the
base being the version the person started from, read back from the history): a field only one side changed is
kept; only fields both changed to different values are refused, as a `Conflict` carrying both texts. Moving a
brake up or down changes only the order, so it never blocks a text edit made meanwhile. Services flush; the view
commits (one transaction).

The plan's words (content/<lang>/plan.yaml) are guide/features/plan/words.py; the consent to share the
relocation project with the officer is guide/features/plan/sharing.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, func, select, update
from sqlalchemy.exc import IntegrityError

from guide.core.extensions import db
from guide.core.i18n import SOURCE_LANGUAGE
from guide.core.versioned import save_if_current
from guide.features.plan.words import Suggestion, action_text, suggestion, words
from guide.models import Appointment, Household, PlanChange, PlanItem, PlanItemKind
from guide.models.base import utcnow
from guide.models.plan import SINGLE_KINDS
from guide.rules.merge import Merge, three_way

ACTION_STATUSES = ("todo", "done", "dropped")
WHO = ("household", "mediator", "officer", "partner")
MOVE_RETRIES = 8


@dataclass(frozen=True)
class Actor:
    """Who edits: the household itself, or a staff member (by id)."""

    kind: str  # household or staff
    id: int | None


@dataclass
class Conflict:
    """A refused save: the person's text, the stored one, and the version to save over if they still want theirs.

    `merge` says which fields both sides changed to different values (the only ones to choose), and holds every
    other field already merged: what only one side changed is kept."""

    item: PlanItem
    mine: dict[str, Any]
    theirs: dict[str, Any]
    base: dict[str, Any] | None  # what the person started from (None if unknown)
    current_version: int
    by: PlanChange | None  # the change that made the stored version
    merge: Merge

    def resolved(self, keep: str) -> dict[str, Any]:
        """What to save when the person keeps their own version ("mine") or the stored one ("theirs"): only the
        conflicting fields differ between the two; every field only one side changed keeps that change."""
        return self.merge.resolved(self.mine, keep)


@dataclass
class Saved:
    item: PlanItem
    changed: bool = True
    kept: tuple[str, ...] = ()  # fields someone else changed meanwhile, kept beside this save
    by: PlanChange | None = None  # their (latest) change


# --- reading -------------------------------------------------------------------------------------------------

def items(household_id: int, kind: str | None = None, include_removed: bool = False,
          fresh: bool = False) -> list[PlanItem]:
    """The household's items (of one kind), in order; `fresh` re-reads rows this session already holds."""
    query = items_query(household_id, kind, include_removed)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list(db.session.scalars(query.order_by(PlanItem.rank, PlanItem.id)))


def items_query(household_id: int, kind: str | None = None, include_removed: bool = False) -> Select[PlanItem]:
    """The household's items (of one kind), unordered (`item_order` sorts them as `items` does)."""
    query = select(PlanItem).where(PlanItem.household_id == household_id)
    if kind is not None:
        query = query.where(PlanItem.kind == kind)
    if not include_removed:
        query = query.where(PlanItem.removed.is_(False))
    return query


def item_order(rows: list[PlanItem]) -> list[PlanItem]:
    return sorted(rows, key=lambda i: (i.rank, i.id))


def removed(household_id: int, kind: str) -> list[PlanItem]:
    """The household's removed items of one kind, in their old order (they can be put back)."""
    return [i for i in items(household_id, kind, include_removed=True) if i.removed]


def single(household_id: int, kind: str) -> PlanItem | None:
    return db.session.scalars(select(PlanItem).where(PlanItem.household_id == household_id,
                                                     PlanItem.kind == kind)).first()


def item_of(household_id: int, item_id: int) -> PlanItem | None:
    """The item if it belongs to this household (None otherwise: the caller answers 404)."""
    if not item_id:  # no item asked for (ids start at 1): no query
        return None
    found = db.session.get(PlanItem, item_id)
    return found if found is not None and found.household_id == household_id else None


def history(item_id: int) -> list[PlanChange]:
    return list(db.session.scalars(select(PlanChange).where(PlanChange.item_id == item_id)
                                   .order_by(PlanChange.version.desc())))


def snapshot_at(item_id: int, version: int) -> dict[str, Any] | None:
    change = db.session.scalars(select(PlanChange).where(PlanChange.item_id == item_id,
                                                         PlanChange.version == version)).first()
    return change.after if change else None


def change_of(item_id: int, change_id: int) -> PlanChange | None:
    """One change of this item (None if it is not one of its changes)."""
    found = db.session.get(PlanChange, change_id) if change_id else None
    return found if found is not None and found.item_id == item_id else None


def revision(household_id: int) -> int:
    """The plan's revision: the id of its latest change (0 before any), for live updates."""
    return db.session.scalar(select(func.coalesce(func.max(PlanChange.id), 0))
                             .where(PlanChange.household_id == household_id)) or 0


def changes_since(household_id: int, rev: int, item_id: int | None = None) -> list[PlanChange]:
    query = select(PlanChange).where(PlanChange.household_id == household_id, PlanChange.id > rev)
    if item_id is not None:
        query = query.where(PlanChange.item_id == item_id)
    return list(db.session.scalars(query.order_by(PlanChange.id)))


# --- writing -------------------------------------------------------------------------------------------------

def _record(item: PlanItem, version: int, action: str, actor: Actor, before: dict[str, Any] | None,
            after: dict[str, Any]) -> None:
    db.session.add(PlanChange(household_id=item.household_id, item_id=item.id, version=version, action=action,
                              actor_kind=actor.kind, actor_id=actor.id, at=utcnow(), before=before, after=after))


def add_item(household_id: int, kind: str, data: dict[str, Any], actor: Actor) -> PlanItem:
    """A new trip, attachment, brake, action or visit, last in its list."""
    if kind not in PlanItemKind.__members__.values() or kind in SINGLE_KINDS:
        raise ValueError(f"not a list kind: {kind}")
    last = db.session.scalar(select(func.coalesce(func.max(PlanItem.rank), 0))
                             .where(PlanItem.household_id == household_id, PlanItem.kind == kind)) or 0
    item = PlanItem(household_id=household_id, kind=kind, rank=last + 1, data=dict(data), removed=False, version=1,
                    updated_by_kind=actor.kind, updated_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    _record(item, 1, "create", actor, None, item.snapshot())
    db.session.flush()
    return item


def _fresh(item_id: int) -> PlanItem:
    """The item as stored now (not as this session last saw it)."""
    return db.session.scalars(select(PlanItem).where(PlanItem.id == item_id)
                              .execution_options(populate_existing=True)).one()


def _last_change(item_id: int) -> PlanChange | None:
    return db.session.scalars(select(PlanChange).where(PlanChange.item_id == item_id)
                              .order_by(PlanChange.version.desc())).first()


def _base(item_id: int, version: int, blank: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """What the item held at `version`; None if unknown. Version 0 is "not written yet": the person started from
    the blank form (`blank`, what it sends untouched: a list's first choice is a value too)."""
    if version == 0:
        return {"data": dict(blank or {}), "removed": False}
    return snapshot_at(item_id, version)


def _other_change(item_id: int, after_version: int) -> PlanChange | None:
    """The latest change of the item's words since `after_version` (moves left out)."""
    return db.session.scalars(select(PlanChange).where(PlanChange.item_id == item_id,
                                                       PlanChange.version > after_version,
                                                       PlanChange.action != "move")
                              .order_by(PlanChange.version.desc())).first()


def _conflict(item_id: int, mine: dict[str, Any], seen_version: int,
              blank: dict[str, Any] | None = None) -> Conflict:
    current = _fresh(item_id)
    base = _base(item_id, seen_version, blank)
    base_data = None if base is None else dict(base.get("data") or {})
    theirs = dict(current.data or {})
    return Conflict(item=current, mine=mine, theirs=theirs, base=base_data, current_version=current.version,
                    by=_last_change(item_id), merge=three_way(base_data, mine, theirs))


def _apply(item_id: int, seen_version: int, data: dict[str, Any], removed: bool, action: str,
           actor: Actor, merge: bool = False, blank: dict[str, Any] | None = None) -> Saved | Conflict:
    """Save `data` over the version the person saw; never a silent overwrite.

    If the item changed since: a move alone is no one's words, the save lands; with `merge` (an edit), the fields
    each side changed are merged (guide/rules/merge.py) and only fields both changed differently are refused;
    otherwise (remove, restore) any change of words is refused. A refusal carries both texts."""
    for _ in range(MOVE_RETRIES):
        current = _fresh(item_id)
        target, to_save, by = seen_version, data, None
        kept: tuple[str, ...] = ()
        if current.version != seen_version:
            base = _base(item_id, seen_version, blank)
            if base is None or base.get("removed", False) != current.removed:  # removed or put back meanwhile
                return _conflict(item_id, data, seen_version, blank)
            if base.get("data") != current.data:  # someone else's words changed since
                if not merge:
                    return _conflict(item_id, data, seen_version, blank)
                outcome = three_way(base.get("data") or {}, data, current.data or {})
                if outcome.conflicts:
                    return _conflict(item_id, data, seen_version, blank)
                to_save, kept, by = outcome.merged, outcome.theirs_only, _other_change(item_id, seen_version)
            target = current.version
        before = current.snapshot()
        if before["data"] == to_save and before["removed"] == removed:
            return Saved(current, changed=False, kept=kept, by=by)
        values = {"data": dict(to_save), "removed": removed, "updated_by_kind": actor.kind,
                  "updated_by_id": actor.id}
        if save_if_current(PlanItem, item_id, target, values):
            saved = _fresh(item_id)
            _record(saved, saved.version, action, actor, before, saved.snapshot())
            db.session.flush()
            return Saved(saved, kept=kept, by=by)
        # changed between the read and the write: look again (a move is fine, new words are merged or refused)
    return _conflict(item_id, data, seen_version, blank)


def save_item(item: PlanItem, seen_version: int, data: dict[str, Any], actor: Actor) -> Saved | Conflict:
    return _apply(item.id, seen_version, data, False, "update", actor, merge=True)


def remove_item(item: PlanItem, seen_version: int, actor: Actor) -> Saved | Conflict:
    """Take an item off the plan; it stays in the history and can be restored."""
    current = _fresh(item.id)
    data = current.data if current.version == seen_version else (snapshot_at(item.id, seen_version) or {}).get(
        "data", current.data)
    return _apply(item.id, seen_version, dict(data or {}), True, "remove", actor)


def restore_version(item: PlanItem, version: int, seen_version: int, actor: Actor) -> Saved | Conflict | None:
    """Bring back what the item held at `version`, as a new version (None if that version does not exist)."""
    old = snapshot_at(item.id, version)
    if old is None:
        return None
    return _apply(item.id, seen_version, dict(old.get("data") or {}), False, "restore", actor)


def put_back(item: PlanItem, actor: Actor) -> Saved:
    """Bring a removed item back on the plan as it is (its words untouched), recorded as a restore."""
    for _ in range(MOVE_RETRIES):
        current = _fresh(item.id)
        if not current.removed:
            return Saved(current, changed=False)  # already back (the other side was quicker)
        before = current.snapshot()
        if save_if_current(PlanItem, item.id, current.version, {"removed": False, "updated_by_kind": actor.kind,
                                                                "updated_by_id": actor.id}):
            saved = _fresh(item.id)
            _record(saved, saved.version, "restore", actor, before, saved.snapshot())
            db.session.flush()
            return Saved(saved)
    raise OrderBusy(item.id)


def save_single(household_id: int, kind: str, seen_version: int, data: dict[str, Any],
                actor: Actor, blank: dict[str, Any] | None = None) -> Saved | Conflict:
    """Save the phases or the wishes; the first save creates them (version 0 = "not written yet"). If the other
    side wrote them first, the two are merged from `blank`: what the blank form sends untouched."""
    if kind not in SINGLE_KINDS:
        raise ValueError(f"not a single kind: {kind}")
    existing = single(household_id, kind)
    if existing is None and seen_version == 0:
        item = PlanItem(household_id=household_id, kind=kind, rank=0, data=dict(data), removed=False, version=1,
                        updated_by_kind=actor.kind, updated_by_id=actor.id)
        db.session.add(item)
        try:
            db.session.flush()
        except IntegrityError:  # the other side created it at the same moment: merge with theirs
            db.session.rollback()  # the first write of the request: nothing else is lost
            existing = single(household_id, kind)
            assert existing is not None
            return _apply(existing.id, 0, data, False, "update", actor, merge=True, blank=blank)
        _record(item, 1, "create", actor, None, item.snapshot())
        db.session.flush()
        return Saved(item)
    if existing is None:
        raise LookupError(kind)
    return _apply(existing.id, seen_version, data, False, "update", actor, merge=True, blank=blank)


def move(item: PlanItem, direction: int, actor: Actor) -> bool:
    """Move a brake (or any listed item) one place up (-1) or down (+1); False if already first or last.

    Orders are renumbered 1..n with conditional UPDATEs on the versions just read; if another move lands in
    between, the transaction is rolled back and the move tried again on the new order.
    """
    for _ in range(MOVE_RETRIES):
        _lock_list(item.household_id, item.kind)
        listed = items(item.household_id, item.kind, fresh=True)
        ids = [i.id for i in listed]
        if item.id not in ids:
            return False
        at = ids.index(item.id)
        to = at + direction
        if to < 0 or to >= len(ids):
            return False
        listed[at], listed[to] = listed[to], listed[at]
        ok = True
        # rows are updated in id order whatever their places, so two moves never lock them in opposite orders
        renumbered = sorted(((row, position) for position, row in enumerate(listed, start=1)
                             if row.rank != position), key=lambda pair: pair[0].id)
        for row, position in renumbered:
            before = row.snapshot()
            result = cast(CursorResult[Any], db.session.execute(
                update(PlanItem).where(PlanItem.id == row.id, PlanItem.version == row.version)
                .values(rank=position, version=PlanItem.version + 1, updated_at=utcnow(),
                        updated_by_kind=actor.kind, updated_by_id=actor.id)
                .execution_options(synchronize_session=False)))
            if result.rowcount != 1:
                ok = False
                break
            _record(row, row.version + 1, "move", actor, before, {**before, "rank": position})
        if ok:
            db.session.flush()
            db.session.expire_all()
            return True
        db.session.rollback()
    raise OrderBusy(item.id)


class OrderBusy(Exception):
    """The order kept changing under a move (the view answers "try again"; nothing was saved)."""


def _lock_list(household_id: int, kind: str) -> None:
    """On PostgreSQL, hold one household's list for the transaction so concurrent moves queue instead of colliding
    (rows locked in id order: two movers never wait on each other crosswise).

    SQLite already runs one writer at a time; there a move stays optimistic (conditional UPDATEs, tried again if
    another move landed in between), so the database's single write lock is never held while Python works.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(PlanItem.id).where(PlanItem.household_id == household_id, PlanItem.kind == kind)
                           .order_by(PlanItem.id).with_for_update())


# --- suggestions and next actions ----------------------------------------------------------------------------

@dataclass
class BrakeSuggestions:
    brake: PlanItem
    suggestions: list[Suggestion] = field(default_factory=list)


def suggestions(household_id: int, lang: str, brakes_considered: int = 3, *, brakes: list[PlanItem] | None = None,
                actions: list[PlanItem] | None = None) -> list[BrakeSuggestions]:
    """Suggested actions for the household's top-ranked brakes (by category), minus those already in the plan.

    `brakes` (not removed, in order) and `actions` (removed ones included) may be passed by a page that has them."""
    if actions is None:
        actions = items(household_id, PlanItemKind.ACTION, include_removed=True)
    if brakes is None:
        brakes = items(household_id, PlanItemKind.BRAKE)
    used = {(a.data or {}).get("suggestion") for a in actions}
    found = []
    for brake in brakes[:brakes_considered]:
        category: str = (brake.data or {}).get("category", "")  # "" has no suggestions, as a missing one
        entry = (words(lang).get("brakes") or {}).get(category) or {}
        offered = [Suggestion(s["key"], category, s["who"], s["what"]) for s in entry.get("suggestions", [])
                   if s["key"] not in used]
        if offered:
            found.append(BrakeSuggestions(brake, offered))
    return found


def accept_suggestion(household_id: int, key: str, actor: Actor) -> PlanItem | None:
    """Add a suggested action to the plan (both sides can then adapt it); None if unknown or already there."""
    found = suggestion(SOURCE_LANGUAGE, key)
    if found is None:
        return None
    actions = items(household_id, PlanItemKind.ACTION, include_removed=True)
    existing = next((a for a in actions if (a.data or {}).get("suggestion") == key), None)
    if existing is not None:
        return existing
    brake = next((b for b in items(household_id, PlanItemKind.BRAKE)
                  if (b.data or {}).get("category") == found.brake), None)
    data = {"what": "", "suggestion": key, "who": found.who, "who_name": "", "when_date": "", "when_week": "",
            "status": "todo", "brake_id": str(brake.id) if brake else ""}
    return add_item(household_id, PlanItemKind.ACTION, data, actor)


def week_monday(week: str | None) -> date | None:
    """"2026-W49" → the Monday of that ISO week (None if empty or malformed)."""
    if not week:
        return None
    try:
        return datetime.strptime(week + "-1", "%G-W%V-%u").date()
    except ValueError:
        return None


def due_on(item: PlanItem) -> date | None:
    """When an action is due: its date, or the Sunday ending its week."""
    data = item.data or {}
    if data.get("when_date"):
        try:
            return date.fromisoformat(data["when_date"])
        except ValueError:
            return None
    monday = week_monday(data.get("when_week"))
    return monday + timedelta(days=6) if monday else None


@dataclass(frozen=True)
class NextPlanAction:
    id: int
    what: str
    who: str
    who_name: str
    on: date | None  # a precise date
    week_of: date | None  # or the Monday of a week


def next_actions(household: Household, limit: int = 3, lang: str | None = None,
                 actions: list[PlanItem] | None = None) -> list[NextPlanAction]:
    """The household's next actions still to do, soonest first (undated last): for "Where I stand" and SMS.
    `actions`: the household's action items (not removed), when the caller has read them already."""
    lang = lang or household.language
    todo = [a for a in (items(household.id, PlanItemKind.ACTION) if actions is None else actions)
            if (a.data or {}).get("status", "todo") == "todo"]
    todo.sort(key=lambda a: (due_on(a) is None, due_on(a) or date.max, a.rank, a.id))
    found = []
    for action in todo[:limit]:
        data = action.data or {}
        on = None
        if data.get("when_date"):
            try:
                on = date.fromisoformat(data["when_date"])
            except ValueError:
                on = None
        found.append(NextPlanAction(action.id, action_text(action, lang), data.get("who", ""),
                                    data.get("who_name", ""), on, None if on else week_monday(data.get("when_week"))))
    return found


# --- appointments the visits page offers to record impressions of ---------------------------------------------

def visit_appointments(household_id: int) -> list[Appointment]:
    """Neighbourhood visits and meetings with relocated tenants planned as appointments, to record impressions."""
    return list(db.session.scalars(select(Appointment).where(Appointment.household_id == household_id,
                                                             Appointment.kind.in_(("neighbourhood_visit",
                                                                                   "tenant_meeting")))
                                   .order_by(Appointment.starts_at)))

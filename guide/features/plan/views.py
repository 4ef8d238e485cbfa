"""What the plan's pages share on both sides (the household's /my/plan and the mediator's
/staff/households/<id>/plan): the side's URLs, the access log, the forms, the page context and the conflict
screen. The pages are guide/features/plan/pages.py, the item edits guide/features/plan/items.py;
guide/features/plan/household.py and staff.py say who is here.

Views parse and authorise; guide/features/plan/service.py saves; the request's unit of work
(guide/core/transaction.py) commits once, and runs the request again when the database was only busy."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from guide.core import audit
from guide.core.extensions import db
from guide.core.i18n import negotiate_language
from guide.features.plan import display, service
from guide.features.plan.forms import FORMS, PlanForm, data_fields, data_to_form_values
from guide.models import PlanChange, PlanItem, StaffUser

LIST_KINDS = ("trip", "attachment", "brake", "action", "visit")
SINGLE = ("phases", "wishes")
PAGE_OF = {"trip": "profile", "attachment": "profile", "brake": "board", "action": "board", "visit": "visits",
           "phases": "profile", "wishes": "profile"}
ANCHOR = {"trip": "trips", "attachment": "attachments", "brake": "brakes", "action": "actions", "visit": "visits",
          "phases": "phases", "wishes": "wishes"}


# --- the side the reader is on ------------------------------------------------------------------------------

def _polling() -> bool:
    return (request.endpoint or "").endswith(".updates")


def _endpoint(name: str) -> str:
    return f"plan.{g.plan_side}.{name}"


def purl(name: str, **values: Any) -> str:
    """A plan URL on the side the reader is on (the staff side adds the household id)."""
    return url_for(_endpoint(name), **values)


def _log(action: str, entity_id: int | None = None, entity: str = "plan_item") -> None:
    """Staff reads and writes go to the access log; household writes too (as elsewhere in the household space)."""
    actor = g.plan_actor
    if actor.kind == "staff" or action != "read":
        audit.record(actor.kind, actor.id, action if actor.kind == "staff" else f"plan_{action}",
                     household_id=g.plan_household.id, entity=entity, entity_id=entity_id)


def _lang() -> str:
    return negotiate_language()


def _item(item_id: int) -> PlanItem:
    found = service.item_of(g.plan_household.id, item_id)
    if found is None:
        abort(404)
    return found


def _form(kind: str, prefix: str, item: PlanItem | None = None, formdata: bool = False,
          data: dict[str, Any] | None = None, version: int | None = None,
          brake_items: list[PlanItem] | None = None) -> PlanForm:
    form_class = FORMS[kind]
    values = data_to_form_values(form_class, data if data is not None else (item.data if item else {}))
    if formdata:
        form = form_class(prefix=prefix)
    else:
        form = form_class(formdata=None, prefix=prefix, data=values)
        form.version.data = str(version if version is not None else (item.version if item else 0))
    if kind == "action" and brake_items is None:
        brake_items = service.items(g.plan_household.id, "brake")
    brakes = [(str(b.id), display.brake_title(b, _lang())) for b in brake_items or []] if kind == "action" else []
    form.set_choices(_lang(), brakes)
    return form


def _context(**extra: Any) -> dict[str, Any]:
    return {"household": g.plan_household, "side": g.plan_side, "purl": purl, "d": display,
            "lang": _lang(), "poll_seconds": current_app.config.get("PLAN_POLL_SECONDS", 10), **extra}


def _back_to(item: PlanItem, **notice: Any) -> str:
    """The page an item is listed on, at its list; `notice` asks that page for a notice (see `_notices`)."""
    return purl(PAGE_OF[item.kind], **notice) + (f"#{ANCHOR[item.kind]}" if not notice else "#plan-notice")


def _notices() -> dict[str, Any]:
    """The notices a redirect asked for (query arguments, so they need no session and survive no reload wrongly):
    an edit merged with someone else's change (`kept`), an item just removed (`removed`, with its undo) or put
    back (`back`). Each is shown only while still true: a removal already undone shows nothing."""
    hid, args = g.plan_household.id, request.args
    found: dict[str, Any] = {}
    kept = service.item_of(hid, args.get("kept", type=int) or 0)
    if kept is not None:
        labels = {f.short_name: str(f.label.text) for f in data_fields(_form(kept.kind, "item", kept))}
        change = service.change_of(kept.id, args.get("by", type=int) or 0)
        found["kept"] = {"labels": [labels[k] for k in args.getlist("f") if k in labels], "by": change,
                         "mine": change is not None and (change.actor_kind, change.actor_id) == (
                             g.plan_actor.kind, g.plan_actor.id),
                         "names": _names([change] if change else [])}
    removed = service.item_of(hid, args.get("removed", type=int) or 0)
    if removed is not None and removed.removed:
        found["removed"] = removed
    back = service.item_of(hid, args.get("back", type=int) or 0)
    if back is not None and not back.removed:
        found["back"] = back
    return found


# --- conflicts and names -------------------------------------------------------------------------------------

def _names(changes: list[PlanChange]) -> dict[int, str]:
    ids = {c.actor_id for c in changes if c.actor_kind == "staff" and c.actor_id}
    if not ids:
        return {}
    return {s.id: s.name for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))}


def _rows(form: PlanForm, conflict: service.Conflict, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for f in data_fields(form):
        if f.type == "HiddenField" or f.short_name not in keys:
            continue
        mine = display.value(f, conflict.mine.get(f.short_name))
        theirs = display.value(f, conflict.theirs.get(f.short_name))
        rows.append({"label": f.label.text, "mine": mine, "theirs": theirs, "differs": mine != theirs})
    return rows


def _hidden(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """A whole version as the edit form's fields, to post it again as it is."""
    return [(f"item-{key}", v) for key, value in data.items() for v in (value if isinstance(value, list) else [value])]


def _conflict_page(conflict: service.Conflict, form: PlanForm, kind: str, action_url: str) -> ResponseReturnValue:
    """Only the fields both changed are asked about; "keep mine" and "keep theirs" save everything else merged
    (what only one person changed is kept either way) and differ only on those fields."""
    merge_form = _form(kind, "item", data=conflict.resolved("mine"), version=conflict.current_version)
    rows = _rows(merge_form, conflict, conflict.merge.conflicts)
    kept = [str(f.label.text) for f in data_fields(merge_form) if f.type != "HiddenField"
            and f.short_name in conflict.merge.theirs_only + conflict.merge.mine_only]
    back = _back_to(conflict.item) if kind not in SINGLE else purl("profile") + f"#{ANCHOR[kind]}"
    return render_template("plan/conflict.html", **_context(
        conflict=conflict, rows=rows, kept=kept, form=merge_form, action=action_url, back=back,
        hidden_mine=_hidden(conflict.resolved("mine")), hidden_theirs=_hidden(conflict.resolved("theirs")),
        removed_meanwhile=conflict.item.removed, names=_names([conflict.by] if conflict.by else []),
        removing=False)), 409

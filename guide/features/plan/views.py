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


def _back_to(item: PlanItem) -> str:
    return purl(PAGE_OF[item.kind]) + f"#{ANCHOR[item.kind]}"


# --- conflicts and names -------------------------------------------------------------------------------------

def _names(changes: list[PlanChange]) -> dict[int, str]:
    ids = {c.actor_id for c in changes if c.actor_kind == "staff" and c.actor_id}
    if not ids:
        return {}
    return {s.id: s.name for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))}


def _rows(form: PlanForm, conflict: service.Conflict) -> list[dict[str, Any]]:
    rows = []
    for f in data_fields(form):
        if f.type == "HiddenField":
            continue
        mine = display.value(f, conflict.mine.get(f.short_name))
        theirs = display.value(f, conflict.theirs.get(f.short_name))
        rows.append({"label": f.label.text, "mine": mine, "theirs": theirs, "differs": mine != theirs})
    return rows


def merged(conflict: service.Conflict) -> dict[str, Any]:
    """A first draft of the merge: each field takes the side that changed it; where both did, the person's own."""
    base = conflict.base or {}
    out = {}
    for key in set(conflict.mine) | set(conflict.theirs):
        mine, theirs = conflict.mine.get(key), conflict.theirs.get(key)
        out[key] = theirs if (mine == base.get(key) and key in base) else mine
    return out


def _conflict_page(conflict: service.Conflict, form: PlanForm, kind: str, action_url: str) -> ResponseReturnValue:
    merge_form = _form(kind, "item", data=merged(conflict), version=conflict.current_version)
    rows = _rows(merge_form, conflict)
    back = _back_to(conflict.item) if kind not in SINGLE else purl("profile") + f"#{ANCHOR[kind]}"
    hidden = [(f"item-{key}", v) for key, value in conflict.mine.items()
              for v in (value if isinstance(value, list) else [value])]
    return render_template("plan/conflict.html", **_context(
        conflict=conflict, rows=rows, form=merge_form, hidden=hidden, action=action_url, back=back,
        names=_names([conflict.by] if conflict.by else []), removing=False)), 409

"""Plan pages for both sides. Views parse and authorise; guide/features/plan/service.py saves; one commit per
request."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from jinja2_fragments.flask import render_block
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from guide.core import audit
from guide.core.auth import (
    current_household,
    current_staff,
    household_sign_in_url,
    not_activity,
    staff_login_url,
)
from guide.core.extensions import db, htmx
from guide.core.forms import filled
from guide.core.i18n import negotiate_language
from guide.core.permissions import READ_PROJECT, SEE_HOUSEHOLD, WORK_ON_PLAN, can
from guide.core.timeutil import local, today
from guide.features.plan import display, service
from guide.features.plan.forms import FORMS, PlanForm, data_fields, data_to_form_values, form_to_data
from guide.features.requests.forms import ConfirmForm
from guide.models import Household, PlanChange, PlanItem, StaffUser

household_bp = Blueprint("household", __name__, url_prefix="/my/plan")
staff_bp = Blueprint("staff", __name__, url_prefix="/staff/households/<int:household_id>/plan")

LIST_KINDS = ("trip", "attachment", "brake", "action", "visit")
SINGLE = ("phases", "wishes")
PAGE_OF = {"trip": "profile", "attachment": "profile", "brake": "board", "action": "board", "visit": "visits",
           "phases": "profile", "wishes": "profile"}
ANCHOR = {"trip": "trips", "attachment": "attachments", "brake": "brakes", "action": "actions", "visit": "visits",
          "phases": "phases", "wishes": "wishes"}


# --- who is here ---------------------------------------------------------------------------------------------

def _polling() -> bool:
    return (request.endpoint or "").endswith(".updates")


@household_bp.before_request
def _household_side() -> ResponseReturnValue | None:
    household = current_household()
    if household is None and _polling():
        return "", 286  # htmx stops polling; the page and what is typed in it stay as they are
    if household is None:
        return redirect(household_sign_in_url())
    g.plan_side, g.plan_household = "household", household
    g.plan_actor = service.Actor("household", household.id)
    return None


@staff_bp.url_value_preprocessor
def _pull_household(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.plan_household_id = (values or {}).pop("household_id", None)


@staff_bp.url_defaults
def _add_household(_endpoint: str, values: dict[str, Any]) -> None:
    if "household_id" not in values and g.get("plan_household_id") is not None:
        values["household_id"] = g.plan_household_id


@staff_bp.before_request
def _staff_side() -> ResponseReturnValue | None:
    staff = current_staff()
    if staff is None and _polling():
        return "", 286
    if staff is None:
        return redirect(staff_login_url())
    household = db.session.get(Household, g.plan_household_id)
    if household is None or not can(staff, SEE_HOUSEHOLD, household):
        abort(404)  # existence is not revealed
    g.plan_side, g.plan_household = "staff", household
    g.plan_actor = service.Actor("staff", staff.id)
    if not can(staff, WORK_ON_PLAN, household):
        # the plan is built by the household and its mediator; the officer reads the finished project, and only
        # once the household has agreed (phase 4)
        if request.endpoint != "plan.staff.project" or not can(staff, READ_PROJECT, household):
            abort(404)
        if service.sharing_consent(household.id) is None:
            abort(403)
    return None


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


# --- pages ---------------------------------------------------------------------------------------------------

def _board_context(**forms: Any) -> dict[str, Any]:
    hid = g.plan_household.id
    # each list read once per page (the suggestions and the action form's brake choices reuse them)
    brakes = service.items(hid, "brake")
    every_action = service.items(hid, "action", include_removed=True)
    return _context(
        brakes=brakes, actions=[a for a in every_action if not a.removed],
        suggestions=service.suggestions(hid, _lang(), brakes=brakes, actions=every_action),
        phases=service.single(hid, "phases"), rev=service.revision(hid),
        brake_form=forms.get("brake") or _form("brake", "new-brake"),
        action_form=forms.get("action") or _form("action", "new-action", brake_items=brakes),
    )


def board() -> ResponseReturnValue:
    """The plan: ranked brakes, suggestions, and the actions (Quoi ? Qui ? Quand ?)."""
    _log("read", g.plan_household.id, "plan")
    db.session.commit()
    return render_template("plan/board.html", **_board_context())


def _profile_context(**forms: Any) -> dict[str, Any]:
    hid = g.plan_household.id
    return _context(
        trips=service.items(hid, "trip"), attachments=service.items(hid, "attachment"),
        wishes=service.single(hid, "wishes"), phases=service.single(hid, "phases"), rev=service.revision(hid),
        wishes_fields=data_fields(_form("wishes", "wishes")),
        trip_form=forms.get("trip") or _form("trip", "new-trip"),
        attachment_form=forms.get("attachment") or _form("attachment", "new-attachment"),
    )


def profile() -> ResponseReturnValue:
    """The mobility profile: phases, daily trips, attachments, wishes."""
    _log("read", g.plan_household.id, "plan")
    db.session.commit()
    return render_template("plan/profile.html", **_profile_context())


def _visits_context(**forms: Any) -> dict[str, Any]:
    hid = g.plan_household.id
    visit_form = forms.get("visit")
    planned = service.visit_appointments(hid)
    chosen = request.args.get("appointment", type=int)
    if visit_form is None:
        visit_form = _form("visit", "new-visit")
        appointment = next((a for a in planned if a.id == chosen), None)
        if appointment is not None:  # impressions after a planned visit: its place and date are already known
            visit_form.place.data = appointment.place
            visit_form.on.data = local(appointment.starts_at).date()
    return _context(visits=service.items(hid, "visit"), rev=service.revision(hid), planned=planned,
                    visit_form=visit_form, open_visit=chosen is not None)


def visits() -> ResponseReturnValue:
    """Visits of neighbourhoods and meetings with relocated tenants, with impressions side by side."""
    _log("read", g.plan_household.id, "plan")
    db.session.commit()
    return render_template("plan/visits.html", **_visits_context())


def add(kind: str) -> ResponseReturnValue:
    if kind not in LIST_KINDS:
        abort(404)
    form = _form(kind, f"new-{kind}", formdata=True)
    if not form.validate_on_submit():
        page = PAGE_OF[kind]
        context = {"board": _board_context, "profile": _profile_context, "visits": _visits_context}[page](
            **{kind: form})
        return render_template(f"plan/{page}.html", **context), 422
    item = service.add_item(g.plan_household.id, kind, form_to_data(form), g.plan_actor)
    _log("create", item.id)
    db.session.commit()
    return redirect(purl(PAGE_OF[kind]) + f"#{ANCHOR[kind]}", code=303)


def _back_to(item: PlanItem) -> str:
    return purl(PAGE_OF[item.kind]) + f"#{ANCHOR[item.kind]}"


def _edit_page(item: PlanItem | None, kind: str, form: PlanForm, status: int = 200) -> ResponseReturnValue:
    return render_template("plan/item.html", **_context(item=item, kind=kind, form=form,
                                                        rev=service.revision(g.plan_household.id))), status


def _save_outcome(outcome: service.Saved | service.Conflict, form: PlanForm, kind: str,
                  action_url: str) -> ResponseReturnValue:
    if isinstance(outcome, service.Conflict):
        db.session.commit()  # nothing of theirs or mine was changed; the refusal itself writes nothing
        return _conflict_page(outcome, form, kind, action_url)
    if outcome.changed:
        _log("update", outcome.item.id)
    db.session.commit()
    return redirect(_back_to(outcome.item) if kind not in SINGLE else purl("profile") + f"#{ANCHOR[kind]}",
                    code=303)


def edit_item(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    if item.kind in SINGLE:
        return redirect(purl("edit_single", kind=item.kind))
    if request.method == "POST":
        form = _form(item.kind, "item", formdata=True)
        if form.validate_on_submit():
            outcome = service.save_item(item, int(filled(form.version.data)), form_to_data(form), g.plan_actor)
            return _save_outcome(outcome, form, item.kind, purl("edit_item", item_id=item.id))
        return _edit_page(item, item.kind, form, 422)
    _log("read", item.id)
    db.session.commit()
    return _edit_page(item, item.kind, _form(item.kind, "item", item))


def edit_single(kind: str) -> ResponseReturnValue:
    if kind not in SINGLE:
        abort(404)
    item = service.single(g.plan_household.id, kind)
    if request.method == "POST":
        form = _form(kind, "item", formdata=True)
        if form.validate_on_submit():
            outcome = service.save_single(g.plan_household.id, kind, int(filled(form.version.data)), form_to_data(form),
                                          g.plan_actor)
            return _save_outcome(outcome, form, kind, purl("edit_single", kind=kind))
        return _edit_page(item, kind, form, 422)
    if item is not None:
        _log("read", item.id)
        db.session.commit()
    return _edit_page(item, kind, _form(kind, "item", item))


def remove_item(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    form = ConfirmForm()
    version = request.form.get("version", type=int)
    if not form.validate_on_submit() or version is None or item.kind in SINGLE:
        abort(400)
    outcome = service.remove_item(item, version, g.plan_actor)
    if isinstance(outcome, service.Conflict):
        db.session.commit()
        return render_template("plan/conflict.html", **_context(
            conflict=outcome, rows=_rows(_form(item.kind, "item", item), outcome), removing=True,
            names=_names([outcome.by] if outcome.by else []),
            back=_back_to(item), action=purl("remove_item", item_id=item.id))), 409
    _log("remove", item.id)
    db.session.commit()
    return redirect(_back_to(item), code=303)


def item_history(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    changes = service.history(item.id)
    _log("read", item.id)
    db.session.commit()
    form = _form(item.kind, "item", item)
    return render_template("plan/history.html", **_context(
        item=item, changes=changes, names=_names(changes), fields=data_fields(form),
        back=_back_to(item) if item.kind not in SINGLE else purl("profile") + f"#{ANCHOR[item.kind]}"))


def restore(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    seen = request.form.get("version", type=int)
    to = request.form.get("to", type=int)
    if not ConfirmForm().validate_on_submit() or seen is None or to is None:
        abort(400)
    outcome = service.restore_version(item, to, seen, g.plan_actor)
    if outcome is None:
        abort(404)
    if isinstance(outcome, service.Conflict):
        db.session.commit()
        return redirect(purl("item_history", item_id=item.id, stale=1), code=303)
    _log("restore", item.id)
    db.session.commit()
    return redirect(purl("item_history", item_id=item.id, restored=to), code=303)


def move_item(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if not ConfirmForm().validate_on_submit() or direction is None:
        abort(400)
    try:
        moved = service.move(item, direction, g.plan_actor)
    except service.OrderBusy:  # nothing saved; show the order as it is now
        db.session.rollback()
        moved, item_id = False, 0
        if not htmx:
            return redirect(purl("board", busy=1) + "#brakes", code=303)
    if moved:
        _log("move", item.id)
    db.session.commit()
    if htmx:
        context = _board_context()
        board_html = render_block("plan/board.html", "board", **context, moved=(item_id, direction))
        live_html = render_block("plan/board.html", "live", **context, oob=True)
        return board_html + live_html
    return redirect(purl("board") + "#brakes", code=303)


def accept_suggestion(key: str) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    action = service.accept_suggestion(g.plan_household.id, key, g.plan_actor)
    if action is None:
        abort(404)
    _log("create", action.id)
    db.session.commit()
    return redirect(purl("edit_item", item_id=action.id), code=303)


@not_activity  # polls do not keep an idle session alive
def updates() -> ResponseReturnValue:
    """Polled by htmx: 204 when nothing changed; otherwise a notice, and (on the plan page) the fresh lists.

    It never touches a form: on an edit page the person keeps typing and only sees who changed the item."""
    hid = g.plan_household.id
    rev = request.args.get("rev", default=0, type=int)
    item_id = request.args.get("item", type=int)
    page = request.args.get("page", "")
    if item_id is not None:
        _item(item_id)
    changes = [c for c in service.changes_since(hid, rev, item_id)
               if (c.actor_kind, c.actor_id) != (g.plan_actor.kind, g.plan_actor.id)]
    new_rev = service.revision(hid)
    if not changes and new_rev == rev:
        return "", 204
    _log("read", item_id or hid, "plan_item" if item_id else "plan")
    db.session.commit()
    template = {"board": "plan/board.html", "profile": "plan/profile.html", "visits": "plan/visits.html"}.get(
        page, "plan/item.html")
    context = {"board": _board_context, "profile": _profile_context, "visits": _visits_context}.get(
        page, lambda: _context())()
    context.update(rev=new_rev, news=changes, names=_names(changes), item_id=item_id)
    html = render_block(template, "live", **context)
    if page in ("board", "profile", "visits") and changes:
        html += render_block(template, "board", **context, oob=True)
    return html


def project() -> ResponseReturnValue:
    """Phase 4: the relocation project on one printable page, from profile, wishes, brakes, plan and visits."""
    hid = g.plan_household.id
    _log("read", hid, "plan_project")
    db.session.commit()
    wishes = service.single(hid, "wishes")
    return render_template("plan/project.html", **_context(
        phases=service.single(hid, "phases"), wishes=wishes, wishes_fields=data_fields(_form("wishes", "wishes")),
        trips=service.items(hid, "trip"), attachments=service.items(hid, "attachment"),
        brakes=service.items(hid, "brake"), actions=service.items(hid, "action"), visits=service.items(hid, "visit"),
        consent=service.sharing_consent(hid), officer=g.plan_household.officer))


def share(choice: str) -> ResponseReturnValue:
    """Record (or withdraw) the household's consent to share its project with its relocation officer."""
    if not ConfirmForm().validate_on_submit() or choice not in ("yes", "no"):
        abort(400)
    hid = g.plan_household.id
    if choice == "yes":
        consent = service.record_sharing(hid, g.plan_actor, today())
        _log("consent", consent.id, "consent")
    elif service.withdraw_sharing(hid, today()):
        _log("consent_withdrawn", hid, "consent")
    db.session.commit()
    return redirect(purl("project") + "#sharing", code=303)


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


# --- routes on both blueprints -------------------------------------------------------------------------------

WRITE_RETRIES = 4


def _transient(error: OperationalError) -> bool:
    """SQLite's write lock still busy after its timeout, or a PostgreSQL deadlock or serialization failure."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return "database is locked" in str(error.orig) or code in ("40P01", "40001")


def _retrying(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run the whole request again when the database was only busy: nothing was committed, and every save is
    conditional on the version the person saw, so a second try can neither duplicate nor overwrite anything."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(WRITE_RETRIES):
            try:
                return view(*args, **kwargs)
            except OperationalError as error:
                db.session.rollback()
                if not _transient(error) or attempt == WRITE_RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    return wrapped


for _bp in (household_bp, staff_bp):
    _bp.add_url_rule("", "board", _retrying(board), methods=["GET"])
    _bp.add_url_rule("/profile", "profile", _retrying(profile), methods=["GET"])
    _bp.add_url_rule("/visits", "visits", _retrying(visits), methods=["GET"])
    _bp.add_url_rule("/add/<kind>", "add", _retrying(add), methods=["POST"])
    _bp.add_url_rule("/edit/<kind>", "edit_single", _retrying(edit_single), methods=["GET", "POST"])
    _bp.add_url_rule("/items/<int:item_id>", "edit_item", _retrying(edit_item), methods=["GET", "POST"])
    _bp.add_url_rule("/items/<int:item_id>/remove", "remove_item", _retrying(remove_item), methods=["POST"])
    _bp.add_url_rule("/items/<int:item_id>/history", "item_history", _retrying(item_history), methods=["GET"])
    _bp.add_url_rule("/items/<int:item_id>/restore", "restore", _retrying(restore), methods=["POST"])
    _bp.add_url_rule("/items/<int:item_id>/move", "move_item", _retrying(move_item), methods=["POST"])
    _bp.add_url_rule("/suggestions/<key>", "accept_suggestion", _retrying(accept_suggestion), methods=["POST"])
    _bp.add_url_rule("/updates", "updates", _retrying(updates), methods=["GET"])
    _bp.add_url_rule("/project", "project", _retrying(project), methods=["GET"])
    _bp.add_url_rule("/project/share/<choice>", "share", _retrying(share), methods=["POST"])


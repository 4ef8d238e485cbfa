"""Editing the plan's items, the same on both sides: add, edit (lists and the single phases and wishes), remove,
history and restore, move up or down, accept a suggestion. A stale save shows the conflict screen."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from jinja2_fragments.flask import render_block

from guide.core.extensions import htmx
from guide.core.forms import ConfirmForm, filled
from guide.features.plan import service
from guide.features.plan.forms import PlanForm, blank_data, data_fields, form_to_data
from guide.features.plan.pages import _board_context, _profile_context, _visits_context
from guide.features.plan.views import (
    ANCHOR,
    LIST_KINDS,
    PAGE_OF,
    SINGLE,
    _back_to,
    _conflict_page,
    _context,
    _form,
    _item,
    _log,
    _names,
    _rows,
    purl,
)
from guide.models import PlanItem


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
    return redirect(purl(PAGE_OF[kind]) + f"#{ANCHOR[kind]}", code=303)


def _edit_page(item: PlanItem | None, kind: str, form: PlanForm, status: int = 200) -> ResponseReturnValue:
    return render_template("plan/item.html", **_context(item=item, kind=kind, form=form,
                                                        rev=service.revision(g.plan_household.id))), status


def _save_outcome(outcome: service.Saved | service.Conflict, form: PlanForm, kind: str,
                  action_url: str) -> ResponseReturnValue:
    if isinstance(outcome, service.Conflict):
        return _conflict_page(outcome, form, kind, action_url)
    if outcome.changed:
        _log("update", outcome.item.id)
    if outcome.kept:  # someone else's change was merged in: the page says so, and whose
        notice = {"kept": outcome.item.id, "by": outcome.by.id if outcome.by else None, "f": list(outcome.kept)}
        return redirect(_back_to(outcome.item, **notice) if kind not in SINGLE
                        else purl("profile", **notice) + "#plan-notice", code=303)
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
    return _edit_page(item, item.kind, _form(item.kind, "item", item))


def edit_single(kind: str) -> ResponseReturnValue:
    if kind not in SINGLE:
        abort(404)
    item = service.single(g.plan_household.id, kind)
    if request.method == "POST":
        form = _form(kind, "item", formdata=True)
        if form.validate_on_submit():
            outcome = service.save_single(g.plan_household.id, kind, int(filled(form.version.data)), form_to_data(form),
                                          g.plan_actor, blank=blank_data(_form(kind, "item")))
            return _save_outcome(outcome, form, kind, purl("edit_single", kind=kind))
        return _edit_page(item, kind, form, 422)
    if item is not None:
        _log("read", item.id)
    return _edit_page(item, kind, _form(kind, "item", item))


def remove_item(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    form = ConfirmForm()
    version = request.form.get("version", type=int)
    if not form.validate_on_submit() or version is None or item.kind in SINGLE:
        abort(400)
    outcome = service.remove_item(item, version, g.plan_actor)
    if isinstance(outcome, service.Conflict):
        return render_template("plan/conflict.html", **_context(
            conflict=outcome, rows=_rows(_form(item.kind, "item", item), outcome, outcome.merge.theirs_only),
            removing=True, kept=[],
            names=_names([outcome.by] if outcome.by else []),
            back=_back_to(item), action=purl("remove_item", item_id=item.id))), 409
    _log("remove", item.id)
    return redirect(_back_to(item, removed=item.id), code=303)


def put_back(item_id: int) -> ResponseReturnValue:
    """Undo a removal (from the notice, the removed list or the item's page): the item is back as it was."""
    item = _item(item_id)
    if not ConfirmForm().validate_on_submit() or item.kind in SINGLE:
        abort(400)
    try:
        outcome = service.put_back(item, g.plan_actor)
    except service.OrderBusy:  # it kept changing under us: nothing saved; the page says try again
        return redirect(purl(PAGE_OF[item.kind], busy=1), code=303)
    if outcome.changed:
        _log("restore", item.id)
    return redirect(_back_to(item, back=item.id), code=303)


def item_history(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    changes = service.history(item.id)
    _log("read", item.id)
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
        return redirect(purl("item_history", item_id=item.id, stale=1), code=303)
    _log("restore", item.id)
    return redirect(purl("item_history", item_id=item.id, restored=to), code=303)


def move_item(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if not ConfirmForm().validate_on_submit() or direction is None:
        abort(400)
    try:
        moved = service.move(item, direction, g.plan_actor)
    except service.OrderBusy:  # nothing saved (the service rolled its tries back); show the order as it is now
        moved, item_id = False, 0
        if not htmx:
            return redirect(purl("board", busy=1) + "#brakes", code=303)
    if moved:
        _log("move", item.id)
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
    return redirect(purl("edit_item", item_id=action.id), code=303)

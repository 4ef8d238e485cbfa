"""The plan's pages, the same on both sides: the plan of actions (board), the mobility profile, the visits, the
relocation project (phase 4) and its sharing consent, and the live updates htmx polls for."""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from jinja2_fragments.flask import render_block

from guide.core.auth import not_activity
from guide.core.forms import ConfirmForm
from guide.core.timeutil import local, today
from guide.features.plan import service, sharing
from guide.features.plan.forms import data_fields
from guide.features.plan.views import (
    _context,
    _form,
    _item,
    _lang,
    _log,
    _names,
    _notices,
    purl,
)


def _board_context(**forms: Any) -> dict[str, Any]:
    hid = g.plan_household.id
    # every item read in one statement, each list taken from it (the suggestions and the action form's brake
    # choices reuse them)
    everything = service.items(hid, include_removed=True)
    every_brake = [i for i in everything if i.kind == "brake"]
    every_action = [i for i in everything if i.kind == "action"]
    brakes = [b for b in every_brake if not b.removed]
    return _context(
        brakes=brakes, actions=[a for a in every_action if not a.removed],
        removed_actions=[a for a in every_action if a.removed], removed_brakes=[b for b in every_brake if b.removed],
        suggestions=service.suggestions(hid, _lang(), brakes=brakes, actions=every_action),
        phases=next((i for i in everything if i.kind == "phases"), None), rev=service.revision(hid),
        brake_form=forms.get("brake") or _form("brake", "new-brake"),
        action_form=forms.get("action") or _form("action", "new-action", brake_items=brakes),
    )


def board() -> ResponseReturnValue:
    """The plan: ranked brakes, suggestions, and the actions (Quoi ? Qui ? Quand ?)."""
    _log("read", g.plan_household.id, "plan")
    return render_template("plan/board.html", **_board_context(), notices=_notices())


def _profile_context(**forms: Any) -> dict[str, Any]:
    hid = g.plan_household.id
    everything = service.items(hid, include_removed=True)  # one statement for the page's four lists

    def shown(kind: str) -> list[Any]:
        return [item for item in everything if item.kind == kind and not item.removed]

    def single(kind: str) -> Any:  # phases and wishes: one row each (removed or not, as service.single)
        return next((item for item in everything if item.kind == kind), None)

    def removed(kind: str) -> list[Any]:  # listed under the page with their way back
        return [item for item in everything if item.kind == kind and item.removed]

    return _context(
        trips=shown("trip"), attachments=shown("attachment"),
        removed_trips=removed("trip"), removed_attachments=removed("attachment"),
        wishes=single("wishes"), phases=single("phases"), rev=service.revision(hid),
        wishes_fields=data_fields(_form("wishes", "wishes")),
        trip_form=forms.get("trip") or _form("trip", "new-trip"),
        attachment_form=forms.get("attachment") or _form("attachment", "new-attachment"),
    )


def profile() -> ResponseReturnValue:
    """The mobility profile: phases, daily trips, attachments, wishes."""
    _log("read", g.plan_household.id, "plan")
    return render_template("plan/profile.html", **_profile_context(), notices=_notices())


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
    every_visit = service.items(hid, "visit", include_removed=True)
    return _context(visits=[v for v in every_visit if not v.removed],
                    removed_visits=[v for v in every_visit if v.removed], rev=service.revision(hid), planned=planned,
                    visit_form=visit_form, open_visit=chosen is not None)


def visits() -> ResponseReturnValue:
    """Visits of neighbourhoods and meetings with relocated tenants, with impressions side by side."""
    _log("read", g.plan_household.id, "plan")
    return render_template("plan/visits.html", **_visits_context(), notices=_notices())


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
    everything = service.items(hid, include_removed=True)  # one statement for the seven lists of the page

    def shown(kind: str) -> list[Any]:
        return [item for item in everything if item.kind == kind and not item.removed]

    def single(kind: str) -> Any:  # phases and wishes: one row each (removed or not, as service.single)
        return next((item for item in everything if item.kind == kind), None)

    return render_template("plan/project.html", **_context(
        phases=single("phases"), wishes=single("wishes"), wishes_fields=data_fields(_form("wishes", "wishes")),
        trips=shown("trip"), attachments=shown("attachment"), brakes=shown("brake"), actions=shown("action"),
        visits=shown("visit"), consent=sharing.sharing_consent(hid), officer=g.plan_household.officer))


def share(choice: str) -> ResponseReturnValue:
    """Record (or withdraw) the household's consent to share its project with its relocation officer."""
    if not ConfirmForm().validate_on_submit() or choice not in ("yes", "no"):
        abort(400)
    hid = g.plan_household.id
    if choice == "yes":
        consent = sharing.record_sharing(hid, g.plan_actor, today())
        _log("consent", consent.id, "consent")
    elif sharing.withdraw_sharing(hid, today()):
        _log("consent_withdrawn", hid, "consent")
    return redirect(purl("project") + "#sharing", code=303)

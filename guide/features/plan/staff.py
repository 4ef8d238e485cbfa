"""The plan on the staff side (/staff/households/<id>/plan): the household's mediator co-edits it; its relocation
officer reads the finished project, once the household has agreed to share it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, request
from flask.typing import ResponseReturnValue

from guide.core.auth import current_staff, staff_login_url
from guide.core.extensions import db
from guide.core.permissions import READ_PROJECT, SEE_HOUSEHOLD, WORK_ON_PLAN, can
from guide.features.plan import service, sharing
from guide.features.plan.routes import add_routes
from guide.features.plan.views import _polling
from guide.models import Household

bp = Blueprint("staff", __name__, url_prefix="/staff/households/<int:household_id>/plan")


@bp.url_value_preprocessor
def _pull_household(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.plan_household_id = (values or {}).pop("household_id", None)


@bp.url_defaults
def _add_household(_endpoint: str, values: dict[str, Any]) -> None:
    if "household_id" not in values and g.get("plan_household_id") is not None:
        values["household_id"] = g.plan_household_id


@bp.before_request
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
        if sharing.sharing_consent(household.id) is None:
            abort(403)
    return None


add_routes(bp)

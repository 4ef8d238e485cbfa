"""The plan on the household's side (/my/plan): the signed-in household edits its own plan."""

from __future__ import annotations

from flask import Blueprint, g, redirect
from flask.typing import ResponseReturnValue

from guide.core.auth import current_household, household_sign_in_url
from guide.features.plan import service
from guide.features.plan.routes import add_routes
from guide.features.plan.views import _polling

bp = Blueprint("household", __name__, url_prefix="/my/plan")


@bp.before_request
def _household_side() -> ResponseReturnValue | None:
    household = current_household()
    if household is None and _polling():
        return "", 286  # htmx stops polling; the page and what is typed in it stay as they are
    if household is None:
        return redirect(household_sign_in_url())
    g.plan_side, g.plan_household = "household", household
    g.plan_actor = service.Actor("household", household.id)
    return None


add_routes(bp)

"""The budget simulator: the charter's money figures (§7.1) for the current flat and a proposed one.

GET only, so a result can be bookmarked; nothing is stored and no sign-in is needed. The figures stay in the
page address (the app sends no Referer, so they do not leak to other sites). The rules live in
`guide.rules.budget`; this module reads the figures people type, French style, and says the results in words.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from guide.features.simulator.service import ALL_FIELDS, GROUPS, field_views, money, percent, read_form, result
from guide.rules.budget import (
    RESTE_A_VIVRE_ALERT,
    TAUX_EFFORT_ALERT,
)

bp = Blueprint("public", __name__)


@bp.get("/simulator")
def simulator() -> ResponseReturnValue:
    form = read_form(request.args)
    outcome = result(form) if form.submitted and not form.errors else None
    fields = field_views(form)
    return render_template(
        "public/simulator.html", form=form, result=outcome,
        groups={group: [fields[f.name] for f in ALL_FIELDS if f.group == group] for group in GROUPS},
        errors=[fields[f.name] for f in ALL_FIELDS if f.name in form.errors],
        thresholds={"rate": percent(TAUX_EFFORT_ALERT), "amount": money(RESTE_A_VIVRE_ALERT)})

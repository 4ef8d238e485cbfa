"""The staff back office: sign-in, caseload with alerts, a household's file and what is recorded in it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from guide.core import audit
from guide.core.auth import current_staff, staff_required
from guide.core.timeutil import today
from guide.features.caseload.service import caseload, officer_load

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/", endpoint="caseload")
@staff_required()
def caseload_page() -> ResponseReturnValue:
    staff = current_staff()
    assert staff is not None  # staff_required
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = caseload(staff, today(), page=page)
    audit.record("staff", staff.id, "read_caseload", page=page)
    shown = render_template("staff/caseload.html", rows=rows, total=total, page=page, load=officer_load(staff))
    return shown

"""The staff back office: sign-in, caseload with alerts, a household's file and what is recorded in it."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from flask.typing import ResponseReturnValue

from guide.core.auth import staff_may
from guide.core.permissions import IMPORT_HOUSEHOLDS
from guide.features.csv_import.forms import ImportForm
from guide.features.csv_import.service import KNOWN, import_households

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/import", methods=["GET", "POST"])
@staff_may(IMPORT_HOUSEHOLDS)
def import_csv() -> ResponseReturnValue:
    """Households from a spreadsheet export: a per-row error report, and nothing saved unless every row is right."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        # nothing is saved unless every row is right (the service writes only then)
        result = import_households(form.file.data.read(), g.staff, current_app.config["DEFAULT_REGION"])
    status = 422 if form.errors or (result and result.errors) else 200
    return render_template("staff/import.html", form=form, result=result, columns=KNOWN), status

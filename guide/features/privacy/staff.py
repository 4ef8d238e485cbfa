"""Data protection in the back office: a household's data (officer in charge, admins), its erasure (admins,
typed reference to confirm) and the access log viewer for the data protection officer (admins)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from guide.core import audit
from guide.core.auth import staff_may, staff_required
from guide.core.extensions import db
from guide.core.forms import add_error, filled
from guide.core.permissions import ERASE_HOUSEHOLD, EXPORT_HOUSEHOLD_DATA, SEE_ACCESS_LOG, SEE_HOUSEHOLD, can
from guide.features.privacy.household import data_labels
from guide.features.privacy.service import collect_household, erase_household, export_household
from guide.models import AuditEntry, Household, Proposal, StaffUser, WrittenRequest

bp = Blueprint("staff", __name__, url_prefix="/staff")


LOG_PAGE = 200


class EraseForm(FlaskForm):
    reference = StringField(_l("Tapez la référence du ménage pour confirmer"),
                            validators=[DataRequired(message=_l("Tapez la référence du ménage.")),
                                        Length(max=40, message=_l("40 signes au plus."))])


def _household_for_export(household_id: int) -> Household:
    """Admins, and the officer in charge of the household; 404 for anyone who cannot open the file."""
    household = db.session.get(Household, household_id)
    staff = g.staff
    if household is None or not can(staff, SEE_HOUSEHOLD, household):
        abort(404)
    if not can(staff, EXPORT_HOUSEHOLD_DATA, household):
        abort(403)
    return household


@bp.get("/households/<int:household_id>/data")
@staff_required()
def household_data(household_id: int) -> ResponseReturnValue:
    household = _household_for_export(household_id)
    data = collect_household(household)
    audit.record("staff", g.staff.id, "read_data", household_id=household.id, entity="household",
                 entity_id=household.id)
    page = render_template("staff/privacy_data.html", household=household, data=data, **data_labels())
    return page


@bp.get("/households/<int:household_id>/data.json")
@staff_required()
def household_data_json(household_id: int) -> ResponseReturnValue:
    household = _household_for_export(household_id)
    body = json.dumps(export_household(household), ensure_ascii=False, indent=2)
    audit.record("staff", g.staff.id, "export", household_id=household.id, entity="household",
                 entity_id=household.id)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="menage-{household.id}.json"', "Cache-Control": "no-store"})


@bp.route("/households/<int:household_id>/erase", methods=["GET", "POST"])
@staff_may(ERASE_HOUSEHOLD)
def erase(household_id: int) -> ResponseReturnValue:
    household = db.session.get(Household, household_id)
    if household is None or not can(g.staff, ERASE_HOUSEHOLD, household):
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        if filled(form.reference.data).strip() != household.reference:
            add_error(form.reference, _("Ce n'est pas la référence de ce ménage. Rien n'a été effacé."))
        else:
            reference = household.reference
            erase_household(household, "staff", g.staff.id, reason="request")
            return redirect(url_for("privacy.staff.access_log", reference=reference, erased=1), code=303)
    counts = {
        "proposals": db.session.scalar(select(func.count()).select_from(Proposal)
                                       .where(Proposal.household_id == household.id)),
        "requests": db.session.scalar(select(func.count()).select_from(WrittenRequest)
                                      .where(WrittenRequest.household_id == household.id)),
    }
    status = 422 if form.errors else 200
    return render_template("staff/privacy_erase.html", household=household, form=form, counts=counts), status


@bp.get("/access-log")
@staff_may(SEE_ACCESS_LOG)
def access_log() -> ResponseReturnValue:
    reference = request.args.get("reference", "").strip()[:40]
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(LOG_PAGE)
    household = None
    if reference:
        query = query.where(AuditEntry.household_key == audit.household_pseudonym(reference))
        household = db.session.scalars(select(Household).where(Household.reference == reference)).first()
    entries = db.session.scalars(query).all()
    names = dict(db.session.execute(select(StaffUser.id, StaffUser.name)).all())
    audit.record("staff", g.staff.id, "read_access_log", household_id=household.id if household else None,
                 searched=bool(reference), shown=len(entries))
    page = render_template("staff/access_log.html", entries=entries, names=names, reference=reference,
                           household=household, erased=request.args.get("erased"), limit=LOG_PAGE)
    return page

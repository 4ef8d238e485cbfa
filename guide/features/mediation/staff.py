"""The mediation group's inbox: cases from written requests and second refusals, with statuses and delays."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from guide.core import audit
from guide.core.auth import staff_required
from guide.core.extensions import db
from guide.core.forms import add_error, filled
from guide.core.labels import MOTIVE_LABELS
from guide.core.permissions import SEE_MEDIATION, can, household_condition
from guide.core.timeutil import local, today
from guide.features.mediation import service
from guide.features.mediation.forms import MediationUpdateForm
from guide.features.requests.letters import letter_html, letter_pdf_response
from guide.models import (
    Household,
    MediationCase,
    MediationStatus,
    WrittenRequest,
)
from guide.rules import mediation as rules

bp = Blueprint("staff", __name__, url_prefix="/staff")



def _local_date(moment: datetime) -> date:
    return local(moment).date()


@bp.get("/mediation")
@staff_required()
def mediation_inbox() -> ResponseReturnValue:
    staff = g.staff
    query = (select(MediationCase).join(Household).where(household_condition(staff, SEE_MEDIATION))
             .options(contains_eager(MediationCase.household))  # the rows name the household: no query per row
             .order_by(MediationCase.opened_at))
    if request.args.get("all") != "1":
        query = query.where(MediationCase.status != MediationStatus.CLOSED)
    cases = db.session.scalars(query.limit(500)).all()
    now = today()
    rows = [{"case": c, "days": (now - _local_date(c.opened_at)).days,
             "overdue": rules.overdue(c.status, _local_date(c.opened_at), now)} for c in cases]
    audit.record("staff", staff.id, "read_mediation_inbox")
    return render_template("staff/mediation_inbox.html", rows=rows)


def _case(case_id: int) -> MediationCase:
    case = db.session.get(MediationCase, case_id)
    if case is None or not can(g.staff, SEE_MEDIATION, case.household):
        abort(404)
    return case


@bp.route("/mediation/<int:case_id>", methods=["GET", "POST"])
@staff_required()
def mediation_case(case_id: int) -> ResponseReturnValue:
    case = _case(case_id)
    form = MediationUpdateForm(prefix="case")
    if request.method == "GET":
        form = MediationUpdateForm(formdata=None, prefix="case", obj=case)
        audit.record("staff", g.staff.id, "read", household_id=case.household_id, entity="mediation_case",
                     entity_id=case.id)
    elif form.validate_on_submit():
        target = form.status.data
        if target != case.status and not rules.can_move(case.status, target):
            add_error(form.status, _("Ce changement de statut n'est pas possible."))
        elif target == MediationStatus.MEETING_PLANNED and form.meeting_at.data is None:
            add_error(form.meeting_at, _("Donnez la date de la réunion."))
        elif target == MediationStatus.CONCLUDED and not (form.outcome.data or "").strip():
            add_error(form.outcome, _("Écrivez le résultat de la médiation."))
        elif service.update_case(g.staff, case, int(filled(form.version.data)), target, form.outcome.data or "",
                                 form.letter_text.data or "", form.meeting_at.data, form.meeting_place.data or ""):
            return redirect(url_for("mediation.staff.mediation_case", case_id=case.id), code=303)
        else:
            add_error(form.version, _("Quelqu'un a modifié ce dossier entre-temps. Rechargez la page."))
    requests = db.session.scalars(select(WrittenRequest).where(WrittenRequest.household_id == case.household_id)
                                  .order_by(WrittenRequest.id)).all()
    status = 422 if form.errors else 200
    return render_template("staff/mediation_case.html", case=case, form=form, requests=requests,
                           motive_labels=MOTIVE_LABELS, overdue=rules.overdue(case.status,
                                                                              _local_date(case.opened_at),
                                                                              today())), status


def _request_for_staff(reference: str) -> WrittenRequest:
    sent = db.session.scalars(select(WrittenRequest).where(WrittenRequest.reference == reference)).first()
    if sent is None:
        abort(404)
    household = db.session.get(Household, sent.household_id)
    # the officer and mediator in charge see every request of their households; the mediation group those of
    # households in mediation (a mediation request always opens or joins a case): guide/core/permissions.py
    if household is None or not can(g.staff, SEE_MEDIATION, household):
        abort(404)
    audit.record("staff", g.staff.id, "read", household_id=household.id, entity="written_request",
                 entity_id=sent.id)
    return sent


@bp.get("/requests/<reference>/letter")
@staff_required()
def request_letter(reference: str) -> ResponseReturnValue:
    sent = _request_for_staff(reference)
    return letter_html(sent, db.session.get_one(Household, sent.household_id))


@bp.get("/requests/<reference>/letter.pdf")
@staff_required()
def request_letter_pdf(reference: str) -> ResponseReturnValue:
    sent = _request_for_staff(reference)
    return letter_pdf_response(sent, db.session.get_one(Household, sent.household_id))

"""The mediation group's inbox: cases from written requests and second refusals, with statuses and delays; the
requests' letters and the photos households attached, for the staff who may see the household's mediation."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import Field

from guide.core import audit
from guide.core.auth import staff_required
from guide.core.extensions import db
from guide.core.forms import add_error, filled
from guide.core.labels import MOTIVE_LABELS
from guide.core.permissions import SEE_HOUSEHOLD, SEE_MEDIATION, can, household_condition
from guide.core.timeutil import local, today
from guide.features.mediation import service
from guide.features.mediation.forms import MediationUpdateForm
from guide.features.mediation.photos import thumbnail
from guide.features.requests.letters import letter_pdf_response, staff_letter_html, stored_letter_pdf
from guide.models import (
    Household,
    MediationCase,
    MediationStatus,
    RequestPhoto,
    WrittenRequest,
)
from guide.rules import mediation as rules

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Photos are seen once: never kept by a browser or a proxy, never read as anything but an image.
PHOTO_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
# A request's photos with what a thumbnail needs (not their bytes), in one more statement for all the requests.
PHOTO_FACTS = selectinload(WrittenRequest.photos).load_only(RequestPhoto.id, RequestPhoto.request_id,
                                                            RequestPhoto.width, RequestPhoto.height)


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


def _refused(case: MediationCase, form: MediationUpdateForm) -> tuple[Field, str] | None:
    """Why this change may not be saved (the field to mark and the message), or None."""
    target = form.status.data
    if target != case.status and not rules.can_move(case.status, target):
        return form.status, _("Ce changement de statut n'est pas possible.")
    if target == MediationStatus.MEETING_PLANNED and form.meeting_at.data is None and case.status != target:
        return form.meeting_at, _("Donnez la date de la réunion.")
    if target != MediationStatus.MEETING_PLANNED and form.meeting_at.data is not None:
        # the status stays as chosen: a date alone does not move the case (nor is it dropped without a word)
        return form.meeting_at, _("Pour planifier la réunion, choisissez aussi le statut « Réunion prévue ».")
    if target == MediationStatus.CONCLUDED and not (form.outcome.data or "").strip():
        return form.outcome, _("Écrivez le résultat de la médiation.")
    return None


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
        problem = _refused(case, form)
        if problem is not None:
            add_error(*problem)
        elif service.update_case(g.staff, case, int(filled(form.version.data)), target, form.outcome.data or "",
                                 form.letter_text.data or "", form.meeting_at.data, form.meeting_place.data or ""):
            return redirect(url_for("mediation.staff.mediation_case", case_id=case.id), code=303)
        else:
            add_error(form.version, _("Quelqu'un a modifié ce dossier entre-temps. Rechargez la page."))
    requests = db.session.scalars(select(WrittenRequest).where(WrittenRequest.household_id == case.household_id)
                                  .options(PHOTO_FACTS, selectinload(WrittenRequest.additions))
                                  .order_by(WrittenRequest.id)).all()
    status = 422 if form.errors else 200
    overdue = rules.overdue(case.status, _local_date(case.opened_at), today())
    return render_template("staff/mediation_case.html", case=case, meeting=case.appointment, form=form,
                           requests=requests, motive_labels=MOTIVE_LABELS, overdue=overdue), status


def _visible_request(reference: str) -> tuple[WrittenRequest, Household]:
    """The request and its household, or 404 when this person may not see the household's mediation."""
    sent = db.session.scalars(select(WrittenRequest).where(WrittenRequest.reference == reference)).first()
    if sent is None:
        abort(404)
    household = db.session.get(Household, sent.household_id)
    # the officer and mediator in charge see every request of their households; the mediation group those of
    # households in mediation (a mediation request always opens or joins a case): guide/core/permissions.py
    if household is None or not can(g.staff, SEE_MEDIATION, household):
        abort(404)
    return sent, household


def _request_for_staff(reference: str) -> tuple[WrittenRequest, Household]:
    sent, household = _visible_request(reference)
    audit.record("staff", g.staff.id, "read", household_id=household.id, entity="written_request",
                 entity_id=sent.id)
    return sent, household


def staff_photo_url(sent: WrittenRequest, photo: RequestPhoto) -> str:
    return url_for("mediation.staff.request_photo", reference=sent.reference, photo_id=photo.id)


def _way_back(household: Household) -> tuple[str, str]:
    """Where the letter page leads back to: the household's mediation case, else its file, else the inbox."""
    case_id = db.session.scalar(select(MediationCase.id).where(MediationCase.household_id == household.id)
                                .order_by(MediationCase.opened_at.desc()).limit(1))
    if case_id is not None:
        return url_for("mediation.staff.mediation_case", case_id=case_id), _("Retour au dossier de médiation")
    if can(g.staff, SEE_HOUSEHOLD, household):
        return (url_for("household_file.staff.household", household_id=household.id, _anchor="requests"),
                _("Retour au dossier du ménage"))
    return url_for("mediation.staff.mediation_inbox"), _("Médiations")


@bp.get("/requests/<reference>/letter")
@staff_required()
def request_letter(reference: str) -> ResponseReturnValue:
    sent, household = _request_for_staff(reference)
    # the link to the PDF says its size: the stored PDF's (made here on the letter's first view)
    pdf_size = len(stored_letter_pdf(sent, household).pdf)
    back_url, back_label = _way_back(household)
    return staff_letter_html(sent, household, staff_photo_url,
                             url_for("mediation.staff.request_letter_pdf", reference=sent.reference), pdf_size,
                             back_url, back_label)


@bp.get("/requests/<reference>/letter.pdf")
@staff_required()
def request_letter_pdf(reference: str) -> ResponseReturnValue:
    sent, household = _request_for_staff(reference)
    return letter_pdf_response(sent, household)
@bp.get("/requests/<reference>/photos/<int:photo_id>")
@staff_required()
def request_photo(reference: str, photo_id: int) -> ResponseReturnValue:
    """A photo attached to a request (`?size=thumbnail`: a small copy for lists); each view is in the access log."""
    sent, household = _visible_request(reference)
    photo = db.session.get(RequestPhoto, photo_id)
    if photo is None or photo.request_id != sent.id:
        abort(404)
    small = request.args.get("size") == "thumbnail"
    data = thumbnail(photo.data, photo.content_type) if small else photo.data
    audit.record("staff", g.staff.id, "read", household_id=household.id, entity="request_photo", entity_id=photo.id,
                 size="thumbnail" if small else "full")
    return Response(data, mimetype=photo.content_type, headers=PHOTO_HEADERS)

"""Written requests from the household space: answer a proposal, refuse with reasons, ask for mediation.

Nothing is lost: a request is stored (reference, timestamp) before any confirmation is shown, a double tap or a
retried submission returns the same request, and the household's words are kept exactly and shown escaped.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from guide.core.auth import household_required, own_proposal
from guide.core.extensions import db, limiter
from guide.core.forms import filled
from guide.core.labels import MOTIVE_LABELS
from guide.core.timeutil import today
from guide.core.uploads import BUSY_HEADERS, PhotoError, clean_photo, photo_message
from guide.features.requests import service
from guide.features.requests.forms import AdditionForm, AnswerForm, MediationForm
from guide.features.requests.letters import letter_html, letter_pdf_response
from guide.models import MediationCase, RequestPhoto, WrittenRequest
from guide.rules import deadlines, open_days

bp = Blueprint("household", __name__)

MAX_PHOTOS = 3


def _key() -> str:
    return uuid.uuid4().hex


def _own_request(reference: str) -> WrittenRequest:
    found = db.session.scalars(select(WrittenRequest).where(WrittenRequest.reference == reference)).first()
    if found is None or found.household_id != g.household.id:
        abort(404)
    return found


@bp.route("/my/proposals/<int:proposal_id>/answer", methods=["GET", "POST"])
@household_required
@limiter.limit("30 per hour", methods=["POST"])
def answer(proposal_id: int) -> ResponseReturnValue:
    proposal = own_proposal(proposal_id)
    answer_by = deadlines.decision_deadline(proposal.visit_on) if proposal.visit_on else None
    if not service.answerable(proposal):
        sent = db.session.scalars(select(WrittenRequest).where(WrittenRequest.proposal_id == proposal.id)
                                  .order_by(WrittenRequest.id.desc())).first()
        if sent is not None:
            return redirect(url_for("requests.household.receipt", reference=sent.reference), code=303)
        return render_template("household/answer_closed.html", proposal=proposal), 409
    form = AnswerForm() if request.method == "POST" else AnswerForm(key=_key())
    step = request.form.get("step", "review")
    late = answer_by is not None and today() > answer_by
    if request.method == "POST" and step != "edit" and form.validate_on_submit():
        if step == "send":
            sent = service.answer_proposal(g.household, proposal, form.decision.data == "accept",
                                           form.motives.data or [], form.text.data or "", filled(form.key.data),
                                           today())
            return redirect(url_for("requests.household.receipt", reference=sent.reference), code=303)
        return render_template("household/answer_review.html", form=form, proposal=proposal, answer_by=answer_by,
                               late=late, motives=[MOTIVE_LABELS[m] for m in form.motives.data or []])
    status = 422 if form.errors else 200
    advised_by = open_days.advised_answer_day(answer_by, today()) if answer_by and not late else None
    closed = {"advised_by": advised_by, "advised_today": advised_by == today()}  # household/_office_closed.html
    return render_template("household/answer.html", form=form, proposal=proposal, answer_by=answer_by,
                           late=late, item=closed), status


@bp.route("/my/mediation", methods=["GET", "POST"])
@household_required
@limiter.limit("30 per hour", methods=["POST"])
def ask_mediation() -> ResponseReturnValue:
    form = MediationForm() if request.method == "POST" else MediationForm(key=_key())
    busy = False
    if form.validate_on_submit():
        files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
        photos, problems = [], []
        if len(files) > MAX_PHOTOS:
            problems.append(_("3 photos au plus."))
        for upload in files[:MAX_PHOTOS]:
            try:
                photos.append(clean_photo(upload.read()))
            except PhotoError as error:
                if error.code == "busy":  # one message for the whole form, not one per photo
                    busy, problems = True, [photo_message(error.code, "")]
                    break
                problems.append(photo_message(error.code, upload.filename or ""))
        if problems:
            form.photos.errors = problems
        else:
            sent = service.ask_mediation(g.household, form.what_happened.data or "", form.disagreement.data or "",
                                         form.wish.data or "", photos, filled(form.key.data), today())
            return redirect(url_for("requests.household.receipt", reference=sent.reference), code=303)
    if busy:
        return render_template("household/mediation.html", form=form), 503, BUSY_HEADERS
    status = 422 if form.errors else 200
    return render_template("household/mediation.html", form=form), status


@bp.route("/my/requests/<reference>", methods=["GET", "POST"])
@household_required
def receipt(reference: str) -> ResponseReturnValue:
    sent = _own_request(reference)
    form = AdditionForm()
    if request.method == "POST" and form.validate_on_submit():
        service.add_to_request(g.household, sent, filled(form.text.data))
        return redirect(url_for("requests.household.receipt", reference=reference, added=1, _anchor="additions"),
                        code=303)
    status = 422 if form.errors else 200
    opened = db.session.scalars(select(MediationCase).where(MediationCase.request_id == sent.id,
                                                            MediationCase.source == "second_refusal")).first()
    return render_template("household/receipt.html", sent=sent, form=form, mediation_opened=opened is not None,
                           motive_labels=MOTIVE_LABELS), status


@bp.get("/my/requests/<reference>/photos/<int:photo_id>")
@household_required
def request_photo(reference: str, photo_id: int) -> ResponseReturnValue:
    sent = _own_request(reference)
    photo = db.session.get(RequestPhoto, photo_id)
    if photo is None or photo.request_id != sent.id:
        abort(404)
    # no-store: a shared phone keeps no copy once the household signs out
    return Response(photo.data, mimetype=photo.content_type, headers={"Cache-Control": "no-store"})


@bp.get("/my/requests/<reference>/letter")
@household_required
def letter(reference: str) -> ResponseReturnValue:
    return letter_html(_own_request(reference), g.household)


@bp.get("/my/requests/<reference>/letter.pdf")
@household_required
def letter_download(reference: str) -> ResponseReturnValue:
    return letter_pdf_response(_own_request(reference), g.household)


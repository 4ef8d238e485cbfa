"""After the move, in the household space: the move checklist and the costs to refund (the satisfaction survey is
guide/features/survey/household.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, HiddenField, RadioField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Regexp

from guide.core.auth import household_required
from guide.core.extensions import db, limiter
from guide.core.forms import IDEMPOTENCY, AmountField, DateInputField, filled, lazy_example, options
from guide.core.i18n import negotiate_language
from guide.core.timeutil import today
from guide.core.uploads import BUSY_HEADERS, PhotoError, clean_photo, photo_message
from guide.features.after_move import service
from guide.models import Household, MoveExpense
from guide.models.after_move import REFUNDABLE_KINDS
from guide.rules import deadlines

bp = Blueprint("household", __name__)

OLDEST_INVOICE_DAYS = 366  # product choice: an invoice more than a year old is surely a typing mistake


AMOUNT_MESSAGES = {
    "required": _l("Écrivez le montant. Exemple : %(example)s.", example=lazy_example("35.90")),
    "invalid": _l("Ce montant ne semble pas juste. Exemple : %(example)s.", example=lazy_example("35.90")),
    "negative": _l("Le montant ne peut pas être négatif."),
    "decimals": _l("Deux chiffres au plus après la virgule. Exemple : %(example)s.", example=lazy_example("35.90")),
    "too_large": _l("Ce montant est trop grand. Vérifiez la facture."),
}


class ExpenseForm(FlaskForm):
    kind = RadioField(_l("Quel frais ?"), choices=options([(k, k) for k in REFUNDABLE_KINDS]),
                      validators=[InputRequired(message=_l("Choisissez le frais."))])
    amount = AmountField(_l("Le montant de la facture, en euros"), messages=AMOUNT_MESSAGES)
    invoice_on = DateInputField(_l("La date de la facture"),
                           validators=[InputRequired(message=_l("Écrivez la date de la facture."))])
    photo = FileField(_l("Une photo de la facture"))
    key = HiddenField(validators=[DataRequired(), Regexp(IDEMPOTENCY)])

    def validate_amount(self, field) -> None:  # type: ignore[no-untyped-def]
        if field.errors:  # unreadable: the field says why already
            return
        if field.data is None or field.data <= 0:  # left out of the request, or nothing to refund
            raise ValidationError(str(AMOUNT_MESSAGES["required"]))

    def validate_invoice_on(self, field) -> None:  # type: ignore[no-untyped-def]
        if field.data and field.data > today():
            raise ValidationError(_("La date de la facture ne peut pas être après aujourd'hui."))
        if field.data and field.data < today() - timedelta(days=OLDEST_INVOICE_DAYS):
            raise ValidationError(_("Cette date a plus d'un an. Vérifiez la date de la facture."))


def _expense_form(words: dict) -> ExpenseForm:
    form = ExpenseForm() if request.method == "POST" else ExpenseForm(key=uuid.uuid4().hex)
    form.kind.choices = options([(k, words.get("kinds", {}).get(k, k)) for k in REFUNDABLE_KINDS])
    return form


@bp.route("/my/move", methods=["GET", "POST"])
@household_required
@limiter.limit("30 per hour", methods=["POST"])
def after_move() -> ResponseReturnValue:
    """The move checklist, the costs already sent with their refund date, and a form to add one."""
    household: Household = g.household
    words = service.checklist(negotiate_language())
    form = _expense_form(words)
    busy = False  # too many photos being cleaned in this process: come back in a minute
    if request.method == "POST":
        valid = form.validate_on_submit()
        upload = request.files.get(form.photo.name)
        photo = None
        if upload is None or not upload.filename:
            form.photo.errors = [_("Ajoutez une photo de la facture.")]
        else:
            try:
                photo = clean_photo(upload.read())
            except PhotoError as error:
                form.photo.errors = [photo_message(error.code, upload.filename or "")]
                busy = error.code == "busy"
        if valid and photo is not None:  # the same form sent twice: the first one is kept, shown as sent
            expense = service.record_expense(household, form.kind.data, filled(form.amount.data),
                                             filled(form.invoice_on.data), photo, filled(form.key.data), today())
            return redirect(url_for("after_move.household.after_move", added=expense.id, _anchor="expenses"), code=303)
        if photo is not None:  # a browser cannot keep a chosen file across pages: say so plainly
            form.photo.errors = [_("Choisissez la photo une nouvelle fois.")]
    status = 422 if request.method == "POST" and form.errors else 200
    current = today()
    expenses = [(e, service.refund_state(e, current)) for e in service.expenses_of(household.id)]
    page = render_template("household/after_move.html", household=household, words=words, form=form,
                           expenses=expenses, added=request.args.get("added", type=int),
                           example_due=deadlines.refund_deadline(current))
    return (page, 503, BUSY_HEADERS) if busy else (page, status)


@bp.get("/my/move/expenses/<int:expense_id>/photo")
@household_required
def expense_photo(expense_id: int) -> ResponseReturnValue:
    expense = db.session.get(MoveExpense, expense_id)
    if expense is None or expense.household_id != g.household.id:
        abort(404)
    # no-store: a shared phone keeps no copy once the household signs out
    return Response(expense.photo, mimetype=expense.photo_type, headers={"Cache-Control": "no-store"})

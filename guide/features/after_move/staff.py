"""After the move, for staff: costs to refund (cheque sent, late ones flagged) and courtesy visit records (the
satisfaction survey's results are guide/features/survey/staff.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, RadioField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from guide.core import audit
from guide.core.auth import household_for_staff, staff_required
from guide.core.extensions import db
from guide.core.forms import AMOUNT_MESSAGES, YEAR, AmountField, DateInputField, filled, options
from guide.core.permissions import SEE_LATE_REFUNDS, Reach, household_condition, reach
from guide.core.timeutil import today
from guide.features.after_move import service
from guide.models import CourtesyVisit, Household, MoveExpense, StaffUser

bp = Blueprint("staff", __name__, url_prefix="/staff")

REQUIRED = _l("Ce champ est obligatoire.")
YES_NO = [("yes", _l("Oui")), ("no", _l("Non"))]


class RefundForm(FlaskForm):
    refunded_on = DateInputField(_l("Chèque envoyé le"), validators=[InputRequired(REQUIRED)], past=2 * YEAR,
                                 future=YEAR * 0)
    cheque_number = StringField(_l("Numéro du chèque"), validators=[Length(max=40)])
    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])  # a stale or forged page: refused

    def validate_refunded_on(self, field) -> None:  # type: ignore[no-untyped-def]
        if field.data and field.data > today():
            raise ValidationError(_("La date du chèque ne peut pas être après aujourd'hui."))


class VisitForm(FlaskForm):
    visited_on = DateInputField(_l("Date de la visite de courtoisie"), validators=[InputRequired(REQUIRED)],
                                past=3 * YEAR, future=YEAR)
    flat_ok = RadioField(_l("Le logement convient-il ?"), choices=options(YES_NO), validators=[InputRequired(REQUIRED)])
    neighbourhood_ok = RadioField(_l("Le ménage se sent-il bien dans le quartier ?"), choices=options(YES_NO),
                                  validators=[InputRequired(REQUIRED)])
    support_needed = RadioField(_l("Un accompagnement est-il nécessaire ?"), choices=options(YES_NO),
                                validators=[InputRequired(REQUIRED)])
    reste_a_vivre = AmountField(_l("Reste à vivre aujourd'hui (€ par personne et par jour)"), negative=True,
                                messages=dict.fromkeys(AMOUNT_MESSAGES,
                                                       _l("Ce montant ne semble pas juste. Exemple : 7,25.")),
                                validators=[Optional()])
    note = TextAreaField(_l("Remarques de la visite"), validators=[Length(max=5000)])


def _own_expense(household: Household, expense_id: int) -> MoveExpense:
    expense = db.session.get(MoveExpense, expense_id)
    if expense is None or expense.household_id != household.id:
        abort(404)
    return expense


def _own_visit(household: Household, visit_id: int) -> CourtesyVisit:
    visit = db.session.get(CourtesyVisit, visit_id)
    if visit is None or visit.household_id != household.id:
        abort(404)
    return visit


def _page(household: Household, refund_forms: dict[int, RefundForm] | None = None,
          visit_forms: dict[int, VisitForm] | None = None, conflict: bool = False) -> ResponseReturnValue:
    current = today()
    refund_forms, visit_forms = refund_forms or {}, visit_forms or {}
    expenses = [(e, service.refund_state(e, current),
                 refund_forms.get(e.id) or RefundForm(formdata=None, prefix=f"refund-{e.id}", version=e.version,
                                                      refunded_on=current))
                for e in service.expenses_of(household.id)]
    visits = [(v, visit_forms.get(v.id) or VisitForm(formdata=None, prefix=f"visit-{v.id}", visited_on=current))
              for v in service.visits_of(household.id)]
    errors = any(f.errors for f in refund_forms.values()) or any(f.errors for f in visit_forms.values())
    status = 409 if conflict else 422 if errors else 200
    return render_template("staff/after_move.html", household=household, expenses=expenses, visits=visits,
                           words=service.checklist("fr"), before=service.reste_a_vivre_before(household),
                           conflict=conflict, today=current,
                           catch_up=service.to_catch_up(household.id, datetime.now(UTC))), status


@bp.get("/households/<int:household_id>/after-move")
@staff_required()
def after_move(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    audit.record("staff", g.staff.id, "read", household_id=found.id, entity="after_move", entity_id=found.id)
    return _page(found)


@bp.post("/households/<int:household_id>/expenses/<int:expense_id>/refund")
@staff_required()
def mark_refunded(household_id: int, expense_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    expense = _own_expense(found, expense_id)
    form = RefundForm(prefix=f"refund-{expense.id}")
    if not form.validate_on_submit():
        return _page(found, refund_forms={expense.id: form})
    if not service.mark_refunded(g.staff, expense, int(filled(form.version.data)), filled(form.refunded_on.data),
                                 (form.cheque_number.data or "").strip()):  # refused: nothing was written
        return _page(found, conflict=True)
    return redirect(url_for("after_move.staff.after_move", household_id=found.id, _anchor="expenses"), code=303)


@bp.get("/households/<int:household_id>/expenses/<int:expense_id>/photo")
@staff_required()
def expense_photo(household_id: int, expense_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    expense = _own_expense(found, expense_id)
    audit.record("staff", g.staff.id, "read", household_id=found.id, entity="move_expense", entity_id=expense.id)
    return Response(expense.photo, mimetype=expense.photo_type, headers={"Cache-Control": "private, no-store"})


@bp.post("/households/<int:household_id>/visits/<int:visit_id>")
@staff_required()
def record_visit(household_id: int, visit_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    visit = _own_visit(found, visit_id)
    form = VisitForm(prefix=f"visit-{visit.id}")
    if not form.validate_on_submit():
        return _page(found, visit_forms={visit.id: form})
    service.record_visit(g.staff, found, visit, service.VisitFacts(
        visited_on=filled(form.visited_on.data), flat_ok=form.flat_ok.data == "yes",
        neighbourhood_ok=form.neighbourhood_ok.data == "yes", support_needed=form.support_needed.data == "yes",
        reste_a_vivre_now=form.reste_a_vivre.data, note=form.note.data or ""))
    return redirect(url_for("after_move.staff.after_move", household_id=found.id, _anchor=f"visit-{visit.id}"),
                    code=303)


def _my_household_ids(staff: StaffUser) -> list[int] | None:
    """The households whose late refunds this person sees (guide/core/permissions.py); None: every household."""
    if reach(staff, SEE_LATE_REFUNDS) is Reach.ALL:
        return None
    return list(db.session.scalars(select(Household.id).where(household_condition(staff, SEE_LATE_REFUNDS))))


@bp.get("/refunds")
@staff_required()
def late_refunds() -> ResponseReturnValue:
    """Refund cheques past their date, for the households this person follows (admins: all)."""
    late = service.late_refunds(_my_household_ids(g.staff), today())
    households = {h.id: h for h in db.session.scalars(select(Household).where(
        Household.id.in_({e.household_id for e in late})))} if late else {}
    audit.record("staff", g.staff.id, "read_late_refunds")
    page = render_template("staff/after_move_refunds.html", late=late, households=households,
                           words=service.checklist("fr"), today=today())
    return page

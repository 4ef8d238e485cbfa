"""What staff record in a household's file: proposals and decisions, appointments, notes, facts, budget,
consents and phones. Shared rows are saved only over the version the person saw (no silent overwrite)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _

from guide.core import housing_benefit
from guide.core.auth import household_for_staff, staff_required
from guide.core.extensions import db
from guide.core.forms import ConfirmForm, add_error, filled
from guide.core.phones import normalize
from guide.core.timeutil import from_local, local
from guide.features.household_file import service as household_file
from guide.features.household_file.forms import (
    RESOURCE_LABELS,
    AppointmentForm,
    AppointmentUpdateForm,
    BudgetForm,
    ConsentForm,
    HouseholdFactsForm,
    NoteForm,
    PhoneForm,
    ProposalForm,
    ProposalUpdateForm,
    read_ages,
)
from guide.features.household_file.page import render_household
from guide.features.phones import service as household_phones
from guide.models import (
    Appointment,
    BudgetFacts,
    Household,
    HouseholdPhone,
    Proposal,
)
from guide.rules.budget import EXPENSE_KINDS

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _back(household: Household, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("household_file.staff.household", household_id=household.id, _anchor=anchor), code=303)


def _conflict(household: Household, form: Any, current: dict[str, Any], action: str, anchor: str) -> tuple[str, int]:
    """Someone saved this record meanwhile: show both versions; the form keeps the person's own values."""
    rows = []
    for field in form:
        if field.short_name in ("csrf_token", "version"):
            continue
        theirs, mine = current.get(field.short_name), field.data
        rows.append({"label": field.label.text, "mine": _shown(mine), "theirs": _shown(theirs),
                     "differs": _shown(mine) != _shown(theirs)})
    form.version.data = str(current["version"])
    return render_template("staff/conflict.html", household=household, form=form, rows=rows, action=action,
                           back=url_for("household_file.staff.household", household_id=household.id,
                                        _anchor=anchor)), 409


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, Decimal):
        return str(format_decimal(value, format="#,##0.00"))  # "2 300,00" in French, not "2300.00"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@bp.post("/households/<int:household_id>/proposals")
@staff_required()
def add_proposal(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    form = ProposalForm(prefix="new-proposal")
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "address", "commune", "flat_type", "surface", "floor", "lift", "rent", "charges", "landlord",
            "received_on", "visit_on", "social_housing", "housing_benefit")}
        values["depcom"] = housing_benefit.find_commune(form.commune.data or "")
        if household_file.add_proposal(found, g.staff, int(form.rank.data), values) is None:
            add_error(form.rank, _("Cette proposition existe déjà pour ce ménage."))
        else:
            return _back(found, "proposals")
    return render_household(found, proposal_form=form)


@bp.post("/households/<int:household_id>/proposals/<int:proposal_id>")
@staff_required()
def update_proposal(household_id: int, proposal_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.household_id != found.id:
        abort(404)
    form = ProposalUpdateForm(prefix=f"proposal-{proposal.id}")
    if not form.validate_on_submit():
        return render_household(found, update_errors=form)
    values = {"status": form.status.data, "visit_on": form.visit_on.data, "answer_on": form.answer_on.data}
    if not household_file.update_proposal(found, g.staff, proposal.id, int(filled(form.version.data)), values):
        current = db.session.get_one(Proposal, proposal.id)
        return _conflict(found, form, {**{k: getattr(current, k) for k in values}, "version": current.version},
                         url_for("household_file.staff.update_proposal", household_id=found.id,
                                 proposal_id=proposal.id),
                         "proposals")
    return _back(found, "proposals")


@bp.post("/households/<int:household_id>/appointments")
@staff_required()
def add_appointment(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    form = AppointmentForm(prefix="new-appointment")
    if form.validate_on_submit():
        household_file.add_appointment(found, g.staff, {
            "kind": form.kind.data, "starts_at": from_local(filled(form.starts_at.data)),
            "place": form.place.data or "", "with_whom": form.with_whom.data or ""})
        return _back(found, "appointments")
    return render_household(found, appointment_form=form)


@bp.post("/households/<int:household_id>/appointments/<int:appointment_id>")
@staff_required()
def update_appointment(household_id: int, appointment_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.household_id != found.id:
        abort(404)
    form = AppointmentUpdateForm(prefix=f"appointment-{appointment.id}")
    if not form.validate_on_submit():
        return render_household(found, appointment_update=form, update_errors=form)
    values = {"status": form.status.data, "starts_at": from_local(filled(form.starts_at.data))}
    if not household_file.update_appointment(found, g.staff, appointment.id, int(filled(form.version.data)), values):
        current = db.session.get_one(Appointment, appointment.id)
        local_start = local(current.starts_at)
        return _conflict(found, form, {"status": current.status, "starts_at": local_start.strftime("%Y-%m-%d %H:%M"),
                                       "version": current.version},
                         url_for("household_file.staff.update_appointment", household_id=found.id,
                                 appointment_id=appointment.id),
                         "appointments")
    return _back(found, "appointments")


@bp.post("/households/<int:household_id>/notes")
@staff_required()
def add_note(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    form = NoteForm(prefix="note")
    if form.validate_on_submit():
        household_file.add_note(found, g.staff, filled(form.on.data), form.channel.data, form.text.data or "")
        return _back(found, "notes")
    return render_household(found, note_form=form)


@bp.post("/households/<int:household_id>/facts")
@staff_required()
def update_facts(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    form = HouseholdFactsForm(prefix="facts")
    if not form.validate_on_submit():
        return render_household(found, facts_form=form)
    values = {name: getattr(form, name).data for name in ("display_name", "language", "occupants", "stage",
                                                           "documents_updated_on", "moved_on")}
    if not household_file.update_facts(found, g.staff, int(filled(form.version.data)), values):
        current = db.session.get_one(Household, found.id)
        return _conflict(current, form, {**{k: getattr(current, k) for k in values}, "version": current.version},
                         url_for("household_file.staff.update_facts", household_id=found.id), "facts")
    return _back(found, "facts")


@bp.post("/households/<int:household_id>/budget")
@staff_required()
def update_budget(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    form = BudgetForm(prefix="budget")
    if not form.validate_on_submit():
        return render_household(found, budget_form=form)
    figures = {name: getattr(form, name).data for name in ("monthly_resources", "rent", "charges", "housing_benefit",
                                                           "adults")}
    figures["children_ages"] = read_ages(form.children_ages.data)
    figures["resources_by_kind"] = {kind: f"{getattr(form, f'resource_{kind}').data:.2f}" for kind in RESOURCE_LABELS
                                    if getattr(form, f"resource_{kind}").data is not None}
    saved, budget = household_file.update_budget(found, g.staff, int(filled(form.version.data)), figures,
                                                 {k: getattr(form, f"expense_{k}").data for k in EXPENSE_KINDS})
    if not saved:
        current = db.session.get_one(BudgetFacts, budget.id)
        shown = {k: getattr(current, k) for k in ("monthly_resources", "rent", "charges", "housing_benefit")}
        shown.update({f"expense_{k}": Decimal(v) for k, v in (current.expenses or {}).items()})
        return _conflict(found, form, {**shown, "version": current.version},
                         url_for("household_file.staff.update_budget", household_id=found.id), "budget")
    return _back(found, "budget")


@bp.post("/households/<int:household_id>/consents")
@staff_required()
def add_consent(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    form = ConsentForm(prefix="consent")
    if not form.validate_on_submit():
        return render_household(found, consent_form=form)
    household_file.add_consent(found, g.staff, form.kind.data, filled(form.given_on.data))
    return _back(found, "facts")


@bp.post("/households/<int:household_id>/phones")
@staff_required()
def add_phone(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    form = PhoneForm(prefix="phone")
    if form.validate_on_submit():
        e164 = normalize(filled(form.number.data), current_app.config["DEFAULT_REGION"])
        if e164 is None:
            add_error(form.number, _("Ce numéro ne semble pas juste. Exemple : 06 12 34 56 78."))
        else:
            try:
                household_file.add_phone(found, g.staff, e164, form.label.data or "", bool(form.sms_consent.data))
            except household_phones.NumberTaken as taken:
                found = household_for_staff(household_id)  # a lost race rolled the request back: read it again
                add_error(form.number, household_phones.taken_message(taken, found, g.staff))
            else:
                return _back(found, "facts")
    return render_household(found, phone_form=form)


@bp.post("/households/<int:household_id>/phones/<int:phone_id>/delete")
@staff_required()
def delete_phone(household_id: int, phone_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    phone = db.session.get(HouseholdPhone, phone_id)
    if phone is None or phone.household_id != found.id:
        abort(404)

    if not ConfirmForm().validate_on_submit():
        abort(400)
    household_file.delete_phone(found, g.staff, phone)
    return _back(found, "facts")


@bp.get("/households/<int:household_id>")
@staff_required()
def household(household_id: int) -> ResponseReturnValue:
    found = household_for_staff(household_id)
    household_file.log_read(found, g.staff)
    return render_household(found)



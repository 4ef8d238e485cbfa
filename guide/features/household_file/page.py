"""The staff household page (`render_household`): the file, its forms and its SMS panel, built whole by the view so
the template queries nothing. The file's own routes render it, and other staff routes re-render it with their
form's errors (a named API beside the service: see the import-linter contract)."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template
from sqlalchemy import select

from guide.core.extensions import db
from guide.core.timeutil import local, today
from guide.features.after_move import service as after_move
from guide.features.household_file.forms import (
    AppointmentForm,
    AppointmentUpdateForm,
    BudgetForm,
    ConsentForm,
    HouseholdFactsForm,
    NoteForm,
    PhoneForm,
    ProposalForm,
    ProposalUpdateForm,
)
from guide.features.sms_replies.panel import sms_panel
from guide.features.standing.service import standing
from guide.models import (
    Appointment,
    BudgetFacts,
    Consent,
    ContactNote,
    Household,
    WrittenRequest,
)
from guide.rules.budget import EXPENSE_KINDS


def render_household(found: Household, **forms: object) -> tuple[str, int]:
    """The household file with every recording form; forms passed in (with errors) replace the blank ones."""
    budget = db.session.scalars(select(BudgetFacts).where(BudgetFacts.household_id == found.id)).first()
    appointments = db.session.scalars(select(Appointment).where(Appointment.household_id == found.id)
                                      .order_by(Appointment.starts_at.desc())).all()
    context = {
        "household": found,
        "view": standing(found, today(), appointments),
        "appointments": [(a, (forms.get("appointment_update") if getattr(forms.get("appointment_update"), "prefix", "")
                              == f"appointment-{a.id}-" else None) or AppointmentUpdateForm(
            formdata=None, prefix=f"appointment-{a.id}", status=a.status, version=a.version,
            starts_at=local(a.starts_at).replace(tzinfo=None))) for a in appointments],
        "notes": db.session.scalars(select(ContactNote).where(ContactNote.household_id == found.id)
                                    .order_by(ContactNote.on.desc())).all(),
        "consents": db.session.scalars(select(Consent).where(Consent.household_id == found.id)).all(),
        "budget": budget,
        "proposal_form": forms.get("proposal_form") or ProposalForm(formdata=None, prefix="new-proposal"),
        "appointment_form": forms.get("appointment_form") or AppointmentForm(formdata=None, prefix="new-appointment"),
        "note_form": forms.get("note_form") or NoteForm(formdata=None, prefix="note", on=today()),
        "facts_form": forms.get("facts_form") or HouseholdFactsForm(formdata=None, prefix="facts", obj=found),
        "budget_form": forms.get("budget_form") or budget_form(budget),
        "consent_form": forms.get("consent_form") or ConsentForm(formdata=None, prefix="consent", given_on=today()),
        "phone_form": forms.get("phone_form") or PhoneForm(formdata=None, prefix="phone"),
        "proposal_update": lambda p: ProposalUpdateForm(formdata=None, prefix=f"proposal-{p.id}", obj=p),
        "update_errors": forms.get("update_errors"),
        "written_requests": db.session.scalars(select(WrittenRequest).where(WrittenRequest.household_id == found.id)
                                               .order_by(WrittenRequest.id.desc())).all(),
        "sms": sms_panel(found),
        "after": after_move.file_summary(found, today()),
    }
    status = 422 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render_template("staff/household.html", **context), status


def budget_form(budget: BudgetFacts | None) -> BudgetForm:
    if budget is None:
        return BudgetForm(formdata=None, prefix="budget", version="0")
    form = BudgetForm(formdata=None, prefix="budget", obj=budget)
    for kind, amount in (budget.expenses or {}).items():
        if kind in EXPENSE_KINDS:
            getattr(form, f"expense_{kind}").data = Decimal(str(amount))
    return form

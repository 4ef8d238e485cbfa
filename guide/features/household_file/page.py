"""The staff household page (`render_household`): the file, its forms and its SMS panel, built whole by the view so
the template queries nothing. The file's own routes render it, and other staff routes re-render it with their
form's errors (a named API beside the service: see the import-linter contract)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from guide.core import housing_benefit
from guide.core.timeutil import local, today
from guide.core.together import Part, load_together
from guide.features.after_move import service as after_move
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
)
from guide.features.sms_replies.panel import sms_panel
from guide.features.standing.service import housing_benefits, proposals_query, standing
from guide.models import (
    Appointment,
    BudgetFacts,
    Consent,
    ContactNote,
    CourtesyVisit,
    Household,
    MoveExpense,
    Proposal,
    RequestPhoto,
    WrittenRequest,
)
from guide.rules.budget import EXPENSE_KINDS


def _request_photos(requests: Any) -> list[Any]:
    """The photos of the written requests, as thumbnails link to them: ids and sizes, not their bytes (one
    statement, only when the household has requests)."""
    return [selectinload(requests.photos).load_only(RequestPhoto.id, RequestPhoto.request_id, RequestPhoto.width,
                                                    RequestPhoto.height)]


@dataclass
class FileRows:
    """The household's rows the file shows, read together (guide/core/together.py): one statement for all."""

    budget: BudgetFacts | None
    proposals: list[Proposal]
    appointments: list[Appointment]
    notes: list[ContactNote]
    consents: list[Consent]
    written_requests: list[WrittenRequest]
    expenses: list[MoveExpense]
    visits: list[CourtesyVisit]


def file_rows(found: Household) -> FileRows:
    budgets, proposals, appointments, notes, consents, requests, expenses, visits = load_together(
        Part(select(BudgetFacts).where(BudgetFacts.household_id == found.id)),  # at most one (unique)
        Part(proposals_query(found), order=lambda rows: sorted(rows, key=lambda p: p.rank)),
        Part(select(Appointment).where(Appointment.household_id == found.id),
             order=lambda rows: sorted(rows, key=lambda a: (a.starts_at, a.id), reverse=True)),
        Part(select(ContactNote).where(ContactNote.household_id == found.id),
             order=lambda rows: sorted(rows, key=lambda n: (n.on, n.id), reverse=True)),
        Part(select(Consent).where(Consent.household_id == found.id), order=lambda rows: sorted(rows, key=_id)),
        Part(select(WrittenRequest).where(WrittenRequest.household_id == found.id),
             order=lambda rows: sorted(rows, key=_id, reverse=True), options=_request_photos),
        Part(after_move.expenses_query(found.id), order=after_move.expense_order,
             without=[MoveExpense.photo]),  # the invoice photos are served one by one
        Part(after_move.visits_query(found.id), order=after_move.visit_order),
    )
    return FileRows(budgets[0] if budgets else None, proposals, appointments, notes, consents, requests, expenses,
                    visits)


def _id(row: Any) -> int:
    return int(row.id)


def render_household(found: Household, **forms: object) -> tuple[str, int]:
    """The household file with every recording form; forms passed in (with errors) replace the blank ones."""
    rows = file_rows(found)
    budget, appointments = rows.budget, rows.appointments
    view = standing(found, today(), appointments, rows.proposals)
    context = {
        "household": found,
        "view": view,
        "appointments": [(a, (forms.get("appointment_update") if getattr(forms.get("appointment_update"), "prefix", "")
                              == f"appointment-{a.id}-" else None) or AppointmentUpdateForm(
            formdata=None, prefix=f"appointment-{a.id}", status=a.status, version=a.version,
            starts_at=local(a.starts_at).replace(tzinfo=None))) for a in appointments],
        "notes": rows.notes,
        "consents": rows.consents,
        "budget": budget,
        "benefit_rows": benefit_rows(found, budget, [item.proposal for item in view.proposals]),
        "caf_simulator": housing_benefit.CAF_SIMULATOR,
        "proposal_form": forms.get("proposal_form") or ProposalForm(formdata=None, prefix="new-proposal"),
        "appointment_form": forms.get("appointment_form") or AppointmentForm(formdata=None, prefix="new-appointment"),
        "note_form": forms.get("note_form") or NoteForm(formdata=None, prefix="note", on=today()),
        "facts_form": forms.get("facts_form") or HouseholdFactsForm(formdata=None, prefix="facts", obj=found),
        "budget_form": forms.get("budget_form") or budget_form(budget),
        "consent_form": forms.get("consent_form") or ConsentForm(formdata=None, prefix="consent", given_on=today()),
        "phone_form": forms.get("phone_form") or PhoneForm(formdata=None, prefix="phone"),
        "proposal_update": lambda p: ProposalUpdateForm(formdata=None, prefix=f"proposal-{p.id}", obj=p),
        "update_errors": forms.get("update_errors"),
        "written_requests": rows.written_requests,
        "sms": sms_panel(found),
        "after": after_move.file_summary(found, today(), rows.expenses, rows.visits),
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
    form.children_ages.data = ", ".join(str(age) for age in budget.children_ages or [])
    for kind, amount in (budget.resources_by_kind or {}).items():
        if kind in RESOURCE_LABELS:
            getattr(form, f"resource_{kind}").data = Decimal(str(amount))
    return form


def benefit_rows(found: Household, budget: BudgetFacts | None, proposals: list[Proposal]) -> list[Any]:
    """Today's flat and each proposal with its housing benefit (typed by staff, else estimated)."""
    lines = housing_benefits(found, budget, proposals)
    return [(_("Logement actuel"), "now", lines["now"])] + [
        (_("Proposition %(rank)s", rank=p.rank), f"proposal-{p.id}", lines[f"proposal-{p.id}"]) for p in proposals]

"""What staff record in a household's file (proposals, appointments, notes, facts, budget, consents, phones):
each function writes the record and its access-log entry as one unit of work (`atomic`: the request's transaction
inside a request, its own otherwise; guide/core/transaction.py). The views
(guide/features/household_file/staff.py)
only read the form, check who may open the file, call one of these and redirect.

Shared rows are saved only over the version the person saw: those functions answer False (nothing written) when
someone saved meanwhile, and the view shows both versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from guide.core import audit
from guide.core.extensions import db
from guide.core.transaction import atomic
from guide.core.versioned import save_if_current
from guide.features.after_move.service import plan_courtesy_visits
from guide.features.phones import service as household_phones
from guide.models import (
    Appointment,
    BudgetFacts,
    Consent,
    ContactNote,
    Household,
    HouseholdPhone,
    Proposal,
    ProposalStatus,
    StaffUser,
)
from guide.models.base import money
from guide.rules.budget import EXPENSE_KINDS


def _log(household_id: int, staff: StaffUser, action: str, entity: str, entity_id: int | None) -> None:
    audit.record("staff", staff.id, action, household_id=household_id, entity=entity, entity_id=entity_id)


@atomic
def log_read(household: Household, staff: StaffUser) -> None:
    """Opening the file is in the access log."""
    _log(household.id, staff, "read", "household", household.id)


def rank_taken(household: Household, rank: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.household_id == household.id, Proposal.rank == rank)))


@atomic
def add_proposal(household: Household, staff: StaffUser, rank: int, values: dict[str, Any]) -> Proposal | None:
    """A new proposal (visited when it has a visit date); None when this rank is already recorded."""
    if rank_taken(household, rank):
        return None
    proposal = Proposal(household_id=household.id, rank=rank, **values,
                        status=ProposalStatus.VISITED if values.get("visit_on") else ProposalStatus.RECEIVED)
    db.session.add(proposal)
    db.session.flush()
    _log(household.id, staff, "create", "proposal", proposal.id)
    return proposal


def _save_versioned(model: Any, row_id: int, seen_version: int, values: dict[str, Any], household_id: int,
                    staff: StaffUser, entity: str) -> bool:
    if not save_if_current(model, row_id, seen_version, values):
        return False
    _log(household_id, staff, "update", entity, row_id)
    return True


@atomic
def update_proposal(household: Household, staff: StaffUser, proposal_id: int, seen_version: int,
                    values: dict[str, Any]) -> bool:
    return _save_versioned(Proposal, proposal_id, seen_version, values, household.id, staff, "proposal")


@atomic
def add_appointment(household: Household, staff: StaffUser, values: dict[str, Any]) -> Appointment:
    appointment = Appointment(household_id=household.id, **values)
    db.session.add(appointment)
    db.session.flush()
    _log(household.id, staff, "create", "appointment", appointment.id)
    return appointment


@atomic
def update_appointment(household: Household, staff: StaffUser, appointment_id: int, seen_version: int,
                       values: dict[str, Any]) -> bool:
    return _save_versioned(Appointment, appointment_id, seen_version, values, household.id, staff, "appointment")


@atomic
def add_note(household: Household, staff: StaffUser, on: date, channel: str, text: str) -> ContactNote:
    """A contact note; the file's last contact date moves forward to it."""
    note = ContactNote(household_id=household.id, staff_id=staff.id, on=on, channel=channel, text=text)
    db.session.add(note)
    if household.last_contact_on is None or on > household.last_contact_on:
        household.last_contact_on = on
    db.session.flush()
    _log(household.id, staff, "create", "contact_note", note.id)
    return note


@atomic
def update_facts(household: Household, staff: StaffUser, seen_version: int, values: dict[str, Any]) -> bool:
    """The household's facts; the courtesy visits (+2/+4/+6 months) follow the move date, in the same transaction."""
    if not save_if_current(Household, household.id, seen_version, values):
        return False
    _log(household.id, staff, "update", "household", household.id)

    plan_courtesy_visits(db.session.get_one(Household, household.id), staff)
    return True


def budget_of(household: Household) -> BudgetFacts | None:
    return db.session.scalars(select(BudgetFacts).where(BudgetFacts.household_id == household.id)).first()


@atomic
def update_budget(household: Household, staff: StaffUser, seen_version: int, figures: dict[str, Any],
                  expenses: dict[str, Decimal | None]) -> tuple[bool, BudgetFacts]:
    """The budget (created at version 0 by the first save, then saved over like any other); (saved, row)."""
    budget = budget_of(household)
    created = budget is None
    if budget is None:
        budget = BudgetFacts(household_id=household.id, expenses={}, version=0)
        db.session.add(budget)
        db.session.flush()
    values = {**figures, "expenses": {k: str(money(v)) for k, v in expenses.items()
                                      if k in EXPENSE_KINDS and v is not None}}
    saved = _save_versioned(BudgetFacts, budget.id, seen_version, values, household.id, staff, "budget")
    if not saved and created:  # refused: the empty row made for this save goes too (nothing written)
        db.session.delete(budget)
        db.session.flush()
    return saved, budget


@atomic
def add_consent(household: Household, staff: StaffUser, kind: str, given_on: date) -> Consent:
    consent = Consent(household_id=household.id, kind=kind, given_on=given_on, recorded_by_id=staff.id)
    db.session.add(consent)
    db.session.flush()
    _log(household.id, staff, "create", "consent", consent.id)
    return consent


@atomic
def add_phone(household: Household, staff: StaffUser, e164: str, label: str, sms_consent: bool) -> HouseholdPhone:
    """The number on the file; household_phones.NumberTaken when a file holds it already (nothing saved)."""
    phone = household_phones.add_phone(household, e164, label, sms_consent)
    _log(household.id, staff, "create", "phone", phone.id)
    return phone


@atomic
def delete_phone(household: Household, staff: StaffUser, phone: HouseholdPhone) -> None:
    phone_id = phone.id
    db.session.delete(phone)
    _log(household.id, staff, "delete", "phone", phone_id)

"""After the move: costs refunded (§3.2) and courtesy visits (§4 step 13); the satisfaction survey (§4 step 14)
is its own feature (guide/features/survey/), invited here when the move date is known.

Each change is one unit of work (`atomic`, guide/core/transaction.py): in a request, the request's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from guide.core import audit, content
from guide.core.extensions import db
from guide.core.timeutil import as_utc, from_local
from guide.core.transaction import atomic
from guide.core.uploads import CleanPhoto
from guide.core.versioned import save_if_current
from guide.features.standing.service import ZERO, budget_of
from guide.features.survey import service as survey
from guide.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CourtesyVisit,
    Household,
    MoveExpense,
    StaffUser,
)
from guide.rules import deadlines
from guide.rules.budget import RESTE_A_VIVRE_ALERT, Situation

VISIT_HOUR = time(14, 0)  # product choice: 14:00 (reminders the day before and that morning); the officer moves it


# --- content ---------------------------------------------------------------------------------------------------

def checklist(lang: str) -> dict[str, Any]:
    """The move checklist and the refundable costs' names (content/<lang>/after_move.yaml)."""
    return content.words(lang, "after_move")


# --- refunds (§3.2) ------------------------------------------------------------------------------------------------

@atomic
def record_expense(household: Household, kind: str, amount: Decimal, invoice_on: date, photo: CleanPhoto,
                   key: str, shown_on: date) -> MoveExpense:
    """A cost advanced by the household, its invoice photo and its refund date: 8 days after the day the invoice is
    shown (`shown_on`, the day the household sends it here; §3.2), whatever the invoice's own date.

    `key` comes with the form: a second submission of the same form hits a unique constraint (IntegrityError)
    and the expense already stored is returned.
    """
    expense = MoveExpense(household_id=household.id, kind=kind, idempotency_key=key, amount=amount,
                          invoice_on=invoice_on,
                          due_on=deadlines.refund_deadline(shown_on), photo=photo.data,
                          photo_type=photo.content_type)
    db.session.add(expense)
    try:
        db.session.flush()
    except IntegrityError:  # the same form sent twice: the first one is kept (the request's first write)
        db.session.rollback()
        if (existing := find_expense(household, key)) is None:
            raise
        return existing
    audit.record("household", household.id, "create", household_id=household.id, entity="move_expense",
                 entity_id=expense.id)
    return expense


def find_expense(household: Household, key: str) -> MoveExpense | None:
    return db.session.scalars(select(MoveExpense).where(MoveExpense.household_id == household.id,
                                                        MoveExpense.idempotency_key == key)).first()


def expenses_of(household_id: int) -> list[MoveExpense]:
    """The household's costs, without their invoice photos (served one by one by the photo routes)."""
    return list(db.session.scalars(expenses_query(household_id).options(defer(MoveExpense.photo))
                                   .order_by(MoveExpense.invoice_on.desc(), MoveExpense.id.desc())))


def expenses_query(household_id: int) -> Select[MoveExpense]:
    """The household's costs, unordered (`expense_order` sorts them as `expenses_of` does)."""
    return select(MoveExpense).where(MoveExpense.household_id == household_id)


def expense_order(expenses: list[MoveExpense]) -> list[MoveExpense]:
    """Newest invoice first, as `expenses_of` lists them."""
    return sorted(expenses, key=lambda e: (e.invoice_on, e.id), reverse=True)


def refund_state(expense: MoveExpense, today: date) -> str:
    """"refunded", "refunded_late", "late" (the cheque is overdue) or "waiting"."""
    if expense.refunded_on is not None:
        return "refunded_late" if expense.refunded_on > expense.due_on else "refunded"
    return "late" if today > expense.due_on else "waiting"


def late_refunds(household_ids: list[int] | None, today: date) -> list[MoveExpense]:
    """Costs whose cheque is overdue (for these households, or all when None), oldest due date first."""
    query = select(MoveExpense).where(MoveExpense.refunded_on.is_(None), MoveExpense.due_on < today)
    if household_ids is not None:
        query = query.where(MoveExpense.household_id.in_(household_ids))
    return list(db.session.scalars(query.order_by(MoveExpense.due_on, MoveExpense.id)))


@atomic
def mark_refunded(staff: StaffUser, expense: MoveExpense, seen_version: int, refunded_on: date,
                  cheque_number: str) -> bool:
    """Record the cheque sent, only over the version the person saw; False when it changed meanwhile."""

    saved = save_if_current(MoveExpense, expense.id, seen_version,
                            {"refunded_on": refunded_on, "cheque_number": cheque_number,
                             "refunded_by_id": staff.id})
    if saved:
        audit.record("staff", staff.id, "update", household_id=expense.household_id, entity="move_expense",
                     entity_id=expense.id)
    return saved


# --- courtesy visits (§4 step 13) -----------------------------------------------------------------------------

def visit_day(due: date) -> date:
    """The day a courtesy visit is planned: its charter date, or the Monday after when that is a weekend."""
    return due + timedelta(days=(7 - due.weekday()) % 7) if due.weekday() >= 5 else due


def plan_courtesy_visits(household: Household, actor: StaffUser | None = None) -> list[CourtesyVisit]:
    """Appointments at +2, +4 and +6 months after the move, kept in step with the move date.

    Called wherever the move date is entered or changed. One visit per slot (a unique constraint), so
    calling it again never duplicates; a visit done (or recorded) is kept as it is; one not done yet is
    moved with the move date; a cancelled one stays cancelled. Without a move date, visits not done
    are cancelled. Also invites the household to the survey (the invitation row exists before any answer,
    so invitation order says nothing about answer order).
    """
    slots = {v.months: v for v in db.session.scalars(select(CourtesyVisit)
                                                      .where(CourtesyVisit.household_id == household.id))}
    moved_on = household.moved_on
    actor_kind, actor_id = ("staff", actor.id) if actor else ("system", None)
    for months in deadlines.COURTESY_VISIT_MONTHS:
        slot = slots.get(months)
        appointment = db.session.get(Appointment, slot.appointment_id) if slot and slot.appointment_id else None
        done = slot is not None and (slot.visited_on is not None or (
            appointment is not None and appointment.status == AppointmentStatus.DONE))
        if done:
            continue
        if moved_on is None:
            if appointment is not None and appointment.status != AppointmentStatus.CANCELLED:
                appointment.status = AppointmentStatus.CANCELLED
                appointment.version += 1
            continue
        starts_at = from_local(datetime.combine(visit_day(deadlines.add_months(moved_on, months)), VISIT_HOUR))
        if appointment is None:
            appointment = Appointment(household_id=household.id, kind=AppointmentKind.COURTESY_VISIT,
                                      starts_at=starts_at, duration_minutes=60,
                                      with_whom=household.officer.name if household.officer else "")
            db.session.add(appointment)
            db.session.flush()
            if slot is None:
                slot = CourtesyVisit(household_id=household.id, months=months, flags=[], note="",
                                     reste_a_vivre_before=reste_a_vivre_before(household))
                db.session.add(slot)
            slot.appointment_id = appointment.id
            audit.record(actor_kind, actor_id, "create", household_id=household.id, entity="appointment",
                         entity_id=appointment.id, courtesy_months=months)
        elif appointment.status != AppointmentStatus.CANCELLED and _as_naive_utc(appointment.starts_at) \
                != _as_naive_utc(starts_at):
            appointment.starts_at = starts_at
            appointment.status = AppointmentStatus.PLANNED
            appointment.version += 1
            audit.record(actor_kind, actor_id, "update", household_id=household.id, entity="appointment",
                         entity_id=appointment.id, courtesy_months=months)
    if moved_on is not None:
        survey.invite(household)
    db.session.flush()
    return visits_of(household.id)


def _as_naive_utc(moment: datetime) -> datetime:
    return as_utc(moment).replace(tzinfo=None)


def visits_of(household_id: int) -> list[CourtesyVisit]:
    return list(db.session.scalars(visits_query(household_id).order_by(CourtesyVisit.months)))


def visits_query(household_id: int) -> Select[CourtesyVisit]:
    """The household's courtesy visits (at most three: one per slot), unordered (`visit_order` sorts them)."""
    return select(CourtesyVisit).where(CourtesyVisit.household_id == household_id)


def visit_order(visits: list[CourtesyVisit]) -> list[CourtesyVisit]:
    return sorted(visits, key=lambda v: v.months)


WAITING = (AppointmentStatus.PLANNED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHANGE_ASKED)


def to_catch_up(household_id: int, now: datetime, visits: list[CourtesyVisit] | None = None) -> set[int]:
    """The courtesy visits whose date has passed without being done (a move date entered late puts them in the
    past): still "planned", they must be caught up with a new date. `visits`: the household's, when already read."""
    late = set()
    for visit in visits_of(household_id) if visits is None else visits:
        appointment = db.session.get(Appointment, visit.appointment_id) if visit.appointment_id else None
        if (visit.visited_on is None and appointment is not None and appointment.status in WAITING
                and as_utc(appointment.starts_at) < now):
            late.add(visit.id)
    return late


def reste_a_vivre_before(household: Household) -> Decimal | None:
    """The "reste à vivre" (€ per person per day) from the budget facts noted before the move, if complete."""
    budget = budget_of(household)
    if budget is None or budget.monthly_resources is None or budget.rent is None:
        return None
    expenses = sum((Decimal(str(v)) for v in (budget.expenses or {}).values()), ZERO)
    return Situation(budget.rent, budget.charges or ZERO, budget.housing_benefit or ZERO,
                     budget.monthly_resources, expenses, max(1, household.occupants)).reste_a_vivre


def visit_flags(now: Decimal | None, before: Decimal | None) -> list[str]:
    """"below_threshold" at 6.50 € or less per person per day; "worse_than_before" when lower than before."""
    flags = []
    if now is not None and now <= RESTE_A_VIVRE_ALERT:
        flags.append("below_threshold")
    if now is not None and before is not None and now < before:
        flags.append("worse_than_before")
    return flags


@dataclass(frozen=True)
class VisitFacts:
    visited_on: date
    flat_ok: bool
    neighbourhood_ok: bool
    support_needed: bool
    reste_a_vivre_now: Decimal | None
    note: str


@atomic
def record_visit(staff: StaffUser, household: Household, visit: CourtesyVisit, facts: VisitFacts) -> CourtesyVisit:
    """The short record of a courtesy visit; flags a "reste à vivre" at the threshold or worse than before."""
    # the figure noted when the visits were planned (the budget facts may since describe the new flat)
    before = visit.reste_a_vivre_before if visit.reste_a_vivre_before is not None else reste_a_vivre_before(household)
    visit.visited_on = facts.visited_on
    visit.flat_ok, visit.neighbourhood_ok, visit.support_needed = (facts.flat_ok, facts.neighbourhood_ok,
                                                                   facts.support_needed)
    visit.reste_a_vivre_now, visit.reste_a_vivre_before = facts.reste_a_vivre_now, before
    visit.flags = visit_flags(facts.reste_a_vivre_now, before)
    visit.note = facts.note
    visit.recorded_by_id = staff.id
    if visit.appointment_id:
        appointment = db.session.get(Appointment, visit.appointment_id)
        if appointment is not None and appointment.status != AppointmentStatus.DONE:
            appointment.status = AppointmentStatus.DONE
            appointment.version += 1
    db.session.flush()
    audit.record("staff", staff.id, "update", household_id=household.id, entity="courtesy_visit", entity_id=visit.id)
    return visit


# --- what other pages show of the after-move ----------------------------------------------------------------

def home_status(household: Household, today: date) -> dict[str, object]:
    """What "Where I stand" shows after the move: the link to the move page, costs waiting, the survey state."""
    if household.moved_on is None:
        return {"moved": False}
    waiting = sum(1 for e in expenses_of(household.id) if e.refunded_on is None)
    return {"moved": True, "survey": survey.survey_state(household, today), "waiting": waiting,
            "survey_on": survey.survey_opens_on(household)}


def file_summary(household: Household, today: date, expenses: list[MoveExpense] | None = None,
                 visits: list[CourtesyVisit] | None = None) -> dict[str, int]:
    """For the staff household file: late refunds and courtesy visits flagged (a "reste à vivre" to watch).
    `expenses` and `visits`: the household's, when the caller has read them already."""
    late = sum(1 for e in (expenses_of(household.id) if expenses is None else expenses)
               if refund_state(e, today) == "late")
    visits = visits_of(household.id) if visits is None else visits
    flagged = sum(1 for v in visits if v.flags)
    catch_up = len(to_catch_up(household.id, datetime.combine(today, time.min, tzinfo=UTC), visits))
    return {"late": late, "flagged": flagged, "moved": household.moved_on is not None, "catch_up": catch_up}

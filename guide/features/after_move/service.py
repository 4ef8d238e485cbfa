"""After the move: costs refunded (§3.2), courtesy visits (§4 step 13), the satisfaction survey (§4 step 14).

Each operation works in the caller's transaction and only flushes; the view commits once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from guide.core import audit, content
from guide.core.extensions import db
from guide.core.timeutil import from_local
from guide.core.uploads import CleanPhoto
from guide.features.standing.affordability import ZERO, budget_of
from guide.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CourtesyVisit,
    Household,
    MoveExpense,
    StaffUser,
    SurveyAnswer,
    SurveyInvitation,
)
from guide.rules import deadlines
from guide.rules.budget import RESTE_A_VIVRE_ALERT, Situation

VISIT_HOUR = time(14, 0)  # product choice: 14:00 (reminders the day before and that morning); the officer moves it
MIN_GROUP = 5  # survey groups with fewer answers are not shown (nor exported)


# --- content ---------------------------------------------------------------------------------------------------

def checklist(lang: str) -> dict[str, Any]:
    """The move checklist and the refundable costs' names (content/<lang>/after_move.yaml)."""
    return content.words(lang, "after_move")


def survey_words(lang: str) -> dict[str, Any]:
    """The survey's questions and options (content/<lang>/survey.yaml)."""
    return content.words(lang, "survey")


# --- refunds (§3.2) ------------------------------------------------------------------------------------------------

def record_expense(household: Household, kind: str, amount: Decimal, invoice_on: date, photo: CleanPhoto,
                   key: str, shown_on: date) -> MoveExpense:
    """A cost advanced by the household, its invoice photo and its refund date: 8 days after the day the invoice is
    shown (`shown_on`, the day the household sends it here; §3.2), whatever the invoice's own date.

    `key` comes with the form: a second submission of the same form hits a unique constraint (IntegrityError)
    and the view shows the expense already stored.
    """
    expense = MoveExpense(household_id=household.id, kind=kind, idempotency_key=key, amount=amount,
                          invoice_on=invoice_on,
                          due_on=deadlines.refund_deadline(shown_on), photo=photo.data,
                          photo_type=photo.content_type)
    db.session.add(expense)
    db.session.flush()
    audit.record("household", household.id, "create", household_id=household.id, entity="move_expense",
                 entity_id=expense.id)
    return expense


def find_expense(household: Household, key: str) -> MoveExpense | None:
    return db.session.scalars(select(MoveExpense).where(MoveExpense.household_id == household.id,
                                                        MoveExpense.idempotency_key == key)).first()


def expenses_of(household_id: int) -> list[MoveExpense]:
    return list(db.session.scalars(select(MoveExpense).where(MoveExpense.household_id == household_id)
                                   .order_by(MoveExpense.invoice_on.desc(), MoveExpense.id.desc())))


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


def mark_refunded(staff: StaffUser, expense: MoveExpense, seen_version: int, refunded_on: date,
                  cheque_number: str) -> bool:
    """Record the cheque sent, only over the version the person saw; False when it changed meanwhile."""
    from guide.core.versioned import save_if_current

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
        invite(household)
    db.session.flush()
    return visits_of(household.id)


def _as_naive_utc(moment: datetime) -> datetime:
    from guide.core.timeutil import as_utc

    return as_utc(moment).replace(tzinfo=None)


def visits_of(household_id: int) -> list[CourtesyVisit]:
    return list(db.session.scalars(select(CourtesyVisit).where(CourtesyVisit.household_id == household_id)
                                   .order_by(CourtesyVisit.months)))


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


# --- the satisfaction survey (§4 step 14) ------------------------------------------------------------------------

SCALE = ("very_satisfied", "satisfied", "dissatisfied", "very_dissatisfied")
YES_NO = ("yes", "no")
QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (  # at most 8; words in content/<lang>/survey.yaml
    ("support", SCALE),  # the process: the officer's support
    ("information", SCALE),  # the process: clear information
    ("move_day", SCALE),  # the process: the removal
    ("costs_refunded", ("yes", "no", "no_costs")),  # the process: the move cost nothing (§3.2)
    ("flat", SCALE),  # the new flat
    ("neighbourhood", SCALE),  # the new neighbourhood
    ("first_choice", YES_NO),  # got the commune wished first
    ("overall", SCALE),  # the relocation as a whole
)
SATISFIED = ("very_satisfied", "satisfied")


def invite(household: Household) -> SurveyInvitation:
    found = db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.household_id == household.id)).first()
    if found is None:
        found = SurveyInvitation(household_id=household.id, answered=False)
        db.session.add(found)
        db.session.flush()
    return found


def survey_opens_on(household: Household) -> date | None:
    return deadlines.satisfaction_survey_date(household.moved_on) if household.moved_on else None


def survey_state(household: Household, today: date) -> str:
    """"none" (no move date), "later" (before +6 months), "open" or "answered"."""
    opens_on = survey_opens_on(household)
    if opens_on is None:
        return "none"
    answered = db.session.scalar(select(SurveyInvitation.answered).where(
        SurveyInvitation.household_id == household.id))
    if answered:
        return "answered"
    return "open" if today >= opens_on else "later"


def home_status(household: Household, today: date) -> dict[str, object]:
    """What "Where I stand" shows after the move: the link to the move page, costs waiting, the survey state."""
    if household.moved_on is None:
        return {"moved": False}
    waiting = sum(1 for e in expenses_of(household.id) if e.refunded_on is None)
    return {"moved": True, "survey": survey_state(household, today), "waiting": waiting,
            "survey_on": survey_opens_on(household)}


def file_summary(household: Household, today: date) -> dict[str, int]:
    """For the staff household file: late refunds and courtesy visits flagged (a "reste à vivre" to watch)."""
    late = sum(1 for e in expenses_of(household.id) if refund_state(e, today) == "late")
    flagged = sum(1 for v in visits_of(household.id) if v.flags)
    return {"late": late, "flagged": flagged, "moved": household.moved_on is not None}


def validate_answers(form: Any) -> tuple[dict[str, str], list[str]]:
    """The answers given (question id -> option id) and the ids of the questions left without a valid answer."""
    answers, missing = {}, []
    for question, options in QUESTIONS:
        value = form.get(question, "")
        if value in options:
            answers[question] = value
        else:
            missing.append(question)
    return answers, missing


def quarter(day: date) -> str:
    """The only time an answer keeps: "2027-Q2". A month would single out a household in a small residence."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def submit_survey(household: Household, answers: dict[str, str], today: date) -> bool:
    """Store one anonymous answer set; False when this household has already answered (one answer each).

    The invitation is flipped by one conditional UPDATE, so two submissions racing store one answer. The
    answer row carries no household, no exact time (the quarter only) and a random id.
    """
    invite(household)
    flipped = cast(CursorResult[Any], db.session.execute(
        update(SurveyInvitation).where(SurveyInvitation.household_id == household.id,
                                       SurveyInvitation.answered.is_(False))
        .values(answered=True).execution_options(synchronize_session=False)))
    if flipped.rowcount != 1:
        return False
    group = household.operation.name if household.operation else ""
    db.session.add(SurveyAnswer(month=quarter(today), group_name=group, answers=dict(answers)))
    db.session.flush()
    return True


@dataclass
class QuestionResult:
    question: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class GroupResult:
    name: str
    answers: int
    satisfaction_rate: Decimal | None  # percent of "satisfied" or "very satisfied" overall
    first_choice_rate: Decimal | None  # percent who got the commune they wished first


@dataclass
class SurveyResults:
    answers: int
    shown: bool  # False with fewer than MIN_GROUP answers: nothing but the count is shown
    questions: list[QuestionResult]
    satisfaction_rate: Decimal | None
    first_choice_rate: Decimal | None
    groups: list[GroupResult]
    hidden_groups: int  # groups left out for having fewer than MIN_GROUP answers


def _rate(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part * 100) / whole).quantize(Decimal("1"))


def _summary(rows: list[dict[str, str]]) -> tuple[Decimal | None, Decimal | None]:
    overall = [r.get("overall") for r in rows if r.get("overall")]
    first = [r.get("first_choice") for r in rows if r.get("first_choice")]
    return (_rate(sum(v in SATISFIED for v in overall), len(overall)),
            _rate(sum(v == "yes" for v in first), len(first)))


def survey_results() -> SurveyResults:
    """Counts per question and option, the satisfaction rate, the first-choice share, groups of 5 or more."""
    rows = list(db.session.execute(select(SurveyAnswer.group_name, SurveyAnswer.answers)))
    answers = [dict(r.answers or {}) for r in rows]
    shown = len(answers) >= MIN_GROUP
    questions = []
    for question, _options in QUESTIONS:
        result = QuestionResult(question)
        if shown:
            result.counts.update(a[question] for a in answers if question in a)
        questions.append(result)
    by_group: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_group.setdefault(row.group_name or "", []).append(dict(row.answers or {}))
    groups, hidden = [], 0
    for name, members in sorted(by_group.items()):
        if len(members) < MIN_GROUP or not shown:
            hidden += 1
            continue
        satisfaction, first = _summary(members)
        groups.append(GroupResult(name, len(members), satisfaction, first))
    satisfaction, first = _summary(answers) if shown else (None, None)
    return SurveyResults(len(answers), shown, questions, satisfaction, first, groups, hidden)

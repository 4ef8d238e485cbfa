"""The staff back office: sign-in, caseload with alerts, a household's file and what is recorded in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from guide.auth import current_staff, sign_in_staff, sign_out, staff_can_access, staff_required
from guide.extensions import db, limiter
from guide.household.forms import ConfirmForm
from guide.models import (
    Appointment,
    BudgetFacts,
    Consent,
    ContactNote,
    Household,
    Proposal,
    ProposalStatus,
    Role,
    StaffUser,
)
from guide.public.views import _safe_next, today
from guide.security import check_password
from guide.services import audit
from guide.services.caseload import caseload, officer_load
from guide.services.csv_import import KNOWN, import_households
from guide.services.standing import standing
from guide.staff.forms import AppointmentForm, ImportForm, LoginForm, NoteForm, ProposalForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        staff = db.session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email)).first()
        now = datetime.now(UTC)
        locked = staff is not None and staff.locked_until is not None and _aware(staff.locked_until) > now
        if check_password(staff.password_hash if staff else None, form.password.data) and staff and staff.active \
                and not locked:
            staff.failed_logins = 0
            staff.locked_until = None
            audit.record("staff", staff.id, "staff_sign_in")
            db.session.commit()
            sign_in_staff(staff.id)
            return redirect(_safe_next(request.args.get("next") or url_for("staff.caseload")), code=303)
        if staff is not None and not locked:
            staff.failed_logins += 1
            if staff.failed_logins >= current_app.config["STAFF_MAX_FAILED_LOGINS"]:
                staff.locked_until = now + timedelta(minutes=current_app.config["STAFF_LOCK_MINUTES"])
                staff.failed_logins = 0
            db.session.commit()
        form.password.errors.append(_("Adresse ou mot de passe incorrect. Après 5 erreurs, le compte est "
                                      "bloqué 15 minutes."))
    status = 422 if form.errors else 200
    return render_template("staff/login.html", form=form), status


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sign_out()
    return redirect(url_for("staff.login"), code=303)


@bp.get("/", endpoint="caseload")
@staff_required()
def caseload_page():  # type: ignore[no-untyped-def]
    staff = current_staff()
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = caseload(staff, today(), page=page)
    audit.record("staff", staff.id, "read_caseload", page=page)
    db.session.commit()
    return render_template("staff/caseload.html", rows=rows, total=total, page=page, load=officer_load(staff))


def _household_for_staff(household_id: int) -> Household:
    """The household if this staff member may open it; 404 otherwise (existence is not revealed)."""
    household = db.session.get(Household, household_id)
    if household is None or not staff_can_access(current_staff(), household):
        abort(404)
    return household


@bp.get("/households/<int:household_id>")
@staff_required()
def household(household_id: int):  # type: ignore[no-untyped-def]
    found = _household_for_staff(household_id)
    staff = g.staff
    audit.record("staff", staff.id, "read", household_id=found.id, entity="household", entity_id=found.id)
    db.session.commit()
    return _render_household(found)


def _render_household(found: Household, **forms: object):  # type: ignore[no-untyped-def]
    context = {
        "household": found,
        "view": standing(found, today()),
        "appointments": db.session.scalars(select(Appointment).where(Appointment.household_id == found.id)
                                           .order_by(Appointment.starts_at.desc())).all(),
        "notes": db.session.scalars(select(ContactNote).where(ContactNote.household_id == found.id)
                                    .order_by(ContactNote.on.desc())).all(),
        "consents": db.session.scalars(select(Consent).where(Consent.household_id == found.id)).all(),
        "budget": db.session.scalars(select(BudgetFacts).where(BudgetFacts.household_id == found.id)).first(),
        "proposal_form": forms.get("proposal_form") or ProposalForm(formdata=None),
        "appointment_form": forms.get("appointment_form") or AppointmentForm(formdata=None),
        "note_form": forms.get("note_form") or NoteForm(formdata=None, on=today()),
    }
    status = 422 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render_template("staff/household.html", **context), status


@bp.post("/households/<int:household_id>/proposals")
@staff_required()
def add_proposal(household_id: int):  # type: ignore[no-untyped-def]
    found = _household_for_staff(household_id)
    form = ProposalForm()
    if form.validate_on_submit():
        rank = int(form.rank.data)
        exists = db.session.scalar(select(func.count()).select_from(Proposal).where(
            Proposal.household_id == found.id, Proposal.rank == rank))
        if exists:
            form.rank.errors.append(_("Cette proposition existe déjà pour ce ménage."))
        else:
            proposal = Proposal(household_id=found.id, rank=rank, address=form.address.data,
                                commune=form.commune.data, flat_type=form.flat_type.data, surface=form.surface.data,
                                floor=form.floor.data, lift=form.lift.data, rent=form.rent.data,
                                charges=form.charges.data, housing_benefit=form.housing_benefit.data or 0,
                                landlord=form.landlord.data, received_on=form.received_on.data,
                                visit_on=form.visit_on.data,
                                status=ProposalStatus.VISITED if form.visit_on.data else ProposalStatus.RECEIVED)
            db.session.add(proposal)
            db.session.flush()
            audit.record("staff", g.staff.id, "create", household_id=found.id, entity="proposal",
                         entity_id=proposal.id)
            db.session.commit()
            return redirect(url_for("staff.household", household_id=found.id, _anchor="proposals"), code=303)
    return _render_household(found, proposal_form=form)


@bp.post("/households/<int:household_id>/appointments")
@staff_required()
def add_appointment(household_id: int):  # type: ignore[no-untyped-def]
    found = _household_for_staff(household_id)
    form = AppointmentForm()
    if form.validate_on_submit():
        local = form.starts_at.data.replace(tzinfo=ZoneInfo(current_app.config["TIME_ZONE"]))
        appointment = Appointment(household_id=found.id, kind=form.kind.data, starts_at=local.astimezone(UTC),
                                  place=form.place.data or "", with_whom=form.with_whom.data or "")
        db.session.add(appointment)
        db.session.flush()
        audit.record("staff", g.staff.id, "create", household_id=found.id, entity="appointment",
                     entity_id=appointment.id)
        db.session.commit()
        return redirect(url_for("staff.household", household_id=found.id, _anchor="appointments"), code=303)
    return _render_household(found, appointment_form=form)


@bp.post("/households/<int:household_id>/notes")
@staff_required()
def add_note(household_id: int):  # type: ignore[no-untyped-def]
    found = _household_for_staff(household_id)
    form = NoteForm()
    if form.validate_on_submit():
        note = ContactNote(household_id=found.id, staff_id=g.staff.id, on=form.on.data, channel=form.channel.data,
                           text=form.text.data or "")
        db.session.add(note)
        if found.last_contact_on is None or form.on.data > found.last_contact_on:
            found.last_contact_on = form.on.data
        db.session.flush()
        audit.record("staff", g.staff.id, "create", household_id=found.id, entity="contact_note", entity_id=note.id)
        db.session.commit()
        return redirect(url_for("staff.household", household_id=found.id, _anchor="notes"), code=303)
    return _render_household(found, note_form=form)


@bp.route("/import", methods=["GET", "POST"])
@staff_required(Role.OFFICER)
def import_csv():  # type: ignore[no-untyped-def]
    """Households from a spreadsheet export: a per-row error report, and nothing saved unless every row is right."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        result = import_households(form.file.data.read(), g.staff, current_app.config["DEFAULT_REGION"])
        if result.errors:
            db.session.rollback()
        else:
            db.session.commit()
    status = 422 if form.errors or (result and result.errors) else 200
    return render_template("staff/import.html", form=form, result=result, columns=KNOWN), status

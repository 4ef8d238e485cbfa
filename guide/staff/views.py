"""The staff back office: sign-in, caseload with alerts, a household's file and what is recorded in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from guide.auth import current_staff, safe_next, sign_in_staff, sign_out, staff_may, staff_required
from guide.core import audit
from guide.core.extensions import db, limiter
from guide.core.permissions import EDIT_HOUSEHOLD, IMPORT_HOUSEHOLDS, SEE_HOUSEHOLD, can
from guide.core.security import check_password
from guide.core.timeutil import as_utc, local, today
from guide.household.forms import ConfirmForm
from guide.models import (
    Appointment,
    BudgetFacts,
    Consent,
    ContactNote,
    Household,
    StaffUser,
    WrittenRequest,
)
from guide.rules.budget import EXPENSE_KINDS
from guide.services import household_file
from guide.services.caseload import caseload, officer_load
from guide.services.csv_import import KNOWN, import_households
from guide.services.standing import standing
from guide.staff.forms import (
    AppointmentForm,
    AppointmentUpdateForm,
    BudgetForm,
    ConsentForm,
    HouseholdFactsForm,
    ImportForm,
    LoginForm,
    NoteForm,
    PhoneForm,
    ProposalForm,
    ProposalUpdateForm,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        staff = db.session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email)).first()
        now = datetime.now(UTC)
        locked = staff is not None and staff.locked_until is not None and as_utc(staff.locked_until) > now
        if check_password(staff.password_hash if staff else None, form.password.data) and staff and staff.active \
                and not locked:
            staff.failed_logins = 0
            staff.locked_until = None
            audit.record("staff", staff.id, "staff_sign_in")
            db.session.commit()
            sign_in_staff(staff.id)
            return redirect(safe_next(request.args.get("next"), url_for("staff.caseload")), code=303)
        if staff is not None and not locked:
            # counted by the database: failures sent at once to several processes all count
            failures = db.session.scalar(update(StaffUser).where(StaffUser.id == staff.id)
                                         .values(failed_logins=StaffUser.failed_logins + 1)
                                         .returning(StaffUser.failed_logins)
                                         .execution_options(synchronize_session=False))
            if failures >= current_app.config["STAFF_MAX_FAILED_LOGINS"]:
                db.session.execute(update(StaffUser).where(StaffUser.id == staff.id).values(
                    failed_logins=0,
                    locked_until=now + timedelta(minutes=current_app.config["STAFF_LOCK_MINUTES"]))
                    .execution_options(synchronize_session=False))
            db.session.commit()
        form.password.errors.append(_("Adresse ou mot de passe incorrect. Après 5 erreurs, le compte est "
                                      "bloqué 15 minutes."))
    status = 422 if form.errors else 200
    return render_template("staff/login.html", form=form, expired=request.args.get("expired"),
                           everywhere=request.args.get("signed_out") == "everywhere"), status


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    if not ConfirmForm().validate_on_submit():
        abort(400)
    everywhere = request.form.get("everywhere") == "1"  # every session of this account, on every computer
    staff = current_staff()
    if staff is not None:
        audit.record("staff", staff.id, "staff_sign_out_everywhere" if everywhere else "staff_sign_out")
    sign_out(everywhere=everywhere)  # ends the session record(s) and commits with the log entry
    return redirect(url_for("staff.login", signed_out="everywhere" if everywhere and staff else None), code=303)


@bp.get("/", endpoint="caseload")
@staff_required()
def caseload_page():  # type: ignore[no-untyped-def]
    staff = current_staff()
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = caseload(staff, today(), page=page)
    audit.record("staff", staff.id, "read_caseload", page=page)
    shown = render_template("staff/caseload.html", rows=rows, total=total, page=page, load=officer_load(staff))
    db.session.commit()  # after rendering: a commit expires what the page shows, which it would then read again
    return shown


def _household_for_staff(household_id: int) -> Household:
    """The household if this staff member may open it (GET) or record in it (POST); 404 otherwise (existence is not
    revealed). The rule: guide/core/permissions.py."""
    household = db.session.get(Household, household_id)
    action = EDIT_HOUSEHOLD if request.method == "POST" else SEE_HOUSEHOLD
    if household is None or not can(current_staff(), action, household):
        abort(404)
    return household


@bp.get("/households/<int:household_id>")
@staff_required()
def household(household_id: int):  # type: ignore[no-untyped-def]
    found = _household_for_staff(household_id)
    household_file.log_read(found, g.staff)
    return _render_household(found)


def _render_household(found: Household, **forms: object):  # type: ignore[no-untyped-def]
    """The household file with every recording form; forms passed in (with errors) replace the blank ones."""
    from guide.staff.after_move import after_move_summary  # both modules add their routes to this blueprint
    from guide.staff.sms import sms_panel

    budget = db.session.scalars(select(BudgetFacts).where(BudgetFacts.household_id == found.id)).first()
    appointments = db.session.scalars(select(Appointment).where(Appointment.household_id == found.id)
                                      .order_by(Appointment.starts_at.desc())).all()
    context = {
        "household": found,
        "view": standing(found, today()),
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
        "budget_form": forms.get("budget_form") or _budget_form(budget),
        "consent_form": forms.get("consent_form") or ConsentForm(formdata=None, prefix="consent", given_on=today()),
        "phone_form": forms.get("phone_form") or PhoneForm(formdata=None, prefix="phone"),
        "proposal_update": lambda p: ProposalUpdateForm(formdata=None, prefix=f"proposal-{p.id}", obj=p),
        "update_errors": forms.get("update_errors"),
        "written_requests": db.session.scalars(select(WrittenRequest).where(WrittenRequest.household_id == found.id)
                                               .order_by(WrittenRequest.id.desc())).all(),
        "sms": sms_panel(found),
        "after": after_move_summary(found),
    }
    status = 422 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render_template("staff/household.html", **context), status


def _budget_form(budget: BudgetFacts | None) -> BudgetForm:
    if budget is None:
        return BudgetForm(formdata=None, prefix="budget", version="0")
    form = BudgetForm(formdata=None, prefix="budget", obj=budget)
    for kind, amount in (budget.expenses or {}).items():
        if kind in EXPENSE_KINDS:
            getattr(form, f"expense_{kind}").data = Decimal(str(amount))
    return form


@bp.route("/import", methods=["GET", "POST"])
@staff_may(IMPORT_HOUSEHOLDS)
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


from guide.staff import accounts as _accounts  # noqa: E402, F401  (staff accounts and their sessions, for admins)
from guide.staff import after_move as _after_move  # noqa: E402, F401  (registers the after-move routes)
from guide.staff import mediation, records, sms  # noqa: E402, F401  (register their routes on this blueprint)
from guide.staff import privacy as _privacy  # noqa: E402, F401  (data export, erasure, access log)

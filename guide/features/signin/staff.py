"""The staff back office: sign-in, caseload with alerts, a household's file and what is recorded in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from guide.core import audit
from guide.core.auth import current_staff, safe_next, sign_in_staff, sign_out
from guide.core.extensions import db, limiter
from guide.core.forms import ConfirmForm, add_error, filled
from guide.core.security import check_password
from guide.core.timeutil import as_utc
from guide.features.signin.forms import LoginForm
from guide.models import (
    StaffUser,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")



@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        email = filled(form.email.data).strip().lower()
        staff = db.session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email)).first()
        now = datetime.now(UTC)
        locked = staff is not None and staff.locked_until is not None and as_utc(staff.locked_until) > now
        if check_password(staff.password_hash if staff else None, filled(form.password.data)) and staff \
                and staff.active and not locked:
            staff.failed_logins = 0
            staff.locked_until = None
            audit.record("staff", staff.id, "staff_sign_in")
            db.session.commit()
            sign_in_staff(staff.id)
            return redirect(safe_next(request.args.get("next"), url_for("caseload.staff.caseload")), code=303)
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
        add_error(form.password, _("Adresse ou mot de passe incorrect. Après 5 erreurs, le compte est "
                                   "bloqué 15 minutes."))
    status = 422 if form.errors else 200
    return render_template("staff/login.html", form=form, expired=request.args.get("expired"),
                           everywhere=request.args.get("signed_out") == "everywhere"), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    everywhere = request.form.get("everywhere") == "1"  # every session of this account, on every computer
    staff = current_staff()
    if staff is not None:
        audit.record("staff", staff.id, "staff_sign_out_everywhere" if everywhere else "staff_sign_out")
    sign_out(everywhere=everywhere)  # ends the session record(s) and commits with the log entry
    return redirect(url_for("signin.staff.login", signed_out="everywhere" if everywhere and staff else None), code=303)



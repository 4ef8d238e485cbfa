"""The staff back office: sign-in, caseload with alerts, a household's file and what is recorded in it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from guide.core import audit
from guide.core.auth import current_staff, safe_next, sign_in_staff, sign_out
from guide.core.extensions import limiter
from guide.core.forms import ConfirmForm, add_error, filled
from guide.features.signin import service as signin
from guide.features.signin.forms import LoginForm

bp = Blueprint("staff", __name__, url_prefix="/staff")



@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        staff = signin.staff_sign_in(filled(form.email.data), filled(form.password.data),
                                     current_app.config["STAFF_MAX_FAILED_LOGINS"],
                                     current_app.config["STAFF_LOCK_MINUTES"])
        if staff is not None:
            sign_in_staff(staff.id)
            return redirect(safe_next(request.args.get("next"), url_for("caseload.staff.caseload")), code=303)
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
    sign_out(everywhere=everywhere)  # ends the session record(s), in one transaction with the log entry
    return redirect(url_for("signin.staff.login", signed_out="everywhere" if everywhere and staff else None), code=303)



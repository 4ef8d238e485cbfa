"""The household space: sign-in without password, "where I stand", proposals, appointments."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from guide.core.auth import household_required
from guide.core.extensions import db
from guide.core.forms import ConfirmForm
from guide.core.labels import appointment_kind
from guide.features.appointments import service as appointments
from guide.features.appointments.calendar import calendar_file
from guide.features.appointments.forms import ChangeRequestForm
from guide.models import Appointment

bp = Blueprint("household", __name__)


def _own_appointment(appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.household_id != g.household.id:
        abort(404)
    return appointment


@bp.get("/my/appointments/<int:appointment_id>.ics")
@household_required
def appointment_ics(appointment_id: int) -> ResponseReturnValue:
    appointment = _own_appointment(appointment_id)
    body = calendar_file(appointment, public_base_url=current_app.config["PUBLIC_BASE_URL"],
                         title=_appointment_title(appointment.kind),
                         description=_("Rendez-vous pour votre relogement."))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename=rendez-vous-{appointment.id}.ics"})


def _appointment_title(kind: str) -> str:
    return appointment_kind(kind)


@bp.post("/my/appointments/<int:appointment_id>/confirm")
@household_required
def confirm_appointment(appointment_id: int) -> ResponseReturnValue:
    appointment = _own_appointment(appointment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    appointments.confirm(g.household, appointment)
    return redirect(url_for("standing.household.home", _anchor="appointment"), code=303)


@bp.route("/my/appointments/<int:appointment_id>/change", methods=["GET", "POST"])
@household_required
def change_appointment(appointment_id: int) -> ResponseReturnValue:
    appointment = _own_appointment(appointment_id)
    form = ChangeRequestForm()
    if form.validate_on_submit():
        appointments.ask_change(g.household, appointment, form.note.data or "")
        return redirect(url_for("standing.household.home", changed=1, _anchor="appointment"), code=303)
    status = 422 if form.errors else 200
    return render_template("household/change_appointment.html", form=form, appointment=appointment), status

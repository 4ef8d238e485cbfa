"""Staff accounts, for administrators: who has an account, who has sessions open, and ending a person's sessions
(a lost laptop, a shared computer, someone who leaves). Accounts are created with `flask --app guide staff create`."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from guide.core import audit, sessions
from guide.core.auth import staff_may
from guide.core.extensions import db
from guide.core.forms import ConfirmForm
from guide.core.permissions import MANAGE_ACCOUNTS
from guide.features.accounts import service
from guide.models import StaffUser

bp = Blueprint("staff", __name__, url_prefix="/staff")



@bp.get("/accounts")
@staff_may(MANAGE_ACCOUNTS)
def accounts() -> ResponseReturnValue:
    members = db.session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id)).all()
    ended = db.session.get(StaffUser, request.args.get("ended", type=int) or 0)
    context = {"members": members, "open_sessions": sessions.open_by_staff(), "ended": ended}
    audit.record("staff", g.staff.id, "read_staff_accounts")
    page = render_template("staff/accounts.html", **context)
    return page


@bp.post("/accounts/<int:staff_id>/end-sessions")
@staff_may(MANAGE_ACCOUNTS)
def end_sessions(staff_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    member = db.session.get(StaffUser, staff_id)
    if member is None:
        abort(404)
    service.end_sessions(g.staff, member)
    return redirect(url_for("accounts.staff.accounts", ended=member.id), code=303)

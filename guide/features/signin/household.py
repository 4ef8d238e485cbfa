"""The household space: sign-in without password, "where I stand", proposals, appointments."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    after_this_request,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from guide.core import audit
from guide.core.auth import current_household, safe_next, sign_in_household, sign_out
from guide.core.extensions import db, limiter
from guide.core.forms import ConfirmForm, add_error, filled
from guide.core.i18n import prefer_language
from guide.core.phones import normalize
from guide.core.timeutil import local, today
from guide.features.signin import service as signin
from guide.features.signin.forms import CodeForm, PhoneForm
from guide.models import Household

bp = Blueprint("household", __name__)



def _pad_response_time(started: float) -> None:
    """Answer after the same minimum delay whatever happened, so timing reveals nothing: counted once the
    request's transaction is committed (the answer is padded after this view and its commit)."""

    @after_this_request
    def padded(response: Response) -> Response:
        remaining = current_app.config["SIGNIN_MIN_RESPONSE_SECONDS"] - (time.perf_counter() - started)
        if remaining > 0:
            time.sleep(remaining)
        return response


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_REQUESTS_PER_ADDRESS"], methods=["POST"])
def sign_in() -> ResponseReturnValue:
    if current_household() is not None:
        return redirect(url_for("standing.household.home"))
    form = PhoneForm()
    if form.validate_on_submit():
        started = time.perf_counter()
        e164 = normalize(filled(form.phone.data), current_app.config["DEFAULT_REGION"])
        if e164 is None:
            add_error(form.phone, _invalid_phone())
        else:
            asked = signin.request_code(e164, signin.address_key(request.remote_addr))
            session["pending_phone"] = e164
            session["pending_next"] = safe_next(request.args.get("next"), url_for("standing.household.home"))
            if asked.retry_at is None:
                session.pop("pending_held_until", None)
            else:  # no SMS went: the code page says so, and until when (the same for a known or unknown number)
                session["pending_held_until"] = asked.retry_at.isoformat()
            _pad_response_time(started)
            return redirect(url_for("signin.household.enter_code"), code=303)
    status = 422 if form.errors else 200
    return render_template("household/sign_in.html", form=form, expired=request.args.get("expired")), status


def _invalid_phone() -> str:
    return _("Ce numéro ne semble pas juste. Exemple : 06 12 34 56 78.")


def _language_of(household_id: int) -> str | None:
    household = db.session.get(Household, household_id)
    return household.language if household else None


def _clock(moment: datetime) -> tuple[bool, str]:
    """(today?, "HH:MM") in local time, rounded up to the minute: "from 14:06" is never a minute too early."""
    moment = local(moment)
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment.date() == today(), moment.strftime("%H:%M")


def _new_code_from(moment: datetime) -> str:
    is_today, clock = _clock(moment)
    if is_today:
        return _("Vous pourrez demander un nouveau code aujourd'hui à partir de %(time)s.", time=clock)
    return _("Vous pourrez demander un nouveau code demain à partir de %(time)s.", time=clock)


def _tries_from(moment: datetime) -> str:
    is_today, clock = _clock(moment)
    if is_today:
        return _("Trop d'essais avec ce numéro. Vous pourrez réessayer aujourd'hui à partir de %(time)s.", time=clock)
    return _("Trop d'essais avec ce numéro. Vous pourrez réessayer demain à partir de %(time)s.", time=clock)


def _held_until() -> datetime | None:
    """When the number's last code request made no code (limits), the moment a new one can be asked."""
    held = session.get("pending_held_until")
    moment = datetime.fromisoformat(held) if isinstance(held, str) else None
    return moment if moment is not None and moment > datetime.now(UTC) else None


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_TRIES_PER_ADDRESS"], methods=["POST"])
def enter_code() -> ResponseReturnValue:
    e164 = session.get("pending_phone")
    if not e164:
        return redirect(url_for("signin.household.sign_in"))
    form = CodeForm()
    too_many = False
    if form.validate_on_submit():
        result = signin.check_code(e164, filled(form.code.data), signin.address_key(request.remote_addr))
        if result.status is signin.CodeCheck.OK and result.household_id is not None:
            target = safe_next(session.get("pending_next"), url_for("standing.household.home"))
            sign_in_household(result.household_id, _language_of(result.household_id))
            return redirect(target, code=303)
        if result.status is signin.CodeCheck.TOO_MANY and result.retry_at is not None:
            too_many = True
            add_error(form.code, _tries_from(result.retry_at))
        else:
            add_error(form.code, _("Ce code ne marche pas. Il est faux ou trop vieux."))
    held = _held_until()
    status = 422 if form.errors else 200
    return render_template("household/enter_code.html", form=form, held=_new_code_from(held) if held else None,
                           offer_link=too_many or held is not None), status


@bp.route("/k/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def personal_link(token: str) -> ResponseReturnValue:
    """A personal link from an SMS. Opening it shows a button: link previews in SMS apps must not spend it."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        link = signin.use_link(token)
        if link is not None:
            sign_in_household(link.household_id, _language_of(link.household_id))
            return redirect(safe_next(link.target, url_for("standing.household.home")), code=303)
    elif request.method == "GET" and (found := signin.find_link(token)) is not None:
        prefer_language(_language_of(found.household_id))
        return render_template("household/link.html", form=form, valid=True)
    return render_template("household/link.html", form=form, valid=False), 410


@bp.post("/sign-out")
def sign_out_view() -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    everywhere = request.form.get("everywhere") == "1"  # a lost or lent phone: every session of this household
    household = current_household()
    if household is not None:
        audit.record("household", household.id, "sign_out_everywhere" if everywhere else "sign_out",
                     household_id=household.id)
    sign_out(everywhere=everywhere)  # ends the session record(s), in one transaction with the log entry
    return redirect(url_for("signin.household.signed_out", everywhere=1 if everywhere and household else None),
                    code=303)


@bp.get("/signed-out")
def signed_out() -> ResponseReturnValue:
    return render_template("household/signed_out.html", everywhere=request.args.get("everywhere") == "1")



"""The household space: sign-in without password, "where I stand", proposals, appointments."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from guide.auth import current_household, household_required, safe_next, sign_in_household, sign_out
from guide.core import audit
from guide.core.extensions import db, limiter
from guide.core.i18n import negotiate_language
from guide.core.phones import normalize
from guide.core.timeutil import local, today
from guide.household.forms import ChangeRequestForm, CodeForm, ConfirmForm, PhoneForm
from guide.household.labels import appointment_kind
from guide.models import Appointment, Household, Proposal, WrittenRequest
from guide.public.simulator import figures, reason_words, verdict_words
from guide.services import appointments, plan, signin
from guide.services.affordability import affordability, budget_of
from guide.services.standing import standing

bp = Blueprint("household", __name__)


def _pad_response_time(started: float) -> None:
    """Answer after the same minimum delay whatever happened, so timing reveals nothing."""
    remaining = current_app.config["SIGNIN_MIN_RESPONSE_SECONDS"] - (time.perf_counter() - started)
    if remaining > 0:
        time.sleep(remaining)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_REQUESTS_PER_ADDRESS"], methods=["POST"])
def sign_in():  # type: ignore[no-untyped-def]
    if current_household() is not None:
        return redirect(url_for("household.home"))
    form = PhoneForm()
    if form.validate_on_submit():
        started = time.perf_counter()
        e164 = normalize(form.phone.data, current_app.config["DEFAULT_REGION"])
        if e164 is None:
            form.phone.errors.append(_invalid_phone())
        else:
            asked = signin.request_code(e164, signin.address_key(request.remote_addr))
            db.session.commit()
            session["pending_phone"] = e164
            session["pending_next"] = safe_next(request.args.get("next"), url_for("household.home"))
            if asked.retry_at is None:
                session.pop("pending_held_until", None)
            else:  # no SMS went: the code page says so, and until when (the same for a known or unknown number)
                session["pending_held_until"] = asked.retry_at.isoformat()
            _pad_response_time(started)
            return redirect(url_for("household.enter_code"), code=303)
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
def enter_code():  # type: ignore[no-untyped-def]
    e164 = session.get("pending_phone")
    if not e164:
        return redirect(url_for("household.sign_in"))
    form = CodeForm()
    too_many = False
    if form.validate_on_submit():
        result = signin.check_code(e164, form.code.data, signin.address_key(request.remote_addr))
        db.session.commit()  # wrong tries count even when the answer is "no"
        if result.status is signin.CodeCheck.OK and result.household_id is not None:
            target = safe_next(session.get("pending_next"), url_for("household.home"))
            sign_in_household(result.household_id, _language_of(result.household_id))
            return redirect(target, code=303)
        if result.status is signin.CodeCheck.TOO_MANY and result.retry_at is not None:
            too_many = True
            form.code.errors.append(_tries_from(result.retry_at))
        else:
            form.code.errors.append(_("Ce code ne marche pas. Il est faux ou trop vieux."))
    held = _held_until()
    status = 422 if form.errors else 200
    return render_template("household/enter_code.html", form=form, held=_new_code_from(held) if held else None,
                           offer_link=too_many or held is not None), status


@bp.route("/k/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def personal_link(token: str):  # type: ignore[no-untyped-def]
    """A personal link from an SMS. Opening it shows a button: link previews in SMS apps must not spend it."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        link = signin.use_link(token)
        db.session.commit()
        if link is not None:
            sign_in_household(link.household_id, _language_of(link.household_id))
            return redirect(safe_next(link.target, url_for("household.home")), code=303)
    elif request.method == "GET" and signin.find_link(token) is not None:
        return render_template("household/link.html", form=form, valid=True)
    return render_template("household/link.html", form=form, valid=False), 410


@bp.post("/sign-out")
def sign_out_view():  # type: ignore[no-untyped-def]
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    everywhere = request.form.get("everywhere") == "1"  # a lost or lent phone: every session of this household
    household = current_household()
    if household is not None:
        audit.record("household", household.id, "sign_out_everywhere" if everywhere else "sign_out",
                     household_id=household.id)
    sign_out(everywhere=everywhere)  # ends the session record(s) and commits with the log entry
    return redirect(url_for("household.signed_out", everywhere=1 if everywhere and household else None), code=303)


@bp.get("/signed-out")
def signed_out():  # type: ignore[no-untyped-def]
    return render_template("household/signed_out.html", everywhere=request.args.get("everywhere") == "1")


@bp.get("/my")
@household_required
def home():  # type: ignore[no-untyped-def]
    household = g.household
    view = standing(household, today())
    content = current_app.extensions["content"]
    slugs = content.stage_slugs()
    stage_page = content.stage(negotiate_language(), household.stage) if household.stage in slugs else None
    requests = db.session.scalars(select(WrittenRequest).where(WrittenRequest.household_id == household.id)
                                  .order_by(WrittenRequest.id.desc()).limit(10)).all()
    from guide.household.after_move import after_move_status  # it registers its routes on this blueprint

    return render_template("household/home.html", household=household, view=view, confirm_form=ConfirmForm(),
                           requests=requests, after=after_move_status(household),
                           plan_actions=plan.next_actions(household, 3, lang=negotiate_language()),
                           stage_page=stage_page, stage_number=slugs.index(household.stage) + 1 if stage_page else 0,
                           stage_total=len(slugs))


def _own_appointment(appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.household_id != g.household.id:
        abort(404)
    return appointment


def _own_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.household_id != g.household.id:
        abort(404)
    return proposal


@bp.get("/my/appointments/<int:appointment_id>.ics")
@household_required
def appointment_ics(appointment_id: int):  # type: ignore[no-untyped-def]
    appointment = _own_appointment(appointment_id)
    calendar = Calendar()
    calendar.add("prodid", "-//Guide du relogement//FR")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@guide-relogement")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", local(appointment.starts_at))
    event.add("duration", timedelta(minutes=appointment.duration_minutes))
    event.add("summary", _appointment_title(appointment.kind))
    if appointment.place:
        event.add("location", appointment.place)
    event.add("description", _("Rendez-vous pour votre relogement."))
    calendar.add_component(event)
    return Response(calendar.to_ical(), mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename=rendez-vous-{appointment.id}.ics"})


def _appointment_title(kind: str) -> str:
    return appointment_kind(kind)


@bp.post("/my/appointments/<int:appointment_id>/confirm")
@household_required
def confirm_appointment(appointment_id: int):  # type: ignore[no-untyped-def]
    appointment = _own_appointment(appointment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if appointments.confirm(g.household, appointment):
        db.session.commit()
    return redirect(url_for("household.home", _anchor="appointment"), code=303)


@bp.route("/my/appointments/<int:appointment_id>/change", methods=["GET", "POST"])
@household_required
def change_appointment(appointment_id: int):  # type: ignore[no-untyped-def]
    appointment = _own_appointment(appointment_id)
    form = ChangeRequestForm()
    if form.validate_on_submit():
        appointments.ask_change(g.household, appointment, form.note.data or "")
        db.session.commit()
        return redirect(url_for("household.home", changed=1, _anchor="appointment"), code=303)
    status = 422 if form.errors else 200
    return render_template("household/change_appointment.html", form=form, appointment=appointment), status


@bp.get("/my/proposals/<int:proposal_id>")
@household_required
def proposal(proposal_id: int):  # type: ignore[no-untyped-def]
    found = _own_proposal(proposal_id)
    view = standing(g.household, today())
    item = next(p for p in view.proposals if p.proposal.id == found.id)
    money = affordability(g.household, found, budget_of(g.household))
    verdict = None
    if money is not None:
        verdict = {"code": money.assessment.verdict.value, "words": verdict_words(money.assessment, True),
                   "reasons": [reason_words(r) for r in money.assessment.reasons],
                   "before": figures(money.before), "after": figures(money.after)}
    return render_template("household/proposal.html", household=g.household, item=item, view=view,
                           verdict=verdict)


from guide.household import after_move as _after_move  # noqa: E402, F401  (registers the after-move routes)
from guide.household import privacy as _privacy  # noqa: E402, F401  (registers /my/data)
from guide.household import requests as _requests  # noqa: E402, F401  (registers the written-request routes)

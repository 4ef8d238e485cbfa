"""The satisfaction survey in the household space (/my/survey), opened from the SMS invitation's personal link:
one question per page ("Question 3 sur 8"), then a page to check the answers before they are sent.

Answers in progress live in the signed session cookie (nothing in the database until the household sends them:
the stored answer is anonymous and written once); going back shows each answer already given."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from guide.core.auth import household_required
from guide.core.extensions import limiter
from guide.core.forms import ConfirmForm
from guide.core.i18n import negotiate_language
from guide.core.timeutil import today
from guide.features.survey import service
from guide.models import Household

bp = Blueprint("household", __name__)
IN_PROGRESS = "survey_answers"  # session key: question id -> option id, until sent


def _given() -> dict[str, str]:
    """The answers given so far, only valid ones (a stale or forged cookie value is dropped)."""
    kept = session.get(IN_PROGRESS) or {}
    options = dict(service.QUESTIONS)
    return {q: a for q, a in kept.items() if q in options and a in options[q]} if isinstance(kept, dict) else {}


@bp.get("/my/survey")
@household_required
def survey() -> ResponseReturnValue:
    """Where the SMS link leads: the survey's state (later, answered) or its introduction and a start button."""
    household: Household = g.household
    return render_template("household/survey.html", household=household,
                           words=service.survey_words(negotiate_language()),
                           state=service.survey_state(household, today()), total=len(service.QUESTIONS),
                           opens_on=service.survey_opens_on(household), done=request.args.get("done"))


@bp.route("/my/survey/<int:number>", methods=["GET", "POST"])
@household_required
@limiter.limit("60 per hour", methods=["POST"])
def question(number: int) -> ResponseReturnValue:
    """One question; "change" comes from the check page and leads back to it."""
    if not 1 <= number <= len(service.QUESTIONS):
        abort(404)
    if service.survey_state(g.household, today()) != "open":
        return redirect(url_for("survey.household.survey"), code=303)
    key, options = service.QUESTIONS[number - 1]
    change = request.values.get("change") == "1"
    given = _given()
    missing = False
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        answer = request.form.get(key, "")
        if answer in options:
            session[IN_PROGRESS] = {**given, key: answer}
            if change or number == len(service.QUESTIONS):
                return redirect(url_for("survey.household.check"), code=303)
            return redirect(url_for("survey.household.question", number=number + 1), code=303)
        missing = True
    back = (url_for("survey.household.check") if change else
            url_for("survey.household.question", number=number - 1) if number > 1 else
            url_for("survey.household.survey"))
    return render_template("household/survey_question.html", household=g.household,
                           words=service.survey_words(negotiate_language()), number=number,
                           total=len(service.QUESTIONS), key=key, options=options, chosen=given.get(key),
                           missing=missing, change=change, back=back), 422 if missing else 200


@bp.route("/my/survey/check", methods=["GET", "POST"])
@household_required
@limiter.limit("30 per hour", methods=["POST"])
def check() -> ResponseReturnValue:
    """Every answer with a link to change it, then one button sends them (one answer per household)."""
    household: Household = g.household
    if service.survey_state(household, today()) != "open":
        return redirect(url_for("survey.household.survey"), code=303)
    given = _given()
    answers, missing = service.validate_answers(given)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if not missing:
            service.submit_survey(household, answers, today())  # False: answered already, nothing stored
            session.pop(IN_PROGRESS, None)
            return redirect(url_for("survey.household.survey", done=1), code=303)
    numbers = {key: n for n, (key, _options) in enumerate(service.QUESTIONS, 1)}
    return render_template("household/survey_check.html", household=household,
                           words=service.survey_words(negotiate_language()), questions=service.QUESTIONS,
                           given=given, missing=missing, numbers=numbers,
                           tried=request.method == "POST"), 422 if request.method == "POST" else 200

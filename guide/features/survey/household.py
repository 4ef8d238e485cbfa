"""The satisfaction survey in the household space (/my/survey), opened from the SMS invitation's personal link."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from guide.core.auth import household_required
from guide.core.extensions import limiter
from guide.core.forms import ConfirmForm
from guide.core.i18n import negotiate_language
from guide.core.timeutil import today
from guide.features.survey import service
from guide.models import Household

bp = Blueprint("household", __name__)


@bp.route("/my/survey", methods=["GET", "POST"])
@household_required
@limiter.limit("30 per hour", methods=["POST"])
def survey() -> ResponseReturnValue:
    """The satisfaction survey, opened from the SMS invitation's personal link; one answer per household."""
    household: Household = g.household
    words = service.survey_words(negotiate_language())
    state = service.survey_state(household, today())
    form = ConfirmForm()
    given: dict[str, str] = {}
    missing: list[str] = []
    if request.method == "POST" and state == "open":
        if not form.validate_on_submit():
            abort(400)
        given, missing = service.validate_answers(request.form)
        if not missing:
            service.submit_survey(household, given, today())  # False: answered already, nothing stored
            return redirect(url_for("survey.household.survey", done=1), code=303)
    status = 422 if missing else 200
    return render_template("household/survey.html", household=household, words=words, state=state, form=form,
                           questions=service.QUESTIONS, given=given, missing=missing,
                           opens_on=service.survey_opens_on(household), done=request.args.get("done")), status

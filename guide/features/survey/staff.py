"""The satisfaction survey's results for staff (admins and the mediation group): anonymous counts, groups under
5 answers hidden, and their CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Blueprint, Response, g, render_template
from flask.typing import ResponseReturnValue

from guide.core import audit
from guide.core.auth import staff_may
from guide.core.permissions import SEE_SURVEY
from guide.features.survey import service

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/survey")
@staff_may(SEE_SURVEY)  # the MEL runs and analyses the survey (§4 step 14)
def survey_results() -> ResponseReturnValue:
    results = service.survey_results()
    audit.record("staff", g.staff.id, "read_survey_results")
    return render_template("staff/survey.html", results=results, words=service.survey_words("fr"),
                           options=dict(service.QUESTIONS), min_group=service.MIN_GROUP)


@bp.get("/survey.csv")
@staff_may(SEE_SURVEY)
def survey_export() -> ResponseReturnValue:
    """Counts only (question, option, count) and groups of 5 or more: no answer row, no identifier, no date."""
    results = service.survey_results()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["section", "groupe", "question", "reponse", "nombre", "pourcentage"])
    writer.writerow(["total", "", "", "", results.answers if results.shown else f"< {service.MIN_GROUP}", ""])
    if results.shown:
        for question in results.questions:
            for option in dict(service.QUESTIONS)[question.question]:
                count = question.counts.get(option, 0)
                writer.writerow(["question", "", question.question, option, count,
                                 _percent(count, question.total)])
        writer.writerow(["taux", "", "overall", "satisfied", "", results.satisfaction_rate])
        writer.writerow(["taux", "", "first_choice", "yes", "", results.first_choice_rate])
        for group in results.groups:
            writer.writerow(["groupe", group.name, "overall", "satisfied", group.answers, group.satisfaction_rate])
    audit.record("staff", g.staff.id, "export_survey_results")
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=enquete-satisfaction.csv"})


def _percent(part: int, whole: int) -> Decimal | str:
    return "" if whole == 0 else (Decimal(part * 100) / whole).quantize(Decimal("1"))

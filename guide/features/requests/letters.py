"""Printable letters for written requests: French for the recipients, with the household's language copy beside.

The same HTML is served as a page (print it from the phone) and turned into a PDF by WeasyPrint.
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import force_locale

from guide.core.i18n import language
from guide.core.labels import MOTIVE_LABELS
from guide.core.pdf import html_to_pdf, letter_stylesheet
from guide.features.requests import pdf_store
from guide.models import Household, WrittenRequest
from guide.rules import deadlines


def _copies(sent: WrittenRequest, household: Household) -> list[str]:
    """The letter body in French, then in the household's language when it is another one."""
    languages = ["fr"] + ([household.language] if household.language != "fr" else [])
    answer_by = None
    if sent.proposal is not None and sent.proposal.visit_on is not None:
        answer_by = deadlines.decision_deadline(sent.proposal.visit_on)
    bodies = []
    for index, code in enumerate(languages):
        with force_locale(code):
            bodies.append(render_template("letters/_body.html", sent=sent, household=household, copy=index > 0,
                                          letter_language=language(code), answer_by=answer_by,
                                          motive_labels={k: str(v) for k, v in MOTIVE_LABELS.items()}))
    return bodies


def render_letter(sent: WrittenRequest, household: Household, for_pdf: bool = False) -> str:
    return render_template("letters/letter.html", sent=sent, bodies=_copies(sent, household), for_pdf=for_pdf,
                           pdf_url=None if for_pdf else request.path + ".pdf")


def letter_html(sent: WrittenRequest, household: Household) -> str:
    return render_letter(sent, household)


def letter_pdf(sent: WrittenRequest, household: Household) -> bytes:
    return html_to_pdf(render_letter(sent, household, for_pdf=True),
                       stylesheets=[letter_stylesheet()])





def letter_pdf_response(sent: WrittenRequest, household: Household) -> Response:
    """The letter's PDF as a download, made once and then served as stored while the letter is the same
    (pdf_store.py), with its fingerprint as ETag: a browser asking again with it gets a 304."""
    stored = pdf_store.letter_pdf(sent, render_letter(sent, household, for_pdf=True),
                                  lambda html: html_to_pdf(html, stylesheets=[letter_stylesheet()]))
    response = Response(stored.pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f"attachment; filename={sent.reference}.pdf",
                                 "Cache-Control": "private, no-cache"})
    response.set_etag(stored.etag)
    response.make_conditional(request)  # a 304 when the browser already holds this PDF
    return response

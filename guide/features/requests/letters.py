"""Printable letters for written requests: French for the recipients, with the household's language copy beside.

The same HTML is served as a page (print it from the phone) and turned into a PDF by WeasyPrint. The photos a
household attached follow the French letter, one per block with its caption: on a page they are loaded from the
audience's own photo route (`photo_url`), in the PDF they are embedded from the stored bytes (data: URIs, which
the PDF's URL fetcher allows: nothing is fetched over HTTP).
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable

from babel.units import format_unit
from flask import Response, current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale
from sqlalchemy import inspect as sa_inspect

from guide.core.i18n import language
from guide.core.labels import MOTIVE_LABELS
from guide.core.pdf import html_to_pdf, letter_stylesheet
from guide.features.requests import pdf_store
from guide.models import Household, RequestPhoto, WrittenRequest
from guide.rules import deadlines

PhotoUrl = Callable[[WrittenRequest, RequestPhoto], str]


def household_photo_url(sent: WrittenRequest, photo: RequestPhoto) -> str:
    """A photo on the household's own letter page (their receipt's photo route)."""
    return url_for("requests.household.request_photo", reference=sent.reference, photo_id=photo.id)


def embedded_photo(sent: WrittenRequest, photo: RequestPhoto) -> str:
    """A photo inside the PDF: its stored bytes as a data: URI."""
    return f"data:{photo.content_type};base64,{base64.b64encode(photo.data).decode('ascii')}"


def _copies(sent: WrittenRequest, household: Household, level: int = 1) -> list[str]:
    """The letter body in French, then in the household's language when it is another one; `level` is the heading
    level of each copy's subject (2 inside a page that has its own title)."""
    languages = ["fr"] + ([household.language] if household.language != "fr" else [])
    sent.additions, sent.photos, sent.proposal  # noqa: B018  # loaded here: templates read no database
    answer_by = None
    if sent.proposal is not None and sent.proposal.visit_on is not None:
        answer_by = deadlines.decision_deadline(sent.proposal.visit_on)
    bodies = []
    for index, code in enumerate(languages):
        with force_locale(code):
            bodies.append(render_template("letters/_body.html", sent=sent, household=household, copy=index > 0,
                                          level=level, letter_language=language(code), answer_by=answer_by,
                                          motive_labels={k: str(v) for k, v in MOTIVE_LABELS.items()}))
    return bodies


def _photos(sent: WrittenRequest, photo_url: PhotoUrl, level: int = 1) -> str:
    """The attached photos, in French like the letter they belong to ("" without photos)."""
    if not sent.photos:
        return ""
    with force_locale("fr"):
        return render_template("letters/_photos.html", sent=sent, level=level,
                               photos=[(photo, photo_url(sent, photo)) for photo in sent.photos])


def _parts(sent: WrittenRequest, household: Household, photo_url: PhotoUrl, level: int = 1) -> list[str]:
    """The French letter, its photos, then the copy in the household's language."""
    bodies = _copies(sent, household, level)
    return [bodies[0], _photos(sent, photo_url, level), *bodies[1:]]


def render_letter(sent: WrittenRequest, household: Household, for_pdf: bool = False,
                  photo_url: PhotoUrl | None = None) -> str:
    photos = embedded_photo if for_pdf else (photo_url or household_photo_url)
    return render_template("letters/letter.html", sent=sent, bodies=_parts(sent, household, photos),
                           for_pdf=for_pdf, pdf_url=None if for_pdf else request.path + ".pdf")


def letter_html(sent: WrittenRequest, household: Household) -> str:
    return render_letter(sent, household)


def letter_pdf(sent: WrittenRequest, household: Household) -> bytes:
    return html_to_pdf(render_letter(sent, household, for_pdf=True),
                       stylesheets=[letter_stylesheet()])


def file_size(size: int) -> str:
    """A file's size for a link, in kilobytes in the reader's language ("84 ko", "84 kB")."""
    return format_unit(max(1, math.ceil(size / 1000)), "digital-kilobyte", length="short",
                       locale=str(get_locale() or "fr"))


def staff_letter_html(sent: WrittenRequest, household: Household, photo_url: PhotoUrl, pdf_url: str, pdf_size: int,
                      back_url: str, back_label: str) -> str:
    """The letter inside the staff pages: their header, a way back, printing, and the PDF with its size."""
    return render_template("letters/staff_letter.html", sent=sent, household=household,
                           bodies=_parts(sent, household, photo_url, level=2), pdf_url=pdf_url,
                           pdf_size=file_size(pdf_size), back_url=back_url, back_label=back_label)


def letter_inputs(sent: WrittenRequest, household: Household) -> str | None:
    """A digest of every row the letter is drawn from (the request, its additions and photos, the proposal, the
    household, its officer and operation: each column's value), so a stored PDF is known to be current without
    drawing the letter again (pdf_store.py). None while templates reload from disk (development): a template edited
    there changes the letter with no row changing."""
    if current_app.jinja_env.auto_reload:
        return None
    digest = hashlib.sha256()
    for row in (sent, *sent.additions, *sent.photos, sent.proposal, household, household.officer,
                household.operation):
        if row is None:
            continue
        digest.update(type(row).__name__.encode())
        for column in sa_inspect(row).mapper.column_attrs:
            value = getattr(row, column.key)
            if isinstance(value, bytes):  # a photo: its length, then its bytes
                digest.update(f"{len(value)}:".encode())
                digest.update(value)
            else:
                digest.update(repr(value).encode() + b"\x1f")
    return digest.hexdigest()


def stored_letter_pdf(sent: WrittenRequest, household: Household) -> pdf_store.StoredPdf:
    """The letter's PDF, made once and stored while the letter stays the same (pdf_store.py)."""
    return pdf_store.letter_pdf(sent, lambda: render_letter(sent, household, for_pdf=True),
                                lambda html: html_to_pdf(html, stylesheets=[letter_stylesheet()]),
                                inputs=letter_inputs(sent, household))


def letter_pdf_response(sent: WrittenRequest, household: Household) -> Response:
    """The letter's PDF as a download, made once and then served as stored while the letter is the same
    (pdf_store.py), with its fingerprint as ETag: a browser asking again with it gets a 304."""
    stored = stored_letter_pdf(sent, household)
    response = Response(stored.pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f"attachment; filename={sent.reference}.pdf",
                                 "Cache-Control": "private, no-cache"})
    response.set_etag(stored.etag)
    response.make_conditional(request)  # a 304 when the browser already holds this PDF
    return response

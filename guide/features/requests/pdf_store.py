"""Letter PDFs made once and stored: WeasyPrint takes most of a second, a stored PDF is read in a millisecond.

The letter's HTML is still rendered on every view (a few milliseconds): its SHA-256, with the letter stylesheet's,
is the PDF's fingerprint and ETag. A stored PDF is served only when its fingerprint is the one just computed, so a
letter whose content changed (an addition appended to the request, a household's name or officer changed, a new
translation or stylesheet deployed) is made again and the stored copy replaced; an unchanged letter is never
rendered twice. How the PDF is made stays in letters.py (`letter_pdf_from_html` there, through core/pdf.py).

Rendering the HTML was half of a stored view's work, so a later view skips it: the caller hands in a digest of
everything the letter is made of (its rows, `letters.letter_inputs`), and this process remembers which fingerprint
the HTML had for that digest. The same rows in the same process (the same templates, catalogues and stylesheet)
give the same HTML; a row that changed gives another digest, and the HTML is rendered again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from guide.core.extensions import db
from guide.core.pdf import letter_stylesheet
from guide.core.transaction import atomic
from guide.models import LetterPdf, WrittenRequest


@dataclass(frozen=True)
class StoredPdf:
    pdf: bytes
    etag: str  # the fingerprint: the same letter, the same tag
    rendered: bool  # made during this call (False: served as stored)


@cache
def _stylesheet_digest() -> bytes:
    return hashlib.sha256(letter_stylesheet().read_bytes()).digest()


def fingerprint(html: str) -> str:
    return hashlib.sha256(_stylesheet_digest() + html.encode()).hexdigest()


def stored_fingerprint(sent: WrittenRequest) -> str | None:
    return db.session.scalar(select(LetterPdf.fingerprint).where(LetterPdf.request_id == sent.id))


KNOWN_AT_MOST = 10_000  # fingerprints remembered per app and process (about 1 MB)


def _known_fingerprints() -> dict[str, str]:
    """Digest of a letter's inputs -> fingerprint of its HTML, learnt by this app in this process (a deploy, new
    templates or catalogues, starts afresh; so does an app with another configuration)."""
    known: dict[str, str] = current_app.extensions.setdefault("letter_fingerprints", {})
    return known


def letter_pdf(sent: WrittenRequest, render: Callable[[], str], make: Callable[[str], bytes],
               inputs: str | None = None) -> StoredPdf:
    """The PDF of the letter `render()` draws: the stored one when it was made from the same HTML, else
    `make(html)`, stored for the next views. `inputs`: a digest of what the letter is made of; when this process has
    seen it before, the HTML's fingerprint is known and nothing is rendered to serve the stored PDF."""
    found = db.session.execute(select(LetterPdf.fingerprint, LetterPdf.pdf)
                               .where(LetterPdf.request_id == sent.id)).first()
    remembered = _known_fingerprints()
    known = remembered.get(inputs) if inputs else None
    if found is not None and known is not None and known == found.fingerprint:
        return StoredPdf(found.pdf, known, rendered=False)
    html = render()
    tag = fingerprint(html)
    if inputs:
        if len(remembered) >= KNOWN_AT_MOST:
            remembered.clear()
        remembered[inputs] = tag
    if found is not None and found.fingerprint == tag:
        return StoredPdf(found.pdf, tag, rendered=False)
    pdf = make(html)
    store(sent.id, tag, pdf)
    return StoredPdf(pdf, tag, rendered=True)


@atomic
def store(request_id: int, tag: str, pdf: bytes) -> None:
    """Keep (or replace) a request's PDF; two first views at once both write it, the last one stays."""
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(LetterPdf).values(request_id=request_id, fingerprint=tag, pdf=pdf)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[LetterPdf.request_id],
        set_={"fingerprint": statement.excluded.fingerprint, "pdf": statement.excluded.pdf,
              "created_at": statement.excluded.created_at}))

"""Letter PDFs made once and stored: WeasyPrint takes most of a second, a stored PDF is read in a millisecond.

The letter's HTML is still rendered on every view (a few milliseconds): its SHA-256, with the letter stylesheet's,
is the PDF's fingerprint and ETag. A stored PDF is served only when its fingerprint is the one just computed, so a
letter whose content changed (an addition appended to the request, a household's name or officer changed, a new
translation or stylesheet deployed) is made again and the stored copy replaced; an unchanged letter is never
rendered twice. How the PDF is made stays in letters.py (`letter_pdf_from_html` there, through core/pdf.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

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


def letter_pdf(sent: WrittenRequest, html: str, make: Callable[[str], bytes]) -> StoredPdf:
    """The PDF of this letter's `html`: the stored one when it was made from the same HTML, else `make(html)`,
    stored for the next views."""
    tag = fingerprint(html)
    found = db.session.execute(select(LetterPdf.fingerprint, LetterPdf.pdf)
                               .where(LetterPdf.request_id == sent.id)).first()
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

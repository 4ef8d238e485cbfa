"""The public guide's one write: a reader's "was this page useful?" (anonymous: the page, the language, yes or no)."""

from __future__ import annotations

from guide.core.extensions import db
from guide.core.transaction import atomic
from guide.models import PageFeedback


@atomic
def record_feedback(page: str, lang: str, useful: bool) -> PageFeedback:
    feedback = PageFeedback(page=page, lang=lang, useful=useful)
    db.session.add(feedback)
    return feedback

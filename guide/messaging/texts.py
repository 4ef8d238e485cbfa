"""SMS texts as data (content/<lang>/sms.yaml), filled with values and prepared for sending (GSM-7 or UCS-2)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from guide.core.content import content_root, words
from guide.messaging.encoding import SegmentCount, prepare

KINDS = ("sign_in_code", "request_receipt", "appointment_day_before", "appointment_soon", "answer_3_days",
         "answer_1_day", "answer_office_closed", "documents_due", "courtesy_visit", "survey", "stopped",
         # answers to an SMS the household sent (guide/features/sms_replies/service.py)
         "reply_confirmed", "reply_change_asked", "reply_no_appointment", "reply_appointment", "reply_standing",
         "reply_todo_answer", "reply_todo_confirm", "reply_todo_documents", "reply_todo_none", "reply_plan_next",
         "reply_plan_count", "reply_help",
         "help_one_way", "reply_ack", "reply_unknown", "reply_language_menu", "reply_language_done",
         "reply_mediation_empty", "reply_choose", "reply_stopped_words",
         # the guided questions by SMS: pieces of longer messages (capped at FLOW_MAX_SEGMENTS once assembled)
         "guide_menu", "flow_date", "flow_back", "flow_retry", "flow_step_long", "flow_result")
# a menu naming every language in its own script: sent as UCS-2 whatever the household's language
MULTILINGUAL_KINDS = frozenset({"reply_language_menu"})
FLOW_KINDS = frozenset({"guide_menu", "flow_date", "flow_back", "flow_retry", "flow_step_long", "flow_result"})
FLOW_MAX_SEGMENTS = 4  # a guided question by SMS; longer ones send the link to the question instead


def texts(lang: str, root: Path | None = None) -> dict[str, str]:
    """The SMS texts of one language (content/<lang>/sms.yaml; French fills a missing file, the tests forbid gaps)."""
    return _texts(root or content_root(), lang)


@lru_cache(maxsize=32)
def _texts(root: Path, lang: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in words(lang, "sms", root).items()}


def fill(kind: str, lang: str, **values: str) -> str:
    """The text with its values, before transliteration (the outbox prepares it)."""
    template = texts(lang).get(kind) or texts("fr")[kind]
    return template.format(**values)


def render(kind: str, lang: str, **values: str) -> tuple[str, SegmentCount]:
    """The text to send, and its encoding and segment count."""
    return prepare(fill(kind, lang, **values), MULTILINGUAL if kind in MULTILINGUAL_KINDS else lang)


MULTILINGUAL = "mul"  # ISO 639-2 "multiple languages": not transliterated (it may hold Arabic script)


def help_kind(two_way: bool) -> str:
    """The help text for the deployment: replies understood (a number) or not (an alphanumeric sender)."""
    return "reply_help" if two_way else "help_one_way"

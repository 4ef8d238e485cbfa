"""SMS texts as data (content/<lang>/sms.yaml), filled with values and prepared for sending (GSM-7 or UCS-2)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from guide.content import CONTENT_DIR
from guide.sms.encoding import SegmentCount, prepare

KINDS = ("sign_in_code", "request_receipt", "appointment_day_before", "appointment_soon", "answer_3_days",
         "answer_1_day", "documents_due", "courtesy_visit", "survey", "help", "stopped")


@lru_cache(maxsize=16)
def texts(lang: str, root: Path = CONTENT_DIR) -> dict[str, str]:
    """The SMS texts of one language (French fills a missing file; the tests forbid gaps)."""
    path = root / lang / "sms.yaml"
    if not path.exists():
        path = root / "fr" / "sms.yaml"
    with path.open(encoding="utf-8") as handle:
        return {str(k): str(v) for k, v in (yaml.safe_load(handle) or {}).items()}


def render(kind: str, lang: str, **values: str) -> tuple[str, SegmentCount]:
    """The text to send, and its encoding and segment count."""
    template = texts(lang).get(kind) or texts("fr")[kind]
    return prepare(template.format(**values), lang)

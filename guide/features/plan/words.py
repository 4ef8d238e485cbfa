"""The plan's words (content/<lang>/plan.yaml): brake categories, trip purposes and modes, frequencies,
attachments, and the suggested actions of each brake category, in the reader's language (French fills gaps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guide.core import content
from guide.core.i18n import SOURCE_LANGUAGE
from guide.models import PlanItem


def words(lang: str) -> dict[str, Any]:
    """The plan's words in one language: categories, trip purposes and modes, suggested actions (French fills gaps)."""
    return content.words(lang, "plan")


def choices(lang: str, table: str) -> list[tuple[str, str]]:
    """(code, label) pairs of one table of plan.yaml (brakes, purposes, modes, frequencies, attachments)."""
    found = words(lang).get(table) or words(SOURCE_LANGUAGE)[table]
    return [(code, entry["label"] if isinstance(entry, dict) else str(entry)) for code, entry in found.items()]


def label(lang: str, table: str, code: str | None) -> str:
    return dict(choices(lang, table)).get(code or "", code or "")


@dataclass(frozen=True)
class Suggestion:
    key: str  # language-neutral, e.g. "money-1"
    brake: str  # category code
    who: str
    what: str  # in the reader's language


def suggestion(lang: str, key: str) -> Suggestion | None:
    category = key.rsplit("-", 1)[0]
    entry = (words(lang).get("brakes") or {}).get(category) or words(SOURCE_LANGUAGE)["brakes"].get(category)
    for item in (entry or {}).get("suggestions", []):
        if item["key"] == key:
            return Suggestion(item["key"], category, item["who"], item["what"])
    return None


def action_text(item: PlanItem, lang: str) -> str:
    """An action's "what": the words typed, or, for an accepted suggestion not yet adapted, its text in `lang`."""
    typed = (item.data or {}).get("what") or ""
    if typed.strip():
        return typed
    key = (item.data or {}).get("suggestion")
    found = suggestion(lang, key) if key else None
    return found.what if found else ""

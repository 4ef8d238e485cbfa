"""How plan items read on a page, in the reader's language; the household's own words are shown as written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_currency
from flask_babel import gettext as _
from wtforms import DecimalField, Field, SelectFieldBase

from guide.core.templating import date_full, names
from guide.features.plan import service
from guide.features.plan import words as plan_words
from guide.features.plan.forms import OWN_WORDS, STATUS_LABELS, WHO_LABELS
from guide.models import PlanChange, PlanItem


def brake_title(item: PlanItem, lang: str) -> str:
    data = item.data or {}
    category = data.get("category")
    if category and category != OWN_WORDS:
        return plan_words.label(lang, "brakes", category)
    return data.get("words") or _("Autre chose")


def who(data: dict[str, Any]) -> str:
    words = str(WHO_LABELS.get(data.get("who", ""), data.get("who", "")))
    return f"{words} – {data['who_name']}" if data.get("who_name") else words


def when(data: dict[str, Any]) -> str:
    if data.get("when_date"):
        try:
            return date_full(date.fromisoformat(data["when_date"]))
        except ValueError:
            return data["when_date"]
    monday = service.week_monday(data.get("when_week"))
    if monday:
        return _("la semaine du %(date)s", date=date_full(monday))
    return _("pas encore de date")


def status(data: dict[str, Any]) -> str:
    return str(STATUS_LABELS.get(data.get("status", "todo"), data.get("status", "")))


def what(item: PlanItem, lang: str) -> str:
    return plan_words.action_text(item, lang)


def label(lang: str, table: str, code: str | None) -> str:
    return plan_words.label(lang, table, code)


def labels(lang: str, table: str, codes: list[str] | None) -> str:
    return names((plan_words.label(lang, table, c) for c in codes or []), lang)


def value(field: Field, raw: Any) -> str:
    """A stored value as words for the comparison screen and the history (choices by their label)."""
    if raw in (None, "", []):
        return "–"
    if isinstance(field, SelectFieldBase) and getattr(field, "choices", None):
        # WTForms 3.3 yields SelectChoice objects, which types-WTForms 3.2 does not know yet (it says tuples)
        choices = {str(choice.value): str(choice.label) for choice in field.iter_choices()}  # type: ignore[attr-defined]
        if isinstance(raw, list):
            return names(choices.get(str(r), str(r)) for r in raw)
        return choices.get(str(raw), str(raw))
    if isinstance(field, DecimalField):  # amounts: "2 300,00 €" in French, not "2300.00"
        try:
            return str(format_currency(Decimal(str(raw)), "EUR"))
        except InvalidOperation:
            return str(raw)
    if field.type == "DateField":
        try:
            return date_full(date.fromisoformat(str(raw)))
        except ValueError:
            return str(raw)
    return str(raw)


def changed_fields(change: PlanChange, fields: list[Field]) -> list[tuple[str, str, str]]:
    """(label, before, after) for each field a change touched; a move shows the new place."""
    before = ((change.before or {}).get("data")) or {}
    after = (change.after or {}).get("data") or {}
    rows = [(str(f.label.text), value(f, before.get(f.short_name)), value(f, after.get(f.short_name)))
            for f in fields if f.type != "HiddenField" and before.get(f.short_name) != after.get(f.short_name)]
    if change.action == "move":
        rows.append((_("Place"), str((change.before or {}).get("rank", "")), str(change.after.get("rank", ""))))
    return rows


def actor(change: PlanChange, names: dict[int, str], side: str) -> str:
    if change.actor_kind == "household":
        return _("vous") if side == "household" else _("le ménage")
    return names.get(change.actor_id or 0, _("un agent"))


def iso_date(raw: str | None) -> str:
    """A stored ISO date in words ("lundi 30 novembre 2026"), in the reader's language."""
    try:
        return date_full(date.fromisoformat(raw)) if raw else ""
    except ValueError:
        return str(raw)


def upper_first(text: str) -> str:
    """"le ménage" → "Le ménage"; a name keeps its capitals ("Samir Haddad")."""
    return text[:1].upper() + text[1:]


def title(item: PlanItem, lang: str) -> str:
    """An item in a few words, to name it in a notice or a list: an action's "what", a brake, a place."""
    data = item.data or {}
    if item.kind == "action":
        return what(item, lang)
    if item.kind == "brake":
        return brake_title(item, lang)
    if item.kind == "attachment":
        return data.get("words") or plan_words.label(lang, "attachments", data.get("category"))
    if item.kind == "trip":
        purpose = plan_words.label(lang, "purposes", data.get("purpose"))
        return f"{purpose} – {data['place']}" if data.get("place") else purpose
    return str(data.get("place") or "")

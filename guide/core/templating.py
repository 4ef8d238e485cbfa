"""Jinja filters and globals shared by every audience: dates, lists of names and amounts' examples in the
reader's language, phone numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from babel.lists import format_list
from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_time, get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from guide.core import phones
from guide.core.forms import amount_example
from guide.core.timeutil import as_utc, local


def date_full(value: date | datetime | None) -> str:
    """"lundi 30 novembre 2026", in the page's language."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    formatted: str = format_date(value, format="full")
    return formatted


def date_short(value: date | None) -> str:
    return "" if value is None else format_date(value, format="short")


def time_short(value: datetime | None) -> str:
    """"14:30" in Paris time (Flask-Babel converts to the configured zone)."""
    return "" if value is None else format_time(as_utc(value), format="short")


def datetime_full(value: datetime | None) -> str:
    return "" if value is None else format_datetime(as_utc(value), format="full")


def _escaped(context: Context, text: str, variables: dict[str, Any]) -> str:
    """As Jinja's own newstyle gettext: Markup when autoescaping, always formatted with the variables."""
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


def page_gettext() -> dict[str, Callable[..., str]]:
    """`_`, `gettext` and `ngettext` for one render, bound to the catalogue of the moment it starts.

    Flask-Babel's template callables look the catalogue up again at every string (request context, g, its
    domain's cache: a page of 50 strings paid 50 look-ups). A template renders in one language, so these look it
    up once; they behave as Jinja's newstyle gettext (autoescaped Markup, `%(name)s` variables, `num`). A
    rendering inside `force_locale` starts inside it and so takes the forced catalogue. Macros imported without
    context keep Flask-Babel's globals (same strings, the slower way)."""
    translations = get_translations()

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        return _escaped(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return _escaped(context, translations.ungettext(singular, plural, num), variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def names(values: Iterable[object], locale: str | None = None) -> str:
    """Names joined for reading, in the page's language (or `locale`): "a, b et c" in French, "a, b, and c" in
    English, "a وb وc" in Arabic (Babel's lists, from the CLDR), never a Latin ", " in every language."""
    return str(format_list([str(value) for value in values], locale=locale or str(get_locale() or "fr")))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(date_full=date_full, date_short=date_short, time_short=time_short,
                                 datetime_full=datetime_full, phone=phones.display, names=names)
    app.jinja_env.globals.update(format_currency=format_currency, amount_example=amount_example)
    app.context_processor(page_gettext)

"""WTForms' own messages ("This field is required.", "Invalid email address."...) in the reader's language, read
from disk once per language and process.

Flask-WTF translates them (WTF_I18N_ENABLED, on) through `flask_wtf.i18n`, which loads WTForms' catalogue again for
every request that builds a form and keeps it on `request.wtforms_translations` for that request only. The app's
request class answers that attribute from a per-language cache instead: the same translations, read once.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from babel import support
from flask import Request as FlaskRequest
from flask_babel import get_locale
from wtforms.i18n import messages_path


@lru_cache(maxsize=32)
def wtforms_translations(locale: str) -> support.NullTranslations:
    """WTForms' catalogue for one language (NullTranslations when WTForms has none for it)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Request(FlaskRequest):
    """Flask's request, with WTForms' translations for the request's language taken from the cache."""

    @cached_property
    def wtforms_translations(self) -> support.NullTranslations:
        return wtforms_translations(str(get_locale() or "fr"))

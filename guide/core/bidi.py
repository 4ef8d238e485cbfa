"""Mixed directions and mixed languages in one page.

In an Arabic page, "12 rue des Tilleuls, Lille" printed as it is shows as "rue des Tilleuls, Lille 12": the
number joins the right-to-left text around it. Every value that comes from data (addresses, names, references,
phone numbers, amounts, dates with digits) is printed inside `<bdi>`, which isolates it: it keeps its own order
whatever the page's direction (`bdi` filter; `money` for amounts). French passages inside another language (the
French words a translation quotes in brackets, the French original of a glossary expansion) carry `lang="fr"` so
read-aloud and screen readers switch voice (`mark_french`, `glossary_name`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from flask import Flask, current_app
from flask_babel import format_currency, get_locale
from markupsafe import Markup, escape

from guide.core.i18n import SOURCE_LANGUAGE, is_latin


def bdi(value: object) -> Markup:
    """The value isolated from the text around it (escaped; None and "" give nothing)."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>{}</bdi>").format(value if isinstance(value, Markup) else escape(str(value)))


def money(value: Decimal | float | int | str | None, currency: str = "EUR") -> Markup:
    """An amount in the page's language ("2 300,00 €" in French, not "2300.00 €"), isolated; None gives "–".
    A stored string ("2300.00") is read as a number; one that is not a number is shown as it is."""
    if value is None or value == "":
        return Markup("–")
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return bdi(value)
    return bdi(format_currency(value, currency))


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]")
_BRACKETS = re.compile(r"\(([^()<>]+)\)")
_TAG = re.compile(r"(<[^>]+>)")


_QUOTED = re.compile(r"\([^()]*\)|“[^”]*”|«[^»]*»|\"[^\"]*\"")


def words_of(texts: Iterable[str], unquoted: bool = False) -> frozenset[str]:
    """The lower-case words of some texts (the vocabularies `mark_french` compares brackets with); `unquoted`
    leaves out what is in brackets or quotes (where a translation quotes French words)."""
    return frozenset(word.casefold() for text in texts
                     for word in _WORD.findall(_QUOTED.sub(" ", text) if unquoted else text))


def is_french(passage: str, lang: str, french: frozenset[str], own: frozenset[str]) -> bool:
    """Whether a passage quoted in brackets in a `lang` text is French: in a language not written in Latin
    letters, any passage with Latin letters; in a Latin-script language, a passage whose words are all French
    words and one at least not a word of the language itself ("(congé)" in English, not "(the MEL charter)")."""
    words = [w.casefold() for w in _WORD.findall(passage)]
    if not words or not _LATIN_LETTER.search(passage):
        return False
    if not is_latin(lang):
        return True
    return all(w in french for w in words) and any(w not in own for w in words)


def mark_french(html: str, lang: str, french: frozenset[str], own: frozenset[str]) -> str:
    """HTML whose French passages in brackets are marked `lang="fr"` (text between tags only). In a
    right-to-left language the brackets go inside a left-to-right isolate, so they are not mirrored apart."""
    if lang == SOURCE_LANGUAGE:
        return html
    rtl = not is_latin(lang)

    def replace(match: re.Match[str]) -> str:
        if not is_french(match.group(1), lang, french, own):
            return match.group(0)
        if rtl:
            return f'<bdi lang="fr" dir="ltr">{match.group(0)}</bdi>'
        return f'(<span lang="fr">{match.group(1)}</span>)'

    pieces = _TAG.split(html)
    return "".join(piece if piece.startswith("<") else _BRACKETS.sub(replace, piece) for piece in pieces)


_ORIGINAL = re.compile(r"^(?P<own>.*?)\s*\((?P<original>[^()]+)\)\s*$", re.DOTALL)


def glossary_name(name: str) -> tuple[str, str]:
    """A glossary expansion split into the reader's words and the French original the translation quotes in
    brackets: "New urban renewal programme (Nouveau programme ...)" → ("New urban renewal programme",
    "Nouveau programme ..."); a French expansion, or one without brackets, is all the reader's words."""
    match = _ORIGINAL.match(name)
    if not match or not match.group("own"):
        return name, ""
    return match.group("own"), match.group("original")


def french(text: str) -> Markup:
    """A translated interface string with its French passages in brackets marked (the footer's "(Charte
    métropolitaine de relogement)" in Arabic)."""
    locale = get_locale()
    lang = locale.language if locale is not None else SOURCE_LANGUAGE
    store = current_app.extensions["content"]
    return Markup(mark_french(str(escape(text)), lang, store.french_words, store.words_for(lang)))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(bdi=bdi, money=money, french=french, glossary_name=glossary_name)

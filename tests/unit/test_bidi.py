"""The bidi helpers: values isolated, French passages marked, glossary expansions split."""

from __future__ import annotations

from decimal import Decimal

import pytest
from markupsafe import Markup

from guide.core.bidi import bdi, glossary_name, is_french, mark_french, money, words_of

FRENCH = words_of(["Le congé est donné. Le reste à charge. La Charte métropolitaine de relogement."])
ENGLISH = words_of(["The notice to leave (“congé”) comes with the charter (the MEL charter). The rest to pay."],
                   unquoted=True)


def test_a_value_is_escaped_and_isolated() -> None:
    assert bdi("12 rue des Tilleuls, Lille") == Markup("<bdi>12 rue des Tilleuls, Lille</bdi>")
    assert bdi("<script>") == Markup("<bdi>&lt;script&gt;</bdi>"), "a value must be escaped inside its isolate"
    assert bdi(Markup("<b>x</b>")) == Markup("<bdi><b>x</b></bdi>"), "safe markup is kept as it is"
    assert bdi(None) == "" and bdi("") == "", "nothing to print gives no empty <bdi>"
    assert bdi(42) == Markup("<bdi>42</bdi>")


def test_an_amount_is_formatted_in_the_page_language_and_isolated(app) -> None:
    with app.test_request_context("/?lang=fr"):
        assert money(Decimal("2300")) == Markup("<bdi>2\u202f300,00\xa0€</bdi>")
        assert money(None) == "–"


def test_an_interpolated_value_stays_isolated_in_a_translated_sentence(app) -> None:
    template = app.jinja_env.from_string('{{ _("Bonjour %(name)s.", name=who|bdi) }}')
    with app.test_request_context("/?lang=ar"):
        assert "<bdi>Jean &amp; Marie</bdi>" in template.render(who="Jean & Marie")


@pytest.mark.parametrize(("passage", "lang", "french"), [
    ("congé", "en", True),                           # a French word an English text quotes
    ("the MEL charter", "en", False),                # English words in brackets
    ("reste à charge", "pt", True),
    ("6 months", "en", False),
    ("/pages/refusing", "en", False),                # a link, no word
    ("Charte métropolitaine de relogement", "ar", True),  # in Arabic, Latin letters are French
    ("٣ أشهر", "ar", False),
])
def test_french_passages_are_told_from_the_languages_own_words(passage: str, lang: str, french: bool) -> None:
    assert is_french(passage, lang, FRENCH, ENGLISH) is french, passage


def test_french_passages_are_marked_in_text_only() -> None:
    html = '<p>The notice (congé) <abbr title="x (congé)">y</abbr> (the MEL charter).</p>'
    marked = mark_french(html, "en", FRENCH, ENGLISH)
    assert marked == ('<p>The notice (<span lang="fr">congé</span>) <abbr title="x (congé)">y</abbr> '
                      "(the MEL charter).</p>"), "attributes must stay untouched, English brackets unmarked"
    rtl = mark_french("<p>ميثاق (Charte métropolitaine de relogement).</p>", "ar", FRENCH, frozenset())
    assert '<bdi lang="fr" dir="ltr">(Charte métropolitaine de relogement)</bdi>' in rtl, (
        "in Arabic the brackets belong inside the left-to-right isolate")
    assert mark_french("<p>Le (congé)</p>", "fr", FRENCH, FRENCH) == "<p>Le (congé)</p>", "French is not marked"


def test_a_glossary_expansion_is_split_from_its_french_original() -> None:
    assert glossary_name("New urban renewal programme (Nouveau programme de renouvellement urbain)") == (
        "New urban renewal programme", "Nouveau programme de renouvellement urbain")
    assert glossary_name("Métropole européenne de Lille") == ("Métropole européenne de Lille", "")
    assert glossary_name("(seulement)") == ("(seulement)", ""), "brackets alone are the reader's words"

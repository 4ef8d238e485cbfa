"""Every SMS text exists in every language, keeps the French placeholders, and fits its segment budget."""

from __future__ import annotations

import re
import string

import pytest

from guide.i18n import LANGUAGES
from guide.sms.texts import KINDS, render, texts

# the longest realistic values
LONGEST = {"code": "123456", "reference": "MED-20261122-7K2Q",
           "link": "https://relogement.lillemetropole.fr/k/" + "x" * 22,  # a 22-character token: 61 characters
           "date": "30/09/2026", "time": "14:30", "keywords": "1 = OK, 2 = CHANGER, AIDE, STOP"}
BUDGET = {"fr": 1, "en": 1, "tr": 1, "pt": 1, "ar": 2}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_text_in_every_language(lang: str) -> None:
    found = texts(lang)
    assert set(found) == set(KINDS), f"{lang}: {set(KINDS) ^ set(found)}"
    for kind in KINDS:
        assert _placeholders(found[kind]) == _placeholders(texts("fr")[kind]), f"{lang}.{kind}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_segment_budget_with_the_longest_values(lang: str, kind: str) -> None:
    text, count = render(kind, lang, **LONGEST)
    assert count.segments <= BUDGET[lang], f"{lang}.{kind}: {count.segments} segments ({count.units} units): {text}"
    expected = "UCS-2" if lang == "ar" else "GSM-7"
    assert count.encoding == expected, f"{lang}.{kind} is {count.encoding}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_links_and_codes_survive_transliteration(lang: str) -> None:
    text, _ = render("request_receipt", lang, **LONGEST)
    assert LONGEST["link"] in text and LONGEST["reference"] in text
    assert re.search(r"\b123456\b", render("sign_in_code", lang, **LONGEST)[0])

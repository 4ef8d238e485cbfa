"""Every SMS text exists in every language, keeps the French placeholders, and fits its segment budget."""

from __future__ import annotations

import re
import string
from functools import cache

import pytest

from guide.core.content import ContentStore
from guide.core.i18n import LANGUAGES
from guide.core.security import LINK_TOKEN_CHARS, new_link_token
from guide.features.sms_replies.keywords import Intent, parse
from guide.messaging.encoding import prepare
from guide.messaging.texts import FLOW_KINDS, KINDS, MULTILINGUAL_KINDS, fill, help_kind, render, texts

# a real deployment's public address (PUBLIC_BASE_URL) may be this long: every text must leave room for it
BASE = "https://www.relogement-npru.lillemetropole.fr"
# the longest realistic values; the personal link is the base, "/k/" and a token as sign-in makes it
LONGEST = {"code": "123456", "reference": "MED-20261122-7K2Q",
           "link": f"{BASE}/k/{new_link_token()}", "site": BASE,
           "date": "30/09/2026", "open_date": "28/09/2026", "time": "14:30", "count": "12",
           # the language menu names every language in itself (inbound.py builds it the same way)
           "choices": "\n".join(f"{n} {language.name}" for n, language in enumerate(LANGUAGES.values(), 1))}
BUDGET = {"fr": 1, "en": 1, "tr": 1, "pt": 1, "ar": 2}
MESSAGE_KINDS = [kind for kind in KINDS if kind not in FLOW_KINDS]  # flow pieces: measured assembled, in tests/sms


@cache
def _store() -> ContentStore:
    return ContentStore(list(LANGUAGES))


def _longest(lang: str) -> dict[str, str]:
    """LONGEST, with the longest journey stage title of this language."""
    store = _store()
    stage = max((store.stage(lang, slug).title for slug in store.stage_slugs()), key=len)
    return {**LONGEST, "stage": stage}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_budget_is_measured_with_a_long_address() -> None:
    assert len(BASE) == 45 and BASE.startswith("https://")
    assert len(new_link_token()) == LINK_TOKEN_CHARS == 16  # what reminders count (guide/features/reminders)
    assert len(LONGEST["link"]) == 45 + len("/k/") + LINK_TOKEN_CHARS


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_text_in_every_language(lang: str) -> None:
    found = texts(lang)
    assert set(found) == set(KINDS), f"{lang}: {set(KINDS) ^ set(found)}"
    for kind in KINDS:
        assert _placeholders(found[kind]) == _placeholders(texts("fr")[kind]), f"{lang}.{kind}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_segment_budget_with_the_longest_values(lang: str, kind: str) -> None:
    text, count = render(kind, lang, **_longest(lang))
    if kind in MULTILINGUAL_KINDS:  # every language in its own script: UCS-2 by design, short enough for one
        assert (count.encoding, count.segments) == ("UCS-2", 1), f"{lang}.{kind}: {count}: {text}"
        return
    assert count.segments <= BUDGET[lang], f"{lang}.{kind}: {count.segments} segments ({count.units} units): {text}"
    expected = "UCS-2" if lang == "ar" else "GSM-7"
    assert count.encoding == expected, f"{lang}.{kind} is {count.encoding}"


def test_the_language_menu_keeps_arabic_script_in_every_language() -> None:
    for lang in LANGUAGES:
        text, _count = render("reply_language_menu", lang, **LONGEST)
        assert "العربية" in text and "Türkçe" in text, lang


def test_one_way_help_points_to_the_site_and_asks_for_no_reply() -> None:
    assert (help_kind(True), help_kind(False)) == ("reply_help", "help_one_way")
    for lang in LANGUAGES:
        text, _count = render("help_one_way", lang, **LONGEST)
        assert LONGEST["site"] in text
        assert not any(ch.isdigit() for ch in text.replace(LONGEST["site"], "")), f"{lang}: no numbered choices"


@pytest.mark.parametrize("lang", ["fr", "en", "tr", "pt"])
def test_the_help_menu_names_words_the_parser_understands(lang: str) -> None:
    """Every capitalised word of the two-way help is a keyword (or Twilio's STOP), so the menu never lies."""
    text, _count = render("reply_help", lang, **LONGEST)
    words = [w.strip(".,:+") for w in text.replace(LONGEST["site"], "").split()]
    named = [w for w in words if len(w) >= 3 and w.isupper()]
    assert len(named) >= 6, named
    for word in named:
        parsed = parse(word)
        assert parsed.intent is not Intent.OTHER, f"{lang}: {word} is not understood"
    assert parse("1").intent is Intent.CONFIRM and parse("2").intent is Intent.CHANGE


def test_the_arabic_help_menu_names_words_the_parser_understands() -> None:
    text, _count = render("reply_help", "ar", **LONGEST)
    for word, intent in [("مرحلتي", Intent.STANDING), ("موعدي", Intent.APPOINTMENT), ("مهامي", Intent.ACTIONS),
                         ("دليل", Intent.GUIDE), ("لغة", Intent.LANGUAGE), ("وساطة", Intent.MEDIATION),
                         ("توقف", Intent.STOP)]:
        assert word in text and parse(word).intent is intent, word


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_links_and_codes_survive_transliteration(lang: str) -> None:
    text, _ = render("request_receipt", lang, **LONGEST)
    assert LONGEST["link"] in text and LONGEST["reference"] in text
    assert re.search(r"\b123456\b", render("sign_in_code", lang, **LONGEST)[0])


# what the household receives without having written first: with a one-way sender nobody can answer these, so
# each must carry its personal link and none may ask for a reply by SMS
UNPROMPTED = ("appointment_day_before", "appointment_soon", "answer_3_days", "answer_1_day", "answer_office_closed",
              "documents_due",
              "courtesy_visit", "survey", "request_receipt")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_unprompted_texts_work_with_a_one_way_sender(lang: str) -> None:
    reply_words = {word for word in ("Répondez", "répondez", "Reply", "reply", "Yanıtla", "yanıtla", "Responda",
                                     "responda", "أجب", "ردوا", "ردّوا")}
    for kind in UNPROMPTED:
        template = texts(lang)[kind]
        assert "{link}" in template, f"{lang}.{kind} has no link"
        assert not any(word in template for word in reply_words), f"{lang}.{kind} asks for a reply: {template}"
        assert not re.search(r"\b[12]\b", template), f"{lang}.{kind} offers numbered answers: {template}"


# Words that folding to GSM-7 (guide/messaging/encoding.py `prepare`) turns into another word of the language:
# the household would read "de" (of) for "dê" (give), "esta" (this) for "está" (is). Texts avoid them. The first
# test below checks each entry against the encoder, so the list says what is really sent.
MEANING_CHANGES = {
    "pt": {"dê": "de", "dá": "da", "está": "esta", "têm": "tem", "vêm": "vem", "pôr": "por", "pôde": "pode",
           "nós": "nos", "país": "pais", "avô": "avo", "pública": "publica", "secretária": "secretaria"},
    "fr": {"tâche": "tache", "sûr": "sur", "dû": "du", "mûr": "mur", "côte": "cote", "côté": "coté",
           "jeûne": "jeune", "crû": "cru", "mâle": "male", "pâte": "pate"},
    "tr": {"şu": "su", "iş": "is", "sık": "sik", "yaş": "yas", "baş": "bas", "aşı": "asi", "kır": "kir",
           "sınır": "sinir", "çam": "cam", "kıl": "kil", "taş": "tas", "kaş": "kas"},
    "en": {},
}
# GSM-7 has é, à, è, ù, ö, ü: these keep their accent, so "é" (is) never becomes "e" (and) and is not listed
KEPT = {"pt": ("é", "à", "às", "até"), "fr": ("à", "où", "déjà", "été"), "tr": ("görev", "gün", "sürü")}
FLOW_VALUES = {"number": "12", "title": "Le logement proposé"}  # the flow pieces' own placeholders


def _words(text: str, lang: str) -> list[str]:
    if lang == "tr":  # Turkish casing: İ is the capital of i, I of ı
        text = text.replace("İ", "i").replace("I", "ı")
    return re.findall(r"\w+", text.lower())


def test_the_listed_meaning_changes_are_what_the_encoder_sends() -> None:
    for lang, changes in MEANING_CHANGES.items():
        for written, sent in changes.items():
            assert prepare(written, lang)[0] == sent, f"{lang}: {written}"
    for lang, kept in KEPT.items():
        for word in kept:
            assert prepare(word, lang)[0] == word, f"{lang}: {word} is folded: list it if it changes meaning"


@pytest.mark.parametrize("lang", list(MEANING_CHANGES))
def test_folding_to_gsm7_turns_no_word_into_another(lang: str) -> None:
    values = {**_longest(lang), **FLOW_VALUES}
    changed = [f"{lang}.{kind}: {word!r} is sent as {MEANING_CHANGES[lang][word]!r}: {render(kind, lang, **values)[0]}"
               for kind in KINDS for word in _words(fill(kind, lang, **values), lang) if word in MEANING_CHANGES[lang]]
    assert not changed, "\n".join(changed)

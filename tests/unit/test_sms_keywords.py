"""The SMS keyword parser: every listed word in every language, how people really type them, and Twilio's words."""

from __future__ import annotations

import pytest
import yaml

from guide.core.content import CONTENT_DIR
from guide.core.i18n import LANGUAGES
from guide.features.sms_replies.keywords import (
    LISTED,
    TWILIO_RESERVED,
    Intent,
    KeywordError,
    as_twilio_did,
    build,
    load,
    normalize,
    parse,
)


def _file(lang: str) -> dict:
    with (CONTENT_DIR / lang / "sms_keywords.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


LANGUAGE_CODES = tuple(LANGUAGES)
FILES = {lang: _file(lang) for lang in LANGUAGE_CODES}
EVERY_WORD = [(lang, intent, word) for lang, data in FILES.items() for intent in LISTED
              for word in data.get(intent.value) or ()]
# Twilio's own words (see the sources in guide/features/sms_replies/keywords.py): never ours, always mirrored
TWILIO_DOCUMENTED = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "START", "YES",
                     "UNSTOP", "HELP", "INFO"}


@pytest.mark.parametrize("lang", LANGUAGE_CODES)
def test_every_language_lists_every_intent(lang: str) -> None:
    for intent in LISTED:
        assert FILES[lang].get(intent.value), f"{lang} has no word for {intent}"
    assert set(FILES[lang]["language_names"]) == set(LANGUAGE_CODES)


@pytest.mark.parametrize(("lang", "intent", "word"), EVERY_WORD)
def test_every_word_in_every_language_is_understood_from_anyone(lang: str, intent: Intent, word: str) -> None:
    assert parse(str(word)).intent is intent
    assert parse(f"  {str(word).lower()} !").intent is intent, "case, spaces and punctuation do not matter"
    assert parse(str(word).upper()).intent is intent


@pytest.mark.parametrize(("lang", "intent", "word"), EVERY_WORD)
def test_no_word_of_ours_is_a_word_twilio_reserves(lang: str, intent: Intent, word: str) -> None:
    assert normalize(str(word)).upper() not in TWILIO_DOCUMENTED
    assert normalize(str(word)) not in TWILIO_RESERVED


def test_the_reserved_list_is_twilios_documented_list() -> None:
    assert {w.upper() for w in TWILIO_RESERVED} == TWILIO_DOCUMENTED


@pytest.mark.parametrize("word", sorted(TWILIO_DOCUMENTED))
def test_twilios_words_are_recognised_as_reserved(word: str) -> None:
    parsed = parse(word.lower().capitalize() + ".")
    assert parsed.reserved
    # YES is Twilio's opt-in word and a household's "yes" to a reminder: a reserved confirmation (the service gives
    # consent back when the number had opted out, and confirms otherwise)
    expected = {"START": Intent.RESTART, "YES": Intent.CONFIRM, "UNSTOP": Intent.RESTART, "HELP": Intent.HELP,
                "INFO": Intent.HELP}.get(word, Intent.STOP)
    assert parsed.intent is expected


def test_a_keyword_colliding_with_twilio_is_refused_when_loading() -> None:
    with pytest.raises(KeywordError, match="Twilio"):
        build({"en": {"help": ["Help"]}})
    with pytest.raises(KeywordError, match="Twilio"):
        build({"fr": {"confirm": ["yes!"]}})


def test_a_word_with_two_meanings_is_refused_when_loading() -> None:
    with pytest.raises(KeywordError, match="already means"):
        build({"fr": {"confirm": ["OK"]}, "en": {"change": ["ok"]}})
    with pytest.raises(KeywordError, match="one word"):
        build({"fr": {"mediation": ["DEMANDE DE MEDIATION"]}})


@pytest.mark.parametrize(("text", "intent"), [
    ("Oui", Intent.CONFIRM), ("oui.", Intent.CONFIRM), ("D’ACCORD", Intent.CONFIRM), ("d'accord", Intent.CONFIRM),
    ("ok", Intent.CONFIRM), ("1", Intent.CONFIRM), (" 1 ", Intent.CONFIRM), ("2", Intent.CHANGE),
    ("Où en suis-je ?", Intent.STANDING), ("ou en suis je", Intent.STANDING), ("OU J EN SUIS", Intent.STANDING),
    ("étape", Intent.STANDING), ("Rendez-vous", Intent.APPOINTMENT), ("rendez vous", Intent.APPOINTMENT),
    ("à faire", Intent.ACTIONS), ("A FAIRE", Intent.ACTIONS), ("aide", Intent.HELP), ("?", Intent.HELP),
    ("ARRÊT", Intent.STOP), ("arret", Intent.STOP), ("Arrêter", Intent.STOP), ("ARRETEZ !", Intent.STOP),
    ("Médiation", Intent.MEDIATION), ("guide", Intent.GUIDE),
    # Turkish: dotted and dotless i, cedilla, breve
    ("DEĞİŞTİR", Intent.CHANGE), ("degistir", Intent.CHANGE), ("değiştir", Intent.CHANGE),
    ("Yardım", Intent.HELP), ("YARDIM", Intent.HELP), ("menü", Intent.HELP), ("Arabulucu", Intent.MEDIATION),
    # Portuguese
    ("Situação", Intent.STANDING), ("situacao", Intent.STANDING), ("MARCAÇÃO", Intent.APPOINTMENT),
    ("mediação", Intent.MEDIATION),
])
def test_case_accent_and_punctuation_variants(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


@pytest.mark.parametrize(("text", "intent"), [
    ("نعم", Intent.CONFIRM),
    ("نَعَمْ", Intent.CONFIRM),  # short vowels and sukun
    ("مـوافـق", Intent.CONFIRM),  # tatweel
    ("اؤكد", Intent.CONFIRM), ("أؤكد", Intent.CONFIRM), ("أُؤَكِّد", Intent.CONFIRM),  # hamza forms, shadda
    ("ايقاف", Intent.STOP), ("إيقاف", Intent.STOP), ("اوقف", Intent.STOP),  # alef forms
    ("مساعده", Intent.HELP), ("مساعدة", Intent.HELP),  # ta marbuta typed as ha
    ("وساطه", Intent.MEDIATION),
    ("١", Intent.CONFIRM), ("٢", Intent.CHANGE),  # Arabic-Indic digits
    ("۱", Intent.CONFIRM), ("۲", Intent.CHANGE),  # Persian digits
    ("دليل؟", Intent.GUIDE), ("؟", Intent.HELP),
    ("اين انا", Intent.STANDING), ("أين أنا؟", Intent.STANDING),
    ("ماذا افعل", Intent.ACTIONS),
])
def test_arabic_forms_and_digits(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


def test_arabic_ya_forms_are_one_letter() -> None:
    assert normalize("على") == normalize("علي") == normalize("علی")
    assert normalize("٠١٢٣٤٥٦٧٨٩") == normalize("۰۱۲۳۴۵۶۷۸۹") == "0123456789"


def test_bare_numbers_are_kept_for_conversations() -> None:
    assert parse("3").number == 3 and parse("3").intent is Intent.OTHER
    assert parse("٠").number == 0
    assert parse("1").number == 1 and parse("1").intent is Intent.CONFIRM


@pytest.mark.parametrize("text", ["Bonjour", "Je voudrais savoir quand on déménage", "arrêt de bus", "",
                                  "Merci", "non", "oui mais pas jeudi", "cancel my appointment", "stop by the office",
                                  "je ne sais pas", "top", "step", "stap", "pas ok", "non merci"])
def test_a_sentence_with_a_word_we_do_not_know_goes_to_a_person(text: str) -> None:
    assert parse(text).intent is Intent.OTHER  # a person reads it


@pytest.mark.parametrize(("text", "intent"), [
    ("OK merci", Intent.CONFIRM), ("1 merci", Intent.CONFIRM), ("oui je serai là", Intent.CONFIRM),
    ("Yes please", Intent.CONFIRM), ("Tamam teşekkürler", Intent.CONFIRM), ("Sim, confirmo", Intent.CONFIRM),
    ("👍", Intent.CONFIRM), ("✅", Intent.CONFIRM), ("ouiiii", Intent.CONFIRM), ("نعم شكرا", Intent.CONFIRM),
    ("autre date svp", Intent.CHANGE), ("je veux changer de date", Intent.CHANGE),
    ("another date please", Intent.CHANGE), ("c'est quand mon rdv", Intent.APPOINTMENT),
    ("when is my appointment", Intent.APPOINTMENT), ("متى موعدي؟", Intent.APPOINTMENT),
    ("RANDEVUM NE ZAMAN", Intent.APPOINTMENT), ("R.D.V", Intent.APPOINTMENT),
    ("STOP SVP", Intent.STOP), ("STOP PLEASE", Intent.STOP), ("arrêtez les sms", Intent.STOP),
    ("je ne veux plus de sms", Intent.STOP), ("lütfen stop", Intent.STOP), ("não quero mais mensagens", Intent.STOP),
    ("لا أريد رسائل", Intent.STOP),
])
def test_phrases_with_polite_words_around_them(text: str, intent: Intent) -> None:
    parsed = parse(text)
    assert parsed.intent is intent and not parsed.reserved


@pytest.mark.parametrize(("text", "intent"), [
    ("confirmr", Intent.CONFIRM), ("confrim", Intent.CONFIRM), ("comfirm", Intent.CONFIRM),
    ("ETAPPE", Intent.STANDING), ("chnager", Intent.CHANGE), ("Tamamm", Intent.CONFIRM), ("Yess", Intent.CONFIRM),
    ("cofirmo", Intent.CONFIRM), ("تغير الموعد", Intent.CHANGE),
])
def test_small_typos_in_long_enough_words(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


@pytest.mark.parametrize("text", ["top", "step", "stp", "sotp svp", "arete", "arret de bus", "pare de bus",
                                  "durdr", "arretz les sms"])
def test_an_opt_out_is_never_guessed_from_a_typo(text: str) -> None:
    assert parse(text).intent is not Intent.STOP


@pytest.mark.parametrize(("text", "meaning"), [("gelmiyorum", "I am not coming"), ("gelemiyorum", "I cannot come"),
                                               ("gelmeyeceğim", "I will not come")])
def test_a_typo_never_adds_a_letter_so_a_turkish_negation_never_confirms(text: str, meaning: str) -> None:
    assert parse(text).intent is not Intent.CONFIRM, meaning


@pytest.mark.parametrize(("text", "choices"), [
    ("oui non", (Intent.CONFIRM,)), ("1 2", (Intent.CONFIRM, Intent.CHANGE)), ("١ ٢", (Intent.CONFIRM, Intent.CHANGE)),
    ("oui mais je voudrais changer de date", (Intent.CONFIRM, Intent.CHANGE)),
    ("oui mais je ne serai pas là", (Intent.CONFIRM, Intent.CHANGE)), ("ok stop", (Intent.CONFIRM, Intent.STOP)),
    ("yes no", (Intent.CONFIRM,)), ("👍 👎", (Intent.CONFIRM,)),
])
def test_two_meanings_are_asked_back(text: str, choices: tuple[Intent, ...]) -> None:
    parsed = parse(text)
    assert parsed.intent is Intent.AMBIGUOUS and parsed.choices == choices


def test_a_number_with_polite_words_stays_a_number_for_menus() -> None:
    assert parse("1 merci").number == 1 and parse("٢ من فضلك").number == 2
    assert parse("1 2").number is None and parse("oui merci").number is None


@pytest.mark.parametrize(("text", "opt_out_type", "intent"), [
    ("STOP", "STOP", Intent.STOP), ("ARRET", "STOP", Intent.STOP), ("YES", "START", Intent.CONFIRM),
    ("START", "START", Intent.RESTART), ("HELP", "HELP", Intent.HELP), ("oui", "", Intent.CONFIRM),
    ("stop svp", "", Intent.STOP), ("oui", "bogus", Intent.CONFIRM),
])
def test_what_twilio_did_wins(text: str, opt_out_type: str, intent: Intent) -> None:
    """With Advanced Opt-Out, Twilio's OptOutType says it matched one of its (or the deployment's) keywords."""
    parsed = as_twilio_did(parse(text), opt_out_type)
    assert parsed.intent is intent
    assert parsed.reserved is (opt_out_type in ("STOP", "START", "HELP") or text in ("STOP", "YES", "START", "HELP"))


def test_phrase_lists_refuse_a_twilio_word_of_another_meaning_and_a_phrase_of_two_meanings() -> None:
    with pytest.raises(KeywordError, match="Twilio"):
        build({"en": {"phrases": {"confirm": ["STOP"]}}})
    with pytest.raises(KeywordError, match="already means"):
        build({"en": {"confirm": ["OK"], "phrases": {"change": ["OK"]}}})
    with pytest.raises(KeywordError, match="polite"):
        build({"en": {"confirm": ["OK"], "polite": ["OK"]}})
    with pytest.raises(KeywordError, match="one word"):
        build({"en": {"polite": ["THANK YOU"]}})


@pytest.mark.parametrize(("text", "expected"), [
    ("MEDIATION je ne suis pas d'accord avec la proposition", "je ne suis pas d'accord avec la proposition"),
    ("Médiation : le logement est trop loin de l'école", "le logement est trop loin de l'école"),
    ("mediation\nLe T3 est au 5e sans ascenseur.", "Le T3 est au 5e sans ascenseur."),
    ("وساطة: السكن بعيد عن المدرسة", "السكن بعيد عن المدرسة"),
    ("ARABULUCU teklif çok pahalı", "teklif çok pahalı"),
    ("MEDIAÇÃO a casa é pequena", "a casa é pequena"),
])
def test_mediation_keeps_the_text_as_written(text: str, expected: str) -> None:
    parsed = parse(text)
    assert parsed.intent is Intent.MEDIATION and parsed.argument == expected


@pytest.mark.parametrize("text", ["MEDIATION", "médiation :", "وساطة", "Arabuluculuk"])
def test_mediation_without_text(text: str) -> None:
    parsed = parse(text)
    assert parsed.intent is Intent.MEDIATION and parsed.argument == ""


@pytest.mark.parametrize(("text", "code"), [
    ("LANGUE EN", "en"), ("langue anglais", "en"), ("Language English", "en"), ("LANGUE ARABE", "ar"),
    ("لغة العربية", "ar"), ("اللغة الفرنسية", "fr"), ("DİL TÜRKÇE", "tr"), ("dil turkce", "tr"),
    ("IDIOMA PORTUGUÊS", "pt"), ("língua francês", "fr"), ("LANGUE TR", "tr"), ("langue", ""),
    ("LANGUE klingon", ""),
])
def test_language_directly_or_the_menu(text: str, code: str) -> None:
    parsed = parse(text)
    assert parsed.intent is Intent.LANGUAGE and parsed.argument == code


def test_the_loaded_table_holds_every_file_word() -> None:
    table = load()
    assert len(table.phrases) == len({normalize(str(word)) for _lang, _intent, word in EVERY_WORD})

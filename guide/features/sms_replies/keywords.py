"""What an SMS someone sent us asks for: a pure keyword parser over the words in content/<lang>/sms_keywords.yaml.

No Flask, no database. Both the incoming text and the listed words go through `normalize`, so case, accents,
punctuation, extra spaces, Arabic short vowels, tatweel, the forms of alef/ya/ta marbuta and Arabic-Indic or
Persian digits do not matter. Every language's words are understood from anyone (a French household may answer
"OK", "نعم" or "EVET"); the answer goes out in the household's language.

A whole SMS must equal one listed word (or phrase): "OK" confirms, "OK merci pour tout" goes to a person. Only
the mediation and language words take text after them. A message that is not understood is `Intent.OTHER`, read
by staff: guessing is worse than asking a person.

Twilio reserves some words on every number (single-word messages, any case). Sources, looked up 2026-11-22:
- opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT (twilio.com/docs/messaging/tutorials/
  advanced-opt-out: "By default, Twilio handles standard English-language reply messages—STOP, UNSUBSCRIBE, END,
  QUIT, STOPALL, REVOKE, OPTOUT, and CANCEL");
- opt-in: START, YES, UNSTOP, and help: HELP, INFO (Twilio support article 223134027 "Twilio support for
  opt-out keywords (SMS STOP filtering)": "resume receiving messages with the START, YES, or UNSTOP commands";
  "STOP/START/HELP/INFO" messages);
- Twilio Proxy also drops ARRET, ARRETE and ARRETT as opt-out words (twilio.com/docs/proxy/opt-out-keywords).
  Programmable Messaging does not list them, so ARRET is ours: we mirror it and answer with our own text.
Twilio blocks the number itself on an opt-out word and answers the opt-in and help words; we mirror opt-out and
opt-in locally (`Parsed.reserved` says Twilio has answered already). Our own words never equal a reserved word
(checked when the words are loaded, and by tests/unit/test_sms_keywords.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from guide.core.content import content_root, words
from guide.core.i18n import configured_languages

TWILIO_OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
TWILIO_OPT_IN = frozenset({"start", "yes", "unstop"})
TWILIO_HELP = frozenset({"help", "info"})
TWILIO_RESERVED = TWILIO_OPT_OUT | TWILIO_OPT_IN | TWILIO_HELP
# Words other Twilio products or neighbouring platforms treat as opt-out: kept out of our own lists too, except
# ARRET (ours by design: the French stop word, mirrored and answered by us).
NEAR_RESERVED = frozenset({"stop all", "opt out", "arrett", "remove", "td"})


class Intent(StrEnum):
    CONFIRM = "confirm"  # confirm the next appointment
    CHANGE = "change"  # ask to change it
    STANDING = "standing"  # where I stand
    APPOINTMENT = "appointment"  # my next appointment
    ACTIONS = "actions"  # my next actions
    HELP = "help"  # the menu
    LANGUAGE = "language"  # change language (argument: a language code, or none for the menu)
    STOP = "stop"  # no more SMS
    RESTART = "restart"  # SMS again (Twilio's opt-in words)
    MEDIATION = "mediation"  # a written mediation request (argument: the text as written)
    GUIDE = "guide"  # follow the public guided questions by SMS
    OTHER = "other"  # for a person to read


# intents whose word may be followed by text; their words must be one word long
WITH_ARGUMENT = frozenset({Intent.MEDIATION, Intent.LANGUAGE})
LISTED = (Intent.CONFIRM, Intent.CHANGE, Intent.STANDING, Intent.APPOINTMENT, Intent.ACTIONS, Intent.HELP,
          Intent.LANGUAGE, Intent.STOP, Intent.MEDIATION, Intent.GUIDE)


class KeywordError(ValueError):
    """A keyword file that would make the parser ambiguous or collide with Twilio (raised when loading)."""


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    argument: str = ""  # mediation: the text after the word, as written; language: a code or "" (menu)
    reserved: bool = False  # one of Twilio's words: Twilio has acted (and answered) already
    number: int | None = None  # the SMS is a bare number (an answer in a guided flow or a menu)
    normalized: str = ""


# --- normalising ----------------------------------------------------------------------------------------------

_DIGITS: dict[int | str, str | None] = {**{0x0660 + n: str(n) for n in range(10)},
                                        **{0x06F0 + n: str(n) for n in range(10)}}
_LETTERS = str.maketrans({
    **_DIGITS,
    "\u0640": None,  # tatweel (kashida): stretches a word, means nothing
    "ٱ": "ا",  # alef wasla (أ إ آ lose their hamza or madda with the combining marks)
    "ى": "ي",  # alef maqsura written as ya
    "ی": "ي",  # Persian ya
    "ة": "ه",  # ta marbuta, often typed as ha
    "ک": "ك",  # Persian kaf
    "ı": "i",  # Turkish dotless i
    "œ": "oe",
    "æ": "ae",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
})
_SPACES = re.compile(r"\s+")
_QUESTION = re.compile(r"^[\s?？؟¿]+$")


def normalize(text: str) -> str:
    """Lower case, no accents or Arabic short vowels, one spelling per letter, ASCII digits, one space between words."""
    # compatibility forms first ("𝐎𝐊", "ＯＫ" become "OK"), then case, then split again what case folding composed
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = []
    for ch in folded.translate(_LETTERS):
        category = unicodedata.category(ch)
        if category.startswith("M"):  # accents, shadda, harakat, hamza and madda marks, Turkish dot
            continue
        kept.append(" " if category[0] in "PSZC" else ch)  # punctuation, symbols, spaces, controls
    return _SPACES.sub(" ", "".join(kept).translate(_LETTERS)).strip()


# --- the keyword table ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Keywords:
    phrases: dict[str, Intent]  # normalised phrase -> intent
    languages: dict[str, str]  # normalised language name or code -> code

    def words_of(self, intent: Intent) -> set[str]:
        return {phrase for phrase, found in self.phrases.items() if found is intent}


def build(files: dict[str, dict]) -> Keywords:
    """Merge every language's words; refuse a word with two meanings, an empty word, or one of Twilio's words."""
    phrases: dict[str, Intent] = {}
    languages: dict[str, str] = {code: code for code in files}
    for lang, data in files.items():
        for intent in LISTED:
            for word in data.get(intent.value) or ():
                phrase = normalize(str(word))
                if not phrase:
                    raise KeywordError(f"{lang}.{intent}: {word!r} is empty once normalised")
                if phrase in TWILIO_RESERVED or phrase in NEAR_RESERVED:
                    raise KeywordError(f"{lang}.{intent}: {word!r} is a word Twilio reserves")
                if intent in WITH_ARGUMENT and " " in phrase:
                    raise KeywordError(f"{lang}.{intent}: {word!r} must be one word (text may follow it)")
                if phrases.get(phrase, intent) is not intent:
                    raise KeywordError(f"{lang}.{intent}: {word!r} already means {phrases[phrase]}")
                phrases[phrase] = intent
        for code, name in (data.get("language_names") or {}).items():
            normalized = normalize(str(name))
            if languages.get(normalized, code) != code:
                raise KeywordError(f"{lang}.language_names: {name!r} names two languages")
            languages[normalized] = str(code)
    for phrase, intent in phrases.items():
        first = phrase.split(" ")[0]
        if intent not in WITH_ARGUMENT and phrases.get(first) in WITH_ARGUMENT:
            raise KeywordError(f"{phrase!r} starts with the {phrases[first]} word")
    return Keywords(phrases, languages)


def load(root: Path | None = None, languages: tuple[str, ...] | None = None) -> Keywords:
    """The words of the configured languages (content/<lang>/sms_keywords.yaml), merged and checked once."""
    return _load(root or content_root(), languages or tuple(configured_languages()))


@lru_cache(maxsize=8)
def _load(root: Path, languages: tuple[str, ...]) -> Keywords:
    return build({lang: words(lang, "sms_keywords", root) for lang in languages})


# --- parsing --------------------------------------------------------------------------------------------------

def _after_first_word(text: str) -> str:
    """The text as written after its first word, without the spaces and punctuation between them."""
    stripped = text.strip()
    parts = re.split(r"[\s:;,.\-–—!?؟،]+", stripped, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def parse(text: str, keywords: Keywords | None = None) -> Parsed:
    """The intent of one SMS (see the module docstring for the rules)."""
    keywords = keywords or load()
    normalized = normalize(text)
    intent: Intent | None
    if not normalized:
        intent = Intent.HELP if _QUESTION.match(text or "") else Intent.OTHER  # a lone "?" asks for the menu
        return Parsed(intent, normalized=normalized)
    number = int(normalized) if normalized.isdigit() and len(normalized) <= 3 else None
    if normalized in TWILIO_OPT_OUT:
        return Parsed(Intent.STOP, reserved=True, normalized=normalized)
    if normalized in TWILIO_OPT_IN:
        return Parsed(Intent.RESTART, reserved=True, normalized=normalized)
    if normalized in TWILIO_HELP:
        return Parsed(Intent.HELP, reserved=True, normalized=normalized)
    intent = keywords.phrases.get(normalized)
    if intent is not None:
        return Parsed(intent, number=number, normalized=normalized)
    first, _, rest = normalized.partition(" ")
    intent = keywords.phrases.get(first)
    if intent is Intent.MEDIATION:
        return Parsed(Intent.MEDIATION, argument=_after_first_word(text), normalized=normalized)
    if intent is Intent.LANGUAGE:  # "LANGUE EN", "LANGUAGE ARABIC"; anything else after it gets the menu
        return Parsed(Intent.LANGUAGE, argument=keywords.languages.get(rest, ""), normalized=normalized)
    return Parsed(Intent.OTHER, number=number, normalized=normalized)

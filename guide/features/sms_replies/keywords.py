"""What an SMS someone sent us asks for: a pure parser over the words in content/<lang>/sms_keywords.yaml.

No Flask, no database. Both the incoming text and the listed words go through `normalize`, so case, accents,
punctuation, extra spaces, letters typed three times or more ("ouiii"), Arabic short vowels, tatweel, the forms of
alef/ya/ta marbuta, Arabic-Indic, Persian or full-width digits do not matter, and a thumbs up or a check mark reads
as "ok". Every language's words are understood from anyone (a French household may answer "OK", "نعم" or "EVET");
the answer goes out in the household's language.

Two ways to be understood, both from the content files, never from code:
- a whole SMS equal to one listed word (`confirm: [OUI, ...]`): as before, exactly;
- a short SMS (at most MAX_WORDS words) made only of phrases of the `phrases:` lists (every listed word is one too,
  except the mediation and language words), polite words (`polite:` "merci", "svp", "bonjour"...) and "no" words
  (`no_words:`). "OK merci", "oui je serai là", "stop svp", "c'est quand mon rdv" are understood; a word that is none of
  these ("arrêt de bus", "oui mais pas jeudi") sends the SMS to a person. A small typo is tolerated in a word of
  MIN_FUZZY letters or more when one listed word alone is that close (`_correct`, with rapidfuzz): a letter
  missing, swapped or changed ("confirmr", "confrim"), a letter doubled ("etappe"); never a letter added
  (Turkish "gelmiyorum", I am not coming, is "geliyorum", I am coming, plus one letter), never towards an
  opt-out word ("top" or "step" are not "stop"), never towards a "no" word.
Phrases of two meanings in one SMS ("oui non", "1 2", "ok mais je voudrais changer de date") are `AMBIGUOUS`: the
service asks back with the numbered choices rather than guess, and so is a "yes" word with a "no" word.
Only the mediation and language words take free text after them. A message not understood is `Intent.OTHER`,
read by staff: guessing is worse than asking a person.

Twilio reserves some words on every number (single-word messages, any case). Sources, looked up 2026-11-22:
- opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT (twilio.com/docs/messaging/tutorials/
  advanced-opt-out: "By default, Twilio handles standard English-language reply messages—STOP, UNSUBSCRIBE, END,
  QUIT, STOPALL, REVOKE, OPTOUT, and CANCEL");
- opt-in: START, YES, UNSTOP, and help: HELP, INFO (Twilio support article 223134027 "Twilio support for
  opt-out keywords (SMS STOP filtering)": "resume receiving messages with the START, YES, or UNSTOP commands";
  "STOP/START/HELP/INFO" messages);
- Twilio Proxy also drops ARRET, ARRETE and ARRETT as opt-out words (twilio.com/docs/proxy/opt-out-keywords).
  Programmable Messaging does not list them, so ARRET is ours: we mirror it and answer with our own text.
Twilio blocks the number itself on an opt-out word and answers the opt-in and help words; it still forwards the
message to our webhook, with `OptOutType` (STOP, START or HELP) when the Messaging Service has Advanced Opt-Out
(`as_twilio_did` trusts that parameter). We mirror opt-out and opt-in locally (`Parsed.reserved` says Twilio has
answered already). Our own listed words never equal a reserved word (checked when the words are loaded, and by
tests/unit/test_sms_keywords.py); a phrase list may hold a reserved word with Twilio's own meaning ("stop" among the
opt-out phrases, so that "stop svp", which Twilio lets through, is understood too).
Two reserved words are also answers to a reminder:
- YES is an opt-in word for Twilio, and a "yes" for the household: `parse` reads it as a confirmation (reserved);
  the service gives consent back when the number had opted out (what Twilio did), and otherwise confirms the
  appointment like "1" (guide/features/sms_replies/service.py).
- CANCEL is an opt-out word: Twilio blocks the number whatever the person meant, so it stays an opt-out here too
  (consent withdrawn: nothing we send would arrive anyway). "cancel my appointment" is not blocked by Twilio and
  goes to a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from guide.core.content import content_root, words
from guide.core.i18n import configured_languages
from guide.features.sms_replies.normalizing import QUESTION, normalize, undoubled

__all__ = ["Intent", "Keywords", "KeywordError", "Parsed", "as_twilio_did", "build", "load", "normalize", "parse"]

TWILIO_OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
TWILIO_OPT_IN = frozenset({"start", "yes", "unstop"})
TWILIO_HELP = frozenset({"help", "info"})
TWILIO_RESERVED = TWILIO_OPT_OUT | TWILIO_OPT_IN | TWILIO_HELP
# Words other Twilio products or neighbouring platforms treat as opt-out: kept out of our own lists too, except
# ARRET (ours by design: the French stop word, mirrored and answered by us).
NEAR_RESERVED = frozenset({"stop all", "opt out", "arrett", "remove", "td"})

MAX_WORDS = 16  # a longer SMS is a message for a person, whatever phrases it holds
MIN_FUZZY = 4  # no typo tolerated in a shorter word ("top" is not "stop", "no" is not "ok")


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
    AMBIGUOUS = "ambiguous"  # phrases of two meanings ("oui non"): ask back (`Parsed.choices`)
    OTHER = "other"  # for a person to read


# intents whose word may be followed by text; their words must be one word long
WITH_ARGUMENT = frozenset({Intent.MEDIATION, Intent.LANGUAGE})
LISTED = (Intent.CONFIRM, Intent.CHANGE, Intent.STANDING, Intent.APPOINTMENT, Intent.ACTIONS, Intent.HELP,
          Intent.LANGUAGE, Intent.STOP, Intent.MEDIATION, Intent.GUIDE)
# intents that may be read from phrases inside a short SMS (`phrases:`), and the reserved words each may list there
IN_SENTENCES = (Intent.CONFIRM, Intent.CHANGE, Intent.STANDING, Intent.APPOINTMENT, Intent.ACTIONS, Intent.HELP,
                Intent.STOP, Intent.GUIDE)
RESERVED_MEANING = {Intent.STOP: TWILIO_OPT_OUT, Intent.CONFIRM: frozenset({"yes"}), Intent.HELP: TWILIO_HELP}


class KeywordError(ValueError):
    """A keyword file that would make the parser ambiguous or collide with Twilio (raised when loading)."""


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    argument: str = ""  # mediation: the text after the word, as written; language: a code or "" (menu)
    reserved: bool = False  # one of Twilio's words: Twilio has acted (and answered) already
    number: int | None = None  # the SMS is a bare number (an answer in a guided flow or a menu)
    normalized: str = ""
    phrase: bool = False  # understood from phrases in a sentence ("stop svp"), not from one listed word
    choices: tuple[Intent, ...] = ()  # AMBIGUOUS: the meanings found (a "no" with a "yes": CONFIRM alone)


# --- the keyword table ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Keywords:
    phrases: dict[str, Intent]  # normalised listed word -> intent (the whole SMS equals it)
    languages: dict[str, str]  # normalised language name or code -> code
    sentences: dict[str, Intent] = field(default_factory=dict)  # normalised phrase -> intent, inside a short SMS
    polite: frozenset[str] = frozenset()  # words that add nothing to what a reply asks
    no: frozenset[str] = frozenset()  # "no": a "no" with a "yes" is asked back, a "no" alone goes to a person
    longest: int = 1  # words in the longest phrase
    fuzzy: tuple[str, ...] = ()  # the words a typo may reach (`_correct`)
    undoubled: dict[str, str] = field(default_factory=dict)  # undoubled known word -> the word (one only)
    meanings: dict[str, frozenset[Intent]] = field(default_factory=dict)  # word -> intents of the phrases it is in

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
    return _with_sentences(Keywords(phrases, languages), files)


def _with_sentences(table: Keywords, files: dict[str, dict]) -> Keywords:
    """Add the phrases read inside a short SMS, the polite and "no" words, and the words a typo may reach."""
    sentences = {phrase: intent for phrase, intent in table.phrases.items() if intent in IN_SENTENCES}
    for lang, data in files.items():
        for intent_name, listed in (data.get("phrases") or {}).items():
            _add_phrases(sentences, lang, Intent(intent_name), listed or ())
    polite, no = _one_words(files, "polite"), _one_words(files, "no_words")
    for word in polite | no:
        if word in sentences:
            raise KeywordError(f"{word!r} is a polite or 'no' word and a phrase ({sentences[word]})")
    if polite & no:
        raise KeywordError(f"polite and 'no' words at once: {sorted(polite & no)}")
    # the words a typo may reach: every word of a phrase and the polite words, except the opt-out phrases' words
    # (an opt-out is never guessed), Twilio's words and the "no" words; a word two phrases' meanings share is kept
    stop_words = {word for phrase, intent in sentences.items() if intent is Intent.STOP for word in phrase.split()}
    known = {word for phrase in sentences for word in phrase.split()} | polite | no
    reachable = sorted(word for word in known - stop_words - TWILIO_RESERVED - no
                       if len(word) >= MIN_FUZZY and not word.isdigit())
    spelled: dict[str, list[str]] = {}  # undoubled spelling -> the known words spelled so
    for word in sorted(known):
        spelled.setdefault(undoubled(word), []).append(word)
    meanings: dict[str, set[Intent]] = {}
    for phrase, intent in sentences.items():
        for word in phrase.split():
            meanings.setdefault(word, set()).add(intent)
    return Keywords(table.phrases, table.languages, sentences, polite, no,
                    max((len(phrase.split()) for phrase in sentences), default=1),
                    tuple(reachable),
                    {key: found[0] for key, found in spelled.items() if len(found) == 1},
                    {word: frozenset(found) for word, found in meanings.items()})


def _add_phrases(sentences: dict[str, Intent], lang: str, intent: Intent, listed: Iterable[object]) -> None:
    """One `phrases:` list into the table; refuse a phrase of two meanings or a Twilio word of another meaning."""
    if intent not in IN_SENTENCES:
        raise KeywordError(f"{lang}.phrases: {intent} is not read inside a sentence")
    for word in listed:
        phrase = normalize(str(word))
        if not phrase:
            raise KeywordError(f"{lang}.phrases.{intent}: {word!r} is empty once normalised")
        if phrase in TWILIO_RESERVED and phrase not in RESERVED_MEANING.get(intent, ()):
            raise KeywordError(f"{lang}.phrases.{intent}: {word!r} means something else to Twilio")
        if sentences.get(phrase, intent) is not intent:
            raise KeywordError(f"{lang}.phrases.{intent}: {word!r} already means {sentences[phrase]}")
        sentences[phrase] = intent


def _one_words(files: dict[str, dict], key: str) -> frozenset[str]:
    """The `polite:` or `no_words:` words of every language, each one word once normalised."""
    found = set()
    for lang, data in files.items():
        for word in data.get(key) or ():
            normalized = normalize(str(word))
            if not normalized or " " in normalized:
                raise KeywordError(f"{lang}.{key}: {word!r} must be one word")
            found.add(normalized)
    return frozenset(found)


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
        intent = Intent.HELP if QUESTION.match(text or "") else Intent.OTHER  # a lone "?" asks for the menu
        return Parsed(intent, normalized=normalized)
    number = int(normalized) if normalized.isdigit() and len(normalized) <= 3 else None
    if normalized in TWILIO_OPT_OUT:
        return Parsed(Intent.STOP, reserved=True, normalized=normalized)
    if normalized == "yes":  # an opt-in word for Twilio, a "yes" for the household (see the module docstring)
        return Parsed(Intent.CONFIRM, reserved=True, normalized=normalized)
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
    return _sentence(normalized, keywords) or Parsed(Intent.OTHER, number=number, normalized=normalized)


def _sentence(normalized: str, keywords: Keywords) -> Parsed | None:
    """A short SMS made only of phrases, polite and "no" words (see the module docstring); None otherwise."""
    tokens = normalized.split(" ")
    if len(tokens) > MAX_WORDS:
        return None
    tokens = [_correct(token, keywords) for token in _joined_letters(tokens, keywords)]
    cover = _cover(tuple(tokens), keywords)
    if cover is None:
        return None  # a word we do not know: a person reads the SMS
    matched = [piece for piece in cover if piece in keywords.sentences]
    found = {keywords.sentences[piece] for piece in matched}
    said_no = any(piece in keywords.no for piece in cover)
    if not found:
        return None
    if len(found) == 1 and not (said_no and Intent.CONFIRM in found):
        # "1 merci" is still the number 1: a conversation under way (a menu) takes it as its answer first
        number = int(matched[0]) if len(matched) == 1 and matched[0].isdigit() and not said_no else None
        return Parsed(found.pop(), normalized=normalized, phrase=True, number=number)
    return Parsed(Intent.AMBIGUOUS, normalized=normalized, phrase=True,
                  choices=tuple(intent for intent in IN_SENTENCES if intent in found))


def _cover(tokens: tuple[str, ...], keywords: Keywords) -> list[str] | None:
    """The SMS cut into phrases, polite and "no" words, longest phrases first; None when a word is none of them."""
    ends: dict[int, list[str] | None] = {len(tokens): []}

    def from_(at: int) -> list[str] | None:
        if at not in ends:
            ends[at] = None
            for size in range(min(keywords.longest, len(tokens) - at), 0, -1):
                piece = " ".join(tokens[at:at + size])
                if piece in keywords.sentences or (size == 1 and (piece in keywords.polite or piece in keywords.no)):
                    rest = from_(at + size)
                    if rest is not None:
                        ends[at] = [piece, *rest]
                        break
        return ends[at]

    return from_(0)


def _joined_letters(tokens: list[str], keywords: Keywords) -> list[str]:
    """Letters typed one by one ("R.D.V", "o k") joined again when they make a known word."""
    joined: list[str] = []
    at = 0
    while at < len(tokens):
        end = at
        while end < len(tokens) and len(tokens[end]) == 1 and tokens[end].isalpha():
            end += 1
        word = "".join(tokens[at:end])
        if end - at >= 2 and word in keywords.sentences:
            joined.append(word)
            at = end
        else:
            joined.append(tokens[at])
            at += 1
    return joined


def _correct(token: str, keywords: Keywords) -> str:
    """The known word this one is a small typo of, when exactly one is that close; else the word as it is.

    Letters doubled by mistake are dropped first ("etappe", "tamamm"). Then, for a word of MIN_FUZZY letters or more,
    one letter missing, swapped or changed (two from 8 letters on), towards the words `Keywords.fuzzy` lists: never
    a letter added (it may be a negation) and never towards an opt-out or "no" word.
    """
    if token in keywords.sentences or token in keywords.polite or token in keywords.no or token.isdigit():
        return token
    if (same := keywords.undoubled.get(undoubled(token))) is not None and len(token) >= 3:
        return same
    if len(token) < MIN_FUZZY:
        return token
    limit = 1 if len(token) < 8 else 2
    found = process.extract(token, keywords.fuzzy, scorer=OSA.distance, score_cutoff=limit, limit=None)
    close = [(word, int(distance)) for word, distance, _index in found if len(word) >= len(token)]
    if not close:
        return token
    best = min(distance for _word, distance in close)
    nearest = sorted(word for word, distance in close if distance == best)
    if len(nearest) == 1:
        return nearest[0]
    # two words as close: only when each is in phrases of one and the same meaning ("confirmr": "confirme" or
    # "confirmer"), or both are polite words
    meanings = {keywords.meanings.get(word, frozenset()) for word in nearest}
    return nearest[0] if len(meanings) == 1 and len(meanings.pop()) <= 1 else token


def as_twilio_did(parsed: Parsed, opt_out_type: str) -> Parsed:
    """The SMS as Twilio handled it: with Advanced Opt-Out, Twilio says which of its words it matched (OptOutType
    STOP, START or HELP, its own or the deployment's own keywords) and has blocked, unblocked or answered already."""
    kind = opt_out_type.strip().upper()
    if kind == "STOP":
        return Parsed(Intent.STOP, reserved=True, normalized=parsed.normalized)
    if kind == "START":  # YES, or an opt-in keyword meaning yes: consent back, or a confirmation (the service)
        intent = Intent.CONFIRM if parsed.intent is Intent.CONFIRM else Intent.RESTART
        return Parsed(intent, reserved=True, normalized=parsed.normalized)
    if kind == "HELP":
        return Parsed(Intent.HELP, reserved=True, normalized=parsed.normalized)
    return parsed

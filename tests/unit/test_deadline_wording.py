"""A deadline is the last allowed day: every text that states one says "at the latest on <date>" in its language,
never "before <date>" (a household reading "before the 14th" answers a day early, or thinks it is too late).

Walks every interface catalogue (translations/*/LC_MESSAGES/messages.po and the .pot) and every content file
(content/<lang>/**/*.yaml and *.md), and looks at each text that carries a date: a `{date}`-like placeholder,
`%(date)s`-like one, or a label that ends where the template puts the date ("Réponse avant le" + the date)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
DATE_SLOT = r"(?:\{(?:date|answer_by|due_on|[a-z_]*_(?:on|by|date))\}|\*\*\{[a-z_]+\}\*\*|%\([a-z_]*date[a-z_]*\)s)"
BEFORE = {  # "before" followed by a date slot, per language
    "fr": re.compile(r"\bavant(?:\s+(?:le|la|d'ici le))?\s*(?:l')?" + DATE_SLOT, re.IGNORECASE),
    "en": re.compile(r"\bbefore\s*" + DATE_SLOT, re.IGNORECASE),
    "pt": re.compile(r"\bantes (?:d[eo]|da|do dia)\s*" + DATE_SLOT, re.IGNORECASE),
    "ar": re.compile(r"قبل\s*(?:يوم\s*)?" + DATE_SLOT),
    "tr": re.compile(DATE_SLOT + r"\s*(?:tarihinden\s*)?önce|şu tarihten önce", re.IGNORECASE),
}
# a label the template follows with the date ("Réponse au plus tard le" + date): "before" at its very end
LABEL_BEFORE = {"fr": re.compile(r"\bavant (?:le|la)$", re.IGNORECASE), "en": re.compile(r"\bbefore$", re.IGNORECASE),
               "pt": re.compile(r"\bantes d[eoa](?: dia)?$", re.IGNORECASE), "ar": re.compile(r"قبل(?: يوم)?$"),
               "tr": re.compile(r"önce$", re.IGNORECASE)}
LANGUAGES = tuple(BEFORE)


def _catalogue_texts(lang: str) -> list[tuple[str, str, bool]]:
    """(where, text, is a label the date follows) for each message of a catalogue: the French source (msgid)
    and the language's msgstr."""
    path = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=lang)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(f"{path.name} msgid", text, True) for text in ids]
        # a translation of a deadline label must not end in "before" either
        label = "au plus tard" in ids[0]
        found += [(f"{path.relative_to(ROOT)} msgstr of {ids[0]!r}", text, label) for text in strs if text]
    return found


def _content_texts(lang: str) -> list[tuple[str, str, bool]]:
    """(where, line, False) for each line of the language's content files."""
    found = []
    for path in sorted((ROOT / "content" / lang).rglob("*")):
        if path.suffix in (".yaml", ".yml", ".md"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                found.append((f"{path.relative_to(ROOT)}:{number}", line.rstrip(), False))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_says_before_a_deadline(lang: str) -> None:
    catalogue = _catalogue_texts("en" if lang == "fr" else lang)  # French: the msgids (the source)
    texts = _content_texts(lang) + [found for found in catalogue if ("msgid" in found[0]) == (lang == "fr")]
    wrong = [f"{where}: {text}" for where, text, label in texts
             if BEFORE[lang].search(text) or (label and LABEL_BEFORE[lang].search(text.strip().rstrip(".:")))]
    assert not wrong, "a deadline is the last allowed day: say 'at the latest on', not 'before':\n" + "\n".join(wrong)


def test_the_check_finds_the_wordings_it_forbids() -> None:
    """The patterns catch what the outside review found, and let the right wordings through."""
    caught = {"fr": ["Répondez avant le {date}.", "Réponse avant le", "à faire (avant le %(date)s)"],
              "en": ["answer before {date}.", "To update before"],
              "pt": ["antes do dia {date}.", "Resposta antes de"],
              "ar": ["قبل {date}.", "جددوا أوراقكم قبل يوم"],
              "tr": ["şu tarihten önce güncelleyin: {date}", "{date} tarihinden önce"]}
    right = {"fr": ["au plus tard le {date}.", "Reste à vivre avant le déménagement :", "Réponse au plus tard le"],
             "en": ["by {date} at the latest.", "before the move", "Answer at the latest on"],
             "pt": ["até ao dia {date}, no máximo.", "antes da mudança"],
             "ar": ["في موعد أقصاه {date}", "قبل الانتقال"],
             "tr": ["Son gün: {date}.", "Taşınmadan önce ve sonra bütçe"]}
    def forbidden(lang: str, text: str) -> bool:
        return bool(BEFORE[lang].search(text) or LABEL_BEFORE[lang].search(text.rstrip(".:")))

    for lang, texts in caught.items():
        assert [text for text in texts if not forbidden(lang, text)] == [], lang
    for lang, texts in right.items():
        assert [text for text in texts if forbidden(lang, text)] == [], lang


# "dans les 10 jours" leaves open whether the 10th day still counts: a delay the household counts on (its answer,
# charter §4 step 11; the cheque for the moving costs, §3.2) is said as its last allowed day, "au plus tard 10 jours
# après la visite", when no date is known.
VAGUE_DELAY = {"fr": re.compile(r"dans les \d+ jours", re.IGNORECASE),
               "en": re.compile(r"within \d+ days", re.IGNORECASE),
               "pt": re.compile(r"no prazo de \d+ dias", re.IGNORECASE),
               "ar": re.compile(r"خلال \d+ (?:أيام|يوما)"),
               "tr": re.compile(r"\d+ gün içinde", re.IGNORECASE)}
CITES_THE_CHARTER = re.compile(r"^(?:Charte|Charter|Tüzük|الميثاق)\b|[“«]")  # its words, in the sources section


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_delay_the_household_counts_on_is_said_as_its_last_allowed_day(lang: str) -> None:
    wrong = [f"{where}: {text}" for where, text, _label in _content_texts(lang)
             if VAGUE_DELAY[lang].search(text) and not CITES_THE_CHARTER.search(text)]
    assert not wrong, "say 'at the latest N days after ...' (its last day), not 'within N days':\n" + "\n".join(wrong)

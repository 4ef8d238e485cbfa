"""SMS character sets and segment counts (GSM 03.38 / 3GPP TS 23.038), as pure functions of the text.

An SMS is billed per segment. A text written only in the GSM 7-bit default alphabet fits 160 characters in one
segment; a single character outside it (ê, ş, ’, an emoji) switches the whole message to UCS-2 and only 70 fit.
So Latin-script messages (French, English, Turkish, Portuguese) are transliterated to GSM-7 before sending,
and Arabic, which GSM-7 cannot write, is sent as UCS-2 and counted as such.

Long messages are split into concatenated parts whose header costs 7 septets (GSM-7: 153 left of 160) or
3 UTF-16 code units (UCS-2: 67 left of 70). A part never splits an extension character from its escape,
nor a surrogate pair, so the count walks the text character by character instead of dividing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from guide.core.i18n import is_latin

# The default alphabet, 16 code points a line from 0x00 to 0x7F: GSM7_BASIC[code] is the character.
# 0x1B is ESC, the prefix of the extension table, not a character of its own (kept here as "\x1b" so the
# positions stay right, and left out of GSM7_BASIC_CHARS).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_ESCAPE = 0x1B

# The extension table: each character is sent as ESC followed by this code, so it costs 2 septets.
# 0x0A is the page break (form feed); the other codes of the table are reserved.
GSM7_EXTENSION: dict[int, str] = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

GSM7_BASIC_CHARS = frozenset(GSM7_BASIC) - {chr(GSM7_ESCAPE)}
GSM7_EXTENSION_CHARS = frozenset(GSM7_EXTENSION.values())
GSM7_CHARS = GSM7_BASIC_CHARS | GSM7_EXTENSION_CHARS

GSM7_SINGLE_SEPTETS = 160  # one SMS: 140 octets of 7-bit characters
GSM7_PART_SEPTETS = 153  # each part of a long SMS: 160 minus the 6-octet concatenation header (7 septets)
UCS2_SINGLE_UNITS = 70  # one SMS: 140 octets of UTF-16 code units
UCS2_PART_UNITS = 67  # each part of a long SMS: 70 minus the 6-octet concatenation header


# Characters whose NFKD decomposition gives no good GSM-7 form (œ, ı, quotes, dashes) or that are listed
# here so the common French, Turkish and Portuguese cases read plainly. Every value is GSM-7.
FOLDS: dict[str, str] = {
    # letters GSM-7 lacks and NFKD cannot split into a base letter and an accent
    "œ": "oe",
    "Œ": "OE",
    "ı": "i",  # Turkish dotless i
    "İ": "I",  # Turkish dotted capital I
    "ş": "s",
    "Ş": "S",
    "ğ": "g",
    "Ğ": "G",
    "ç": "c",  # GSM-7 has the capital Ç only
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
    "Þ": "Th",
    # typographic quotes and apostrophes
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "‹": "'",
    "›": "'",
    "`": "'",  # the backtick is ASCII but not GSM-7 (0x60 is ¿)
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    # dashes and hyphens
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "…": "...",
    # spaces: GSM-7 has the plain space, line feed and carriage return only
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (French « », ; : ! ?)
    "\u2009": " ",  # thin space
    "\t": " ",
    "\u2028": "\n",
    "\u2029": "\n",
    # symbols common in French messages
    "°": "o",  # « n° 12 » → « no 12 », as NFKD does for º
    "•": "-",
    "×": "x",
    "÷": "/",
    "⁄": "/",  # the fraction slash NFKD puts in ½
    "©": "(c)",
    "®": "(R)",
}

# French guillemets carry a (no-break) space inside: « mairie » becomes "mairie", not " mairie ".
_OPENING_QUOTE = re.compile(r"([«‹])[^\S\r\n]*")
_CLOSING_QUOTE = re.compile(r"[^\S\r\n]*([»›])")


class SmsEncoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentCount:
    """How a text travels: its encoding, its length in that encoding's units, and the SMS parts it takes.

    `units` are septets for GSM-7 (an extension character counts 2) and UTF-16 code units for UCS-2
    (an emoji outside the Basic Multilingual Plane counts 2).
    """

    encoding: SmsEncoding
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """Whether every character is in the GSM-7 default alphabet or its extension table."""
    return all(ch in GSM7_CHARS for ch in text)


def transliterate(text: str) -> str:
    """The text rewritten with GSM-7 characters only, so a Latin-script SMS stays at 160 characters a part.

    Letters GSM-7 has (é è à ù ì ò ä ö ü ñ Ç Å Ø Æ ß…) and the extension characters (€ [ ] { } ^ ~ \\ |) are
    kept; other accented letters lose their accent (ê → e, ş → s, ã → a), ligatures and typographic
    punctuation get their plain form (œ → oe, ’ → ', « » → ", – → -, … → ...), other characters their NFKD
    compatibility form (ﬁ → fi, ½ → 1/2) and anything left (emoji, other scripts) is removed.

    For Latin-script text only: Arabic (or any other script) passed here would be deleted. Send it untouched
    as UCS-2 instead, as `prepare` does.
    """
    text = unicodedata.normalize("NFC", text)  # a decomposed "e" + U+0301 becomes é, which GSM-7 has
    text = _CLOSING_QUOTE.sub(r"\1", _OPENING_QUOTE.sub(r"\1", text))
    return "".join(_fold(ch) for ch in text)


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """One character as GSM-7: itself, its listed fold, its NFKD form keeping what GSM-7 has, or nothing."""
    if ch in GSM7_CHARS:
        return ch
    if ch in FOLDS:
        return FOLDS[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    # Drop accents from the last one, so a letter keeps the first accent GSM-7 has (ǘ → ü, Ǻ → Å).
    while decomposed and unicodedata.combining(decomposed[-1]):
        recomposed = unicodedata.normalize("NFC", decomposed)
        if is_gsm7(recomposed):
            return recomposed
        decomposed = decomposed[:-1]
    return "".join(part if part in GSM7_CHARS else FOLDS.get(part, "") for part in decomposed)


def segments(text: str) -> SegmentCount:
    """The encoding a text needs, its length in that encoding and the number of SMS parts (1 for no text)."""
    if is_gsm7(text):
        costs = [2 if ch in GSM7_EXTENSION_CHARS else 1 for ch in text]
        return _count(SmsEncoding.GSM7, costs, GSM7_SINGLE_SEPTETS, GSM7_PART_SEPTETS)
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # a surrogate pair in UTF-16
    return _count(SmsEncoding.UCS2, costs, UCS2_SINGLE_UNITS, UCS2_PART_UNITS)


def _count(encoding: SmsEncoding, costs: list[int], single: int, per_part: int) -> SegmentCount:
    """Fill parts in order; a character that does not fit whole in a part starts the next one."""
    units = sum(costs)
    if units <= single:
        return SegmentCount(encoding, units, 1)
    parts, filled = 1, 0
    for cost in costs:
        if filled + cost > per_part:
            parts, filled = parts + 1, 0
        filled += cost
    return SegmentCount(encoding, units, parts)


def prepare(text: str, lang: str) -> tuple[str, SegmentCount]:
    """The text to send in this language and its count: transliterated for a Latin-script language (fr, en, tr, pt).

    Arabic, and any language not known to be in Latin script, is sent as written (UCS-2 when it needs it):
    transliterating it would delete it. `lang` is a language code such as "fr" or "pt-BR".
    """
    body = transliterate(text) if is_latin(lang) else text
    return body, segments(body)

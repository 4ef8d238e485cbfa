"""How an SMS and the listed words are compared: one spelling per word (guide/features/sms_replies/keywords.py).

No Flask, no database: case, accents, punctuation, extra spaces, letters typed three times or more, Arabic short
vowels, tatweel, the forms of alef/ya/ta marbuta, Arabic-Indic, Persian or full-width digits, and the emoji people
answer with.
"""

from __future__ import annotations

import re
import unicodedata

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
# emoji people answer with: a thumbs up, OK hand or check mark says "ok", a thumbs down or cross says "no" (skin
# tones and variation selectors are symbols or marks, dropped below)
_EMOJI = str.maketrans({**{ch: " ok " for ch in "👍👌✅✔☑🆗"}, **{ch: " no " for ch in "👎❌✖"}})
_SPACES = re.compile(r"\s+")
_REPEATED = re.compile(r"([^\W\d_])\1{2,}")  # a letter typed three times or more: "ouiii", "نعععم"
QUESTION = re.compile(r"^[\s?？؟¿]+$")


def normalize(text: str) -> str:
    """Lower case, no accents or Arabic short vowels, one spelling per letter, ASCII digits, one space between words."""
    # compatibility forms first ("𝐎𝐊", "ＯＫ" become "OK"), then case, then split again what case folding composed
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text.translate(_EMOJI)).casefold())
    kept = []
    for ch in folded.translate(_LETTERS):
        category = unicodedata.category(ch)
        if category.startswith("M"):  # accents, shadda, harakat, hamza and madda marks, Turkish dot
            continue
        kept.append(" " if category[0] in "PSZC" else ch)  # punctuation, symbols, spaces, controls
    plain = _SPACES.sub(" ", "".join(kept).translate(_LETTERS)).strip()
    return _REPEATED.sub(r"\1", plain)


def undoubled(word: str) -> str:
    """A word with each letter typed twice in a row kept once: "etappe" and "etape" meet, "tamamm" and "tamam"."""
    return re.sub(r"(.)\1+", r"\1", word)

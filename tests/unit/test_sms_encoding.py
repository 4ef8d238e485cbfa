"""SMS encodings and segment counts, as tables of worked examples (GSM 03.38 / 3GPP TS 23.038)."""

import random

import pytest

from guide.messaging.encoding import (
    FOLDS,
    GSM7_BASIC,
    GSM7_BASIC_CHARS,
    GSM7_CHARS,
    GSM7_EXTENSION,
    GSM7_EXTENSION_CHARS,
    SegmentCount,
    SmsEncoding,
    is_gsm7,
    prepare,
    segments,
    transliterate,
)

GSM = SmsEncoding.GSM7
UCS = SmsEncoding.UCS2
EMOJI = "😀"  # U+1F600: two UTF-16 code units
ARABIC = "موعدك مع المكلف بإعادة الإسكان يوم الأربعاء"  # "Your appointment with the relocation officer is on Wednesday"
GSM_KEPT_LETTERS = "éèùìòàäöüñÄÖÜÑÉÅåØøßÆæÇ"


@pytest.mark.parametrize(
    ("code", "char"),
    [
        (0x00, "@"),
        (0x01, "£"),
        (0x02, "$"),
        (0x09, "Ç"),
        (0x0A, "\n"),
        (0x0D, "\r"),
        (0x10, "\u0394"),  # Δ GREEK CAPITAL LETTER DELTA
        (0x11, "_"),
        (0x15, "\u03a9"),  # Ω GREEK CAPITAL LETTER OMEGA, not the ohm sign U+2126
        (0x1A, "\u039e"),  # Ξ
        (0x1C, "Æ"),
        (0x1F, "É"),
        (0x20, " "),
        (0x24, "¤"),  # not $
        (0x40, "¡"),  # not @
        (0x5B, "Ä"),
        (0x5F, "§"),
        (0x60, "¿"),  # not `
        (0x7B, "ä"),
        (0x7F, "à"),
    ],
)
def test_default_alphabet_follows_the_spec(code: int, char: str) -> None:
    assert GSM7_BASIC[code] == char


def test_default_alphabet_has_128_positions_and_escape_is_no_character() -> None:
    assert len(GSM7_BASIC) == 128
    assert GSM7_BASIC[0x1B] == "\x1b"
    assert "\x1b" not in GSM7_CHARS
    assert len(GSM7_BASIC_CHARS) == 127


def test_extension_table_follows_the_spec() -> None:
    assert GSM7_EXTENSION == {
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
    assert not GSM7_EXTENSION_CHARS & GSM7_BASIC_CHARS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("Bonjour", True),
        ("€ [ ] { } ^ ~ \\ |", True),
        (GSM_KEPT_LETTERS, True),
        ("@£$¥¤§¡¿", True),
        ("ç", False),  # GSM-7 has Ç only
        ("ê", False),
        ("’", False),
        ("`", False),  # ASCII, but not GSM-7
        ("\t", False),
        ("\u00a0", False),
        ("\x1b", False),
        (EMOJI, False),
        (ARABIC, False),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


@pytest.mark.parametrize(
    ("char", "folded"),
    [
        ("ê", "e"),
        ("â", "a"),
        ("î", "i"),
        ("ô", "o"),
        ("û", "u"),
        ("ë", "e"),
        ("ï", "i"),
        ("ÿ", "y"),
        ("ç", "c"),
        ("œ", "oe"),
        ("Œ", "OE"),
        ("Ê", "E"),
        ("À", "A"),
        ("È", "E"),
        ("Ô", "O"),
        ("ı", "i"),
        ("İ", "I"),
        ("ş", "s"),
        ("Ş", "S"),
        ("ğ", "g"),
        ("Ğ", "G"),
        ("ã", "a"),
        ("õ", "o"),
        ("á", "a"),
        ("í", "i"),
        ("ó", "o"),
        ("ú", "u"),
        ("Ã", "A"),
        ("Á", "A"),
        ("Ó", "O"),
        ("‘", "'"),
        ("’", "'"),
        ("“", '"'),
        ("”", '"'),
        ("«", '"'),
        ("»", '"'),
        ("–", "-"),
        ("—", "-"),
        ("…", "..."),
        ("\u00a0", " "),  # no-break space
        ("\u202f", " "),  # narrow no-break space
        ("\u2009", " "),  # thin space
        ("`", "'"),
        ("°", "o"),
        ("ﬁ", "fi"),  # NFKD of the ligature
        ("½", "1/2"),  # NFKD, then the fraction slash
        ("²", "2"),
        ("Ａ", "A"),  # fullwidth
        ("\u2126", "\u03a9"),  # the ohm sign becomes the Greek Ω GSM-7 has
        ("ǘ", "ü"),  # keeps the accent GSM-7 has
        ("Ǻ", "Å"),
        ("e\u0301", "é"),  # decomposed é is recomposed, not stripped
        (EMOJI, ""),
        ("👍🏽", ""),  # with a skin-tone modifier
        ("👨‍👩‍👧", ""),  # joined with zero-width joiners
        ("\u200b", ""),  # zero-width space
        ("\u00ad", ""),  # soft hyphen
    ],
)
def test_transliterate_folds_each_character(char: str, folded: str) -> None:
    assert transliterate(char) == folded


@pytest.mark.parametrize("kept", [*GSM_KEPT_LETTERS, "€", "[", "]", "{", "}", "^", "~", "\\", "|", "\n", "\r"])
def test_transliterate_keeps_what_gsm7_has(kept: str) -> None:
    assert transliterate(kept) == kept


def test_transliterate_leaves_the_whole_alphabet_untouched() -> None:
    alphabet = "".join(sorted(GSM7_CHARS))
    assert transliterate(alphabet) == alphabet


def test_every_fold_is_gsm7() -> None:
    assert all(is_gsm7(folded) for folded in FOLDS.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # French (é is GSM-7, so « côté » keeps it; ô is not)
        (
            "Rendez-vous à l'hôtel de ville – côté « mairie »",
            'Rendez-vous à l\'hotel de ville - coté "mairie"',
        ),
        (
            "Votre visite\u202f: jeudi 12 mars à 14\u00a0h\u00a030 — apportez vos pièces…",
            "Votre visite : jeudi 12 mars à 14 h 30 - apportez vos pièces...",
        ),
        ("L’œuvre du maître naïf coûte 5\u00a0€", "L'oeuvre du maitre naif coute 5 €"),
        ("Ça y est, vous avez reçu la proposition n° 3 !", "Ça y est, vous avez recu la proposition no 3 !"),
        ("«\u00a0Bienvenue\u00a0» chez vous 🏠", '"Bienvenue" chez vous '),
        # English
        ("Don’t forget — it’s at 10 o’clock", "Don't forget - it's at 10 o'clock"),
        ("“Welcome home” 🎉", '"Welcome home" '),
        # Turkish
        ("Yerleşim görevliniz Çarşamba günü gelecek", "Yerlesim görevliniz Çarsamba günü gelecek"),
        ("İstanbul’da ılık bir gün; ağaç", "Istanbul'da ilik bir gün; agac"),
        ("Şikâyetiniz için teşekkürler", "Sikayetiniz icin tesekkürler"),
        # Portuguese (à and é are GSM-7; ã, ç, õ, ú, ê are not)
        (
            "Não se esqueça: a reunião é às 10h, na praça São João",
            "Nao se esqueca: a reuniao é às 10h, na praca Sao Joao",
        ),
        ("Informações úteis sobre o prédio, você e a avó", "Informacoes uteis sobre o prédio, voce e a avo"),
    ],
)
def test_transliterate_sentences(text: str, expected: str) -> None:
    assert transliterate(text) == expected
    assert is_gsm7(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SegmentCount(GSM, 0, 1)),
        ("a", SegmentCount(GSM, 1, 1)),
        ("€", SegmentCount(GSM, 2, 1)),
        ("a" * 160, SegmentCount(GSM, 160, 1)),
        ("a" * 161, SegmentCount(GSM, 161, 2)),
        ("a" * 159 + "€", SegmentCount(GSM, 161, 2)),  # the extension character costs 2 septets
        ("a" * 158 + "€", SegmentCount(GSM, 160, 1)),
        ("€" * 80, SegmentCount(GSM, 160, 1)),
        ("€" * 81, SegmentCount(GSM, 162, 2)),
        ("€" * 153, SegmentCount(GSM, 306, 3)),  # 76 a part (152 septets): 306 septets but 3 parts
        ("a" * 306, SegmentCount(GSM, 306, 2)),  # 153 × 2
        ("a" * 307, SegmentCount(GSM, 307, 3)),
        ("a" * 459, SegmentCount(GSM, 459, 3)),  # 153 × 3
        ("a" * 460, SegmentCount(GSM, 460, 4)),
        # an extension character at septets 152–153 fits the first part…
        ("a" * 151 + "€" + "a" * 153, SegmentCount(GSM, 306, 2)),
        # …at septets 153–154 it moves whole to the next part: 306 septets but 3 parts
        ("a" * 152 + "€" + "a" * 152, SegmentCount(GSM, 306, 3)),
        ("a" * 152 + "€" + "a" * 151, SegmentCount(GSM, 305, 2)),
        ("a" * 152 + "{" + "a" * 7, SegmentCount(GSM, 161, 2)),
        # UCS-2: one non-GSM character switches the whole text
        ("ç", SegmentCount(UCS, 1, 1)),
        ("ç" * 70, SegmentCount(UCS, 70, 1)),
        ("ç" * 71, SegmentCount(UCS, 71, 2)),
        ("a" * 159 + "ç", SegmentCount(UCS, 160, 3)),
        ("ç" * 134, SegmentCount(UCS, 134, 2)),  # 67 × 2
        ("ç" * 135, SegmentCount(UCS, 135, 3)),
        ("€" * 70, SegmentCount(GSM, 140, 1)),
        ("€" * 69 + "ç", SegmentCount(UCS, 70, 1)),  # € costs 1 unit in UCS-2
        # emoji: two UTF-16 code units, never split across parts
        (EMOJI, SegmentCount(UCS, 2, 1)),
        ("a" * 68 + EMOJI, SegmentCount(UCS, 70, 1)),
        ("a" * 69 + EMOJI, SegmentCount(UCS, 71, 2)),
        ("a" * 65 + EMOJI + "a" * 67, SegmentCount(UCS, 134, 2)),  # the pair ends the first part
        ("a" * 66 + EMOJI + "a" * 66, SegmentCount(UCS, 134, 3)),  # the pair would straddle: it moves on
        ("a" * 66 + EMOJI + "a" * 65, SegmentCount(UCS, 133, 2)),
        (EMOJI * 35, SegmentCount(UCS, 70, 1)),
        (EMOJI * 36, SegmentCount(UCS, 72, 2)),
        (EMOJI * 67, SegmentCount(UCS, 134, 3)),  # 33 pairs a part (66 units): 134 units but 3 parts
        # Arabic
        (ARABIC, SegmentCount(UCS, 43, 1)),
        (ARABIC + " " + ARABIC, SegmentCount(UCS, 87, 2)),
    ],
)
def test_segments(text: str, expected: SegmentCount) -> None:
    assert segments(text) == expected


def test_segment_count_encodings_read_as_their_names() -> None:
    assert segments("a").encoding == "GSM-7"
    assert segments(ARABIC).encoding == "UCS-2"


@pytest.mark.parametrize(
    ("text", "lang", "body", "count"),
    [
        (
            "Rendez-vous à l'hôtel de ville – côté « mairie »",
            "fr",
            'Rendez-vous à l\'hotel de ville - coté "mairie"',
            SegmentCount(GSM, 46, 1),
        ),
        ("It’s confirmed — see you on Monday", "en", "It's confirmed - see you on Monday", SegmentCount(GSM, 34, 1)),
        (
            "Yerleşim görevliniz Çarşamba günü gelecek",
            "tr",
            "Yerlesim görevliniz Çarsamba günü gelecek",
            SegmentCount(GSM, 41, 1),
        ),
        ("A reunião é na praça", "pt", "A reuniao é na praca", SegmentCount(GSM, 20, 1)),
        ("A reunião é na praça", "pt-BR", "A reuniao é na praca", SegmentCount(GSM, 20, 1)),
        ("Côté mairie", "FR", "Coté mairie", SegmentCount(GSM, 11, 1)),
        ("ê" * 100, "fr", "e" * 100, SegmentCount(GSM, 100, 1)),  # UCS-2 would take 2 parts
        (ARABIC, "ar", ARABIC, SegmentCount(UCS, 43, 1)),  # Arabic is sent as written
        (ARABIC + " 😀", "ar", ARABIC + " 😀", SegmentCount(UCS, 46, 1)),
        ("Код: 1234", "ru", "Код: 1234", SegmentCount(UCS, 9, 1)),  # an unknown script is never deleted
    ],
)
def test_prepare(text: str, lang: str, body: str, count: SegmentCount) -> None:
    assert prepare(text, lang) == (body, count)


# Latin letters with and without accents, punctuation, spaces, symbols, ligatures, fullwidth forms and emoji.
LATIN_POOL = [
    *map(chr, range(0x20, 0x250)),  # ASCII, Latin-1, Latin Extended-A and -B
    *map(chr, range(0x1E00, 0x1F00)),  # Latin Extended Additional (Vietnamese and others)
    *map(chr, range(0x2000, 0x2070)),  # General Punctuation: spaces, dashes, quotes, …
    *map(chr, range(0x20A0, 0x20C0)),  # currency symbols
    *map(chr, range(0x0300, 0x0370)),  # combining accents on their own
    *map(chr, range(0xFB00, 0xFB07)),  # ligatures
    *map(chr, range(0xFF01, 0xFF5F)),  # fullwidth ASCII
    *map(chr, range(0x1F300, 0x1F700)),  # emoji
    "\t",
    "\n",
    "\r",
    "\u200d",
    "\ufe0f",
]


def _random_texts(pool: list[str], seed: int, count: int = 2000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(pool, k=rng.randint(0, 40))) for _ in range(count)]


def test_transliterated_latin_text_is_always_gsm7() -> None:
    """A property over seeded random strings (hypothesis is not installed in the project)."""
    for text in _random_texts(LATIN_POOL, seed=2026):
        cheap = transliterate(text)
        assert is_gsm7(cheap), (text, cheap)
        assert segments(cheap).encoding == GSM
        assert transliterate(cheap) == cheap, (text, cheap)  # nothing left to fold


def test_transliterated_text_is_gsm7_whatever_the_code_points() -> None:
    """The same property over every plane (surrogates excluded): nothing can slip through as UCS-2."""
    any_char = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    for text in _random_texts(any_char, seed=33, count=3000):
        cheap = transliterate(text)
        assert is_gsm7(cheap), (text, cheap)
        assert transliterate(cheap) == cheap, (text, cheap)


def test_segment_count_is_at_least_the_naive_division() -> None:
    """Parts never hold more than 153 septets or 67 code units, so the count never beats plain division."""
    pool = ["a", "€", "[", "ç", EMOJI, "é"]
    for text in _random_texts(pool, seed=7, count=500):
        count = segments(text * 5)
        single, per_part = (160, 153) if count.encoding == GSM else (70, 67)
        if count.units <= single:
            assert count.segments == 1
        else:
            assert count.segments >= -(-count.units // per_part)
            assert count.segments <= -(-count.units // (per_part - 1))

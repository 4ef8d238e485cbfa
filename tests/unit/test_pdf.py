"""Letter PDFs: text in every script comes out as text, escaped markup stays text, nothing is fetched."""

from __future__ import annotations

import base64
import io
import re
import shutil
import socket
import subprocess
import unicodedata
from html import escape

import pytest
import tinyhtml5
from pypdf import PdfReader

from guide.core.pdf import (
    STATIC_DIR,
    ResourceRefused,
    StaticOnlyFetcher,
    html_to_pdf,
    letter_stylesheet,
    resolve_auto_directions,
)

TYPED_BY_HOUSEHOLD = "<script>alert(1)</script>"
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def letter_html(body_extra: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Demande de médiation</title></head>
<body>
<article class="letter">
  <div class="sender"><p>Mme Ayşe Yılmaz</p><p>12 rue des Tilleuls, 59100 Roubaix</p></div>
  <div class="recipient"><p>Bailleur social — Service relogement</p></div>
  <p class="date">Roubaix, le 3 mars 2026</p>
  <p class="reference">Référence : DR-2026-0042</p>
  <p class="subject">Objet : demande de médiation</p>
  <p>Madame, Monsieur, je refuse la proposition de logement : la réparation du chauffage n'a pas été faite.</p>
  <p>Message écrit par le ménage : {escape(TYPED_BY_HOUSEHOLD)} Teşekkür ederim, Günaydın, Kağıthane 🏠</p>
  {body_extra}
  <div class="signature"><p>Ayşe Yılmaz</p></div>
</article>
<article class="letter-copy" dir="rtl" lang="ar">
  <p class="copy-note">ترجمة للعلم فقط</p>
  <p>السيدة، السيد، أرفض عرض السكن لأن التدفئة لم يتم إصلاحها.</p>
</article>
</body></html>"""


def render(html: str) -> bytes:
    return html_to_pdf(html, stylesheets=[letter_stylesheet()])


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdftotext(data: bytes, *options: str) -> str:
    """What poppler's pdftotext reads (as search, copy and many screen readers do), NFC, without the bidi
    embedding marks it puts around each line and each left-to-right run."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: install the Debian package 'poppler-utils' (bin/test does)")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *options, "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    return unicodedata.normalize("NFC", re.sub("[\u202a-\u202e]", "", out))


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render(letter_html())


@pytest.fixture
def no_network(monkeypatch):
    """Records any attempt to open a connection (the fetcher's errors are swallowed, so assert afterwards)."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks the fetcher for, with what came of it."""
    calls: list[tuple[str, str]] = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except ResourceRefused:
            calls.append((url, "refused"))
            raise
        calls.append((url, "served"))
        return response

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    return calls


def test_output_is_an_a4_pdf_with_the_copy_on_its_own_page(letter_pdf):
    reader = PdfReader(io.BytesIO(letter_pdf))

    assert letter_pdf.startswith(b"%PDF-")
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_french_and_turkish_text_is_extractable(letter_pdf):
    text = text_of(letter_pdf)

    for words in ("Madame, Monsieur", "réparation", "médiation", "Référence : DR-2026-0042",
                  "Ayşe Yılmaz", "Teşekkür ederim", "Günaydın", "Kağıthane"):
        assert words in text


def test_escaped_markup_shows_as_text(letter_pdf):
    assert TYPED_BY_HOUSEHOLD in text_of(letter_pdf)


def test_arabic_copy_is_set_in_an_arabic_font(letter_pdf):
    copy = PdfReader(io.BytesIO(letter_pdf)).pages[1].extract_text()

    assert "أرفض عرض السكن لأن التدفئة لم يتم إصلاحها" in copy
    assert any("Noto-Naskh-Arabic" in name for name in font_names(letter_pdf))


# Lam-alef (لا لأ لإ لآ), alef maksura after lam (إلى) and the word Allah: Noto Sans Arabic draws each with one
# ligature glyph, which pdftotext read back reversed ("إىل", "وال", "ال"); the sentences end their paragraph
# (pdftotext sets a comma or full stop inside a right-to-left line on the wrong side of the space).
LIGATURE_SENTENCES = (
    "أذهب إلى المدرسة ولا أريد هذا الطابق.",
    "لا أستطيع صعود الدرج إلى الطابق العاشر.",
    "للأسف لإخوتي لآخر مرة بلا مصعد.",
    "الحمد لله إن شاء الله.",
)


@pytest.fixture(scope="module")
def ligatures_pdf() -> bytes:
    paragraphs = "".join(f'<p class="own-words" dir="auto">{sentence}</p>' for sentence in LIGATURE_SENTENCES)
    return render(f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>x</title></head><body>
<article class="letter" lang="fr" dir="ltr"><h2>Avec mes mots</h2>{paragraphs}</article>
<article class="letter-copy" lang="ar" dir="rtl"><p>{"</p><p>".join(LIGATURE_SENTENCES)}</p></article>
</body></html>""")


def test_arabic_ligatures_read_back_as_their_letters_with_pdftotext(ligatures_pdf):
    french_letter, copy = pdftotext(ligatures_pdf).split("\f")[:2]

    for sentence in LIGATURE_SENTENCES:
        sentence = unicodedata.normalize("NFC", sentence)
        # the copy's page is right to left: pdftotext reads each line whole, full stop included
        assert sentence in copy.splitlines(), sentence
        # on a page pdftotext reads left to right the full stop (a neutral) may come first: the words don't move
        assert sentence.rstrip(".") in [line.strip(".") for line in french_letter.splitlines()], sentence


def test_arabic_ligatures_read_back_as_their_letters_with_pypdf(ligatures_pdf):
    words = {word.strip(".") for word in unicodedata.normalize("NFC", text_of(ligatures_pdf)).split()}

    for sentence in LIGATURE_SENTENCES:
        assert set(sentence.rstrip(".").split()) <= words, sentence


def line_boxes(data: bytes, page: int, first_word: str) -> list[tuple[float, float, str]]:
    """(x min, x max, text) of the words on the line of the page that holds `first_word` (right to left:
    pdftotext -bbox gives each word's letters in visual order), with the page's left margin as a last item
    (the x min of its leftmost word)."""
    boxes = [(float(x0), float(y0), float(x1), word) for x0, y0, x1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]+)<',
        pdftotext(data, "-f", str(page), "-l", str(page), "-bbox"))]
    y = next(y0 for x0, y0, x1, word in boxes if word[::-1] == first_word)
    return sorted((x0, x1, word) for x0, y0, x1, word in boxes if abs(y0 - y) < 5) + [
        (min(x0 for x0, y0, x1, word in boxes), 0.0, "")]


def assert_runs_right_to_left(data: bytes, page: int, first_word: str) -> None:
    """The line starts at the right margin and its full stop is at its left end, after the last word."""
    *words, (left_margin, _, _) = line_boxes(data, page, first_word)
    assert words[-1][2][::-1] == first_word and abs(words[-1][1] - (595.28 - left_margin)) < 3, words
    assert words[0][2].startswith("."), words


def test_households_arabic_in_a_french_letter_runs_right_to_left(ligatures_pdf):
    """dir="auto" (which WeasyPrint ignores) is resolved: each paragraph of the household's words in the French
    letter starts at the right margin and ends with its full stop on the left."""
    for sentence in LIGATURE_SENTENCES:
        assert_runs_right_to_left(ligatures_pdf, 1, sentence.split()[0])


@pytest.mark.parametrize(("markup", "expected"), [
    ('<p dir="auto">بعيد جدا عن المدرسة.</p>', "rtl"),
    ('<p dir="auto">Trop loin, بعيد</p>', "ltr"),
    ('<p dir="auto">« 12, 3 » بعيد</p>', "rtl"),
    ('<p dir="auto"><span dir="ltr">Ref. 12</span> بعيد</p>', "rtl"),
    ('<p dir="auto"><bdi>Nadia</bdi> بعيد</p>', "rtl"),
    ('<p dir="auto"><strong>Trop</strong> بعيد</p>', "ltr"),
    ('<p dir="AUTO">12345</p>', "ltr"),
])
def test_auto_direction_follows_the_first_strong_character(markup, expected):
    root = tinyhtml5.parse(f"<html><body>{markup}</body></html>", namespace_html_elements=False)
    resolve_auto_directions(root)

    assert root.find(".//p").get("dir") == expected


def test_auto_direction_without_strong_character_keeps_the_parents():
    root = tinyhtml5.parse('<html><body><div dir="rtl"><p dir="auto">12 345</p><bdi>99</bdi></div></body></html>',
                           namespace_html_elements=False)
    resolve_auto_directions(root)

    assert root.find(".//p").get("dir") == "rtl" and root.find(".//bdi").get("dir") == "rtl"


def test_remote_image_is_not_fetched_and_the_letter_still_renders(no_network, fetched):
    data = render(letter_html('<img src="http://example.com/x.png" alt="">'
                              '<img src="https://example.com/y.png" alt="">'))

    assert data.startswith(b"%PDF-")
    assert ("http://example.com/x.png", "refused") in fetched
    assert ("https://example.com/y.png", "refused") in fetched
    assert no_network == []


def test_remote_stylesheet_and_font_are_not_fetched(no_network, fetched):
    html = letter_html().replace(
        "</head>",
        '<link rel="stylesheet" href="https://example.com/evil.css">'
        '<style>@font-face { font-family: X; src: url(http://example.com/x.woff2); } body { font-family: X; }'
        "</style></head>",
    )

    assert render(html).startswith(b"%PDF-")
    assert {url for url, outcome in fetched if outcome == "refused"} >= {
        "https://example.com/evil.css", "http://example.com/x.woff2"}
    assert no_network == []


def test_server_files_cannot_be_attached_or_shown(fetched):
    html = letter_html('<link rel="attachment" href="file:///etc/hostname">'
                       '<img src="file:///etc/passwd" alt=""><img src="../../pyproject.toml" alt="">')

    data = render(html)

    assert PdfReader(io.BytesIO(data)).attachments == {}
    assert all(outcome == "refused" for url, outcome in fetched if "letter.css" not in url)
    assert len([url for url, outcome in fetched if outcome == "refused"]) == 3


def test_static_files_and_data_uris_are_served(fetched):
    image = "data:image/png;base64," + base64.b64encode(TINY_PNG).decode()
    html = letter_html(f'<img src="{image}" alt="">').replace(
        "</head>", '<link rel="stylesheet" href="css/letter.css"></head>')

    assert html_to_pdf(html).startswith(b"%PDF-")
    served = {url.split(",")[0] for url, outcome in fetched if outcome == "served"}
    assert served == {"data:image/png;base64", (STATIC_DIR / "css" / "letter.css").as_uri()}


# --- the fetcher on its own -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "HTTP://EXAMPLE.COM/X.PNG",
        "ftp://example.com/x.png",
        "gopher://example.com/",
        "file:///etc/passwd",
        "file://example.com/etc/passwd",
        (STATIC_DIR / "css").as_uri() + "/../../pdf.py",
        (STATIC_DIR / "css" / "missing.css").as_uri(),
        STATIC_DIR.as_uri(),
    ],
)
def test_fetcher_refuses(url):
    with pytest.raises(ResourceRefused):
        StaticOnlyFetcher().fetch(url)


def test_fetcher_refuses_a_link_out_of_the_static_folder(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for letters")
    (root / "escape.css").symlink_to(secret)

    with pytest.raises(ResourceRefused):
        StaticOnlyFetcher(root=root).fetch((root / "escape.css").as_uri())


def test_fetcher_serves_static_files_with_their_type():
    response = StaticOnlyFetcher().fetch(letter_stylesheet().as_uri())

    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_fetcher_serves_data_uris():
    response = StaticOnlyFetcher().fetch("data:image/png;base64," + base64.b64encode(TINY_PNG).decode())

    assert response.read() == TINY_PNG


def test_letter_stylesheet_is_in_the_static_folder():
    sheet = letter_stylesheet()

    assert sheet.is_file() and sheet.parent.parent == STATIC_DIR
    css = sheet.read_text()
    for rule in ("size: A4", "margin: 18mm", "break-before: page", ".receipt-box", '[dir="rtl"]', "@media screen"):
        assert rule in css
    assert "url(" not in css and "@import" not in css  # nothing to fetch


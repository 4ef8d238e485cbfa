"""Spoken pages (guide/core/audio.py): the text read is listen.js's, and the files are real, small Ogg Opus made by
Debian's espeak-ng and opusenc (bin/test installs them), kept when up to date and remade when the words change."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from guide.core.audio import NAME, AudioLibrary, readable_text, spoken_form, text_hash, tools_missing


@pytest.fixture(autouse=True)
def _speech_tools() -> None:
    assert not tools_missing(), f"{tools_missing()} not installed: apt-get install espeak-ng opus-tools (bin/test does)"


def opus_facts(path: Path) -> tuple[int, float]:
    """(channels, seconds) read from the Ogg pages themselves: OpusHead's channel count and pre-skip, and the last
    page's granule position (48 kHz samples)."""
    data = path.read_bytes()
    assert data[:4] == b"OggS", f"{path.name} is not an Ogg file"
    head = data.find(b"OpusHead")
    assert 0 < head < 64, f"{path.name}: no OpusHead in the first page"
    channels = data[head + 9]
    pre_skip = struct.unpack_from("<H", data, head + 10)[0]
    last = data.rfind(b"OggS")
    granule = struct.unpack_from("<q", data, last + 6)[0]
    return channels, (granule - pre_skip) / 48_000


def test_the_text_read_is_the_main_content_without_controls() -> None:
    html = """<h1>La visite</h1><button class="listen" hidden>Écouter</button>
    <div class="listen-audio"><p>Écouter cette page (fichier audio, 85 Ko)</p><audio controls></audio></div>
    <p class="listen-missing hint" hidden>Pas de voix.</p>
    <p>Vous avez <a href="/glossary#g-x">10 jours</a>.<br>Ensuite, répondez.</p>
    <ul><li>Un</li><li>Deux</li></ul><svg aria-hidden="true"><text>icône</text></svg>"""
    assert readable_text(html) == "La visite\n\nVous avez 10 jours.\n\nEnsuite, répondez.\n\nUn\n\nDeux"


def test_a_file_is_small_mono_ogg_opus_kept_when_up_to_date_and_remade_when_the_words_change(tmp_path) -> None:
    library = AudioLibrary(tmp_path)
    words = "La visite a lieu le 14 décembre 2026. Vous avez 10 jours pour répondre."
    before = library.version()
    assert library.build("stages-visit", "fr", words) is True, "the first build should make the file"
    found = library.find("stages-visit", "fr", words)
    assert found is not None and NAME.match(found.name), f"no file found after the build: {list(tmp_path.iterdir())}"
    assert library.version() != before, "a new file must change the version the page cache keys on"
    channels, seconds = opus_facts(tmp_path / found.name)
    assert channels == 1, f"expected mono, got {channels} channels"
    # 13 words at 150 a minute, with the dates spelled out: about 5 to 9 seconds
    assert 3 < seconds < 15, f"{seconds:.1f} s of speech for one short sentence pair"
    kbits = found.size * 8 / seconds / 1000
    assert 4 < kbits < 20, f"{found.size} bytes for {seconds:.1f} s is {kbits:.1f} kbit/s: not a speech bitrate"

    stamp = library.version()
    assert library.build("stages-visit", "fr", words) is False, "an up-to-date file must be kept, not remade"
    assert library.version() == stamp, "keeping a file must not make the pages render again"

    changed = words.replace("10 jours", "8 jours")
    assert library.find("stages-visit", "fr", changed) is None, "changed words must not find the old file"
    assert library.build("stages-visit", "fr", changed) is True, "changed words must make a new file"
    assert library.find("stages-visit", "fr", changed) is not None
    assert not (tmp_path / found.name).exists(), "the page's file for its old words should be removed"
    assert sorted(p.name for p in tmp_path.glob("*.opus")) == [library.name("stages-visit", "fr", changed)]


def test_arabic_is_spoken_with_the_dates_read_out(tmp_path) -> None:
    library = AudioLibrary(tmp_path)
    library.build("stages-visit", "ar", "الزيارة يوم 14 ديسمبر 2026.")
    found = library.find("stages-visit", "ar", "الزيارة يوم 14 ديسمبر 2026.")
    assert found is not None
    _channels, seconds = opus_facts(tmp_path / found.name)
    # "fourteen December two thousand and twenty-six" read as words takes seconds; digits dropped would not
    assert seconds > 2.5, f"only {seconds:.1f} s: the numbers were not read out"


def test_names_hold_the_language_and_the_words() -> None:
    assert text_hash("fr", "Bonjour.") != text_hash("ar", "Bonjour.")
    assert text_hash("fr", "Bonjour.") != text_hash("fr", "Bonsoir.")
    library = AudioLibrary(Path("/nowhere"))
    assert library.find("glossary", "fr", "Bonjour.") is None, "a missing folder means no audio, not an error"
    assert library.version() == "none"
    for name in ("../secret_key", "glossary.fr.opus", "glossary.fr.0123456789ABCDEF.opus", ".version"):
        assert library.path(name) is None, f"{name!r} must not be served"


@pytest.mark.parametrize(("lang", "shown", "said"), [
    ("fr", "Répondez au plus tard le 20/11/2026.", "Répondez au plus tard le 20 novembre 2026."),
    ("fr", "La 1re, la 2e et la 3e proposition.", "La première, la 2ème et la 3ème proposition."),
    ("fr", "Le 14 décembre 2026.", "Le 14 décembre 2026."),  # espeak-ng says it well as it is
    ("ar", "قبل 20/11/2026.", "قبل 20 نوفمبر 2026."),  # else "twenty slash eleven slash..."
    ("en", "By 20/11/2026.", "By 20 November 2026."),
    ("tr", "20/11/2026 tarihine kadar.", "20 Kasım 2026 tarihine kadar."),
    ("pt", "A 3.ª proposta, o 2.º pedido.", "A terceira proposta, o segundo pedido."),
    ("fr", "Le 31/02/2026.", "Le 31/02/2026."),  # not a date: left as written
])
def test_what_espeak_misreads_is_written_as_said(lang: str, shown: str, said: str) -> None:
    assert spoken_form(shown, lang) == said

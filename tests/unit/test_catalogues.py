"""Interface strings: every language's catalogue is complete, not fuzzy, and in step with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from guide.core.i18n import LANGUAGES, SOURCE_LANGUAGE, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]
OTHER = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
FORMAT = re.compile(r"%\([a-z_]+\)s")


def _catalog(lang: str):
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "--no-location", "-o", str(pot), "guide", "templates"], cwd=ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("lang", OTHER)
def test_catalogue_is_complete_and_not_fuzzy(lang: str, extracted: set[str]) -> None:
    catalog = _catalog(lang)
    messages = {m.id: m for m in catalog if m.id}
    missing = extracted - set(messages)
    assert not missing, f"{lang}: strings not in the catalogue (run flask translate update): {sorted(missing)[:5]}"
    untranslated = [m.id for m in messages.values() if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert not untranslated, f"{lang}: untranslated: {untranslated[:5]}"
    fuzzy = [m.id for m in messages.values() if m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy: {fuzzy[:5]}"
    for message in messages.values():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(set(FORMAT.findall(ids[-1])))
        for translated in strings:
            assert translated, f"{lang}: a plural form is empty in {ids[0]!r}"
            found = sorted(set(FORMAT.findall(translated)))
            if len(strings) > 1:  # a plural form may say "one day" without the number
                assert set(found) <= set(expected), f"{lang}: unknown placeholder in {ids[0]!r}"
            else:
                assert found == expected, f"{lang}: placeholders differ in {ids[0]!r}"


@pytest.mark.parametrize("lang", OTHER)
def test_catalogue_is_not_a_copy_of_french(lang: str) -> None:
    catalog = _catalog(lang)
    copies = [m.id for m in catalog if isinstance(m.id, str) and m.string == m.id and len(m.id) > 12]
    assert len(copies) <= 1, f"{lang}: left in French: {copies}"

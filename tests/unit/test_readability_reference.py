"""Every household-facing French file reads easily by our measure (guide/core/readability.py) AND by an
independent one (textstat's Kandel–Moles for French), so that a flaw in our syllable or sentence counting cannot
hide a hard text. Files: journey stages, rights pages, guided questions, glossary, and the YAML words households
read on pages and by SMS (plan, after-move, survey, SMS texts, staff reply templates)."""

from __future__ import annotations

import pytest
import textstat

from guide.core.content import HOUSEHOLD_WORDS, household_texts, load_language
from guide.core.readability import measure, plain_text

FRENCH = load_language("fr")
TEXTS = household_texts(FRENCH)
GOAL = 75


def _sentences(text: str) -> str:
    """Each line is a sentence for both measures (a heading, a list item, a label): end it with a full stop."""
    lines = [line.strip() for line in plain_text(text).splitlines() if line.strip()]
    return " ".join(line if line[-1] in ".?!:…" else line + "." for line in lines)


def test_every_household_word_file_is_measured() -> None:
    assert set(HOUSEHOLD_WORDS) <= set(TEXTS), "a household-facing YAML file is left out of the measure"
    assert all(len(TEXTS[name].split()) > 40 for name in HOUSEHOLD_WORDS), "a measured file is nearly empty"


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_each_household_file_reads_easily_by_both_measures(name: str) -> None:
    textstat.set_lang("fr")
    ours = measure(TEXTS[name]).score
    reference = textstat.flesch_reading_ease(_sentences(TEXTS[name]))
    assert ours >= GOAL and reference >= GOAL, f"{name}: ours {ours:.1f}, textstat {reference:.1f} (goal {GOAL})"
    assert abs(ours - reference) < 12, f"{name}: the two measures disagree (ours {ours:.1f}, textstat {reference:.1f})"

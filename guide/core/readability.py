"""Kandel–Moles readability for French text (a French adaptation of Flesch reading ease).

score = 207 − 1.015 × (words per sentence) − 73.6 × (syllables per word)

Syllables are approximated by groups of vowels, as the project's brief says, without the final mute "e"
that French does not pronounce. Pure: no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VOWELS = "aeiouyàâäéèêëîïôöùûüÿœæ"
_VOWEL_GROUP = re.compile(f"[{_VOWELS}]+", re.IGNORECASE)
# A word is a run of letters; an elision ("l'école", "qu'il") stays one spoken word.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_`>#|]+")
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words if self.words else 0.0

    @property
    def score(self) -> float:
        """Kandel–Moles score: higher is easier; 75+ is easy, 60–70 is standard."""
        if not self.words:
            return 0.0
        return 207 - 1.015 * self.words_per_sentence - 73.6 * self.syllables_per_word

    def __add__(self, other: Readability) -> Readability:
        return Readability(
            self.words + other.words, self.sentences + other.sentences, self.syllables + other.syllables
        )


EMPTY = Readability(0, 0, 0)


_MUTE_E = re.compile(f"[^{_VOWELS}]es?$", re.IGNORECASE)


def syllables(word: str) -> int:
    """Vowel groups in a word, at least one; a final mute "e"/"es" ("une", "votre") is not a syllable."""
    groups = len(_VOWEL_GROUP.findall(word))
    if groups > 1 and _MUTE_E.search(word):
        groups -= 1
    return max(1, groups)


def plain_text(markdown_text: str) -> str:
    """Strip Markdown marks, links' targets and placeholders, keeping the words a reader sees."""
    text = _HTML_COMMENT.sub("\n", markdown_text)
    text = _MD_LINK.sub(r"\1", text)
    text = _PLACEHOLDER.sub("", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    return _MD_MARKS.sub("", text)


def measure(markdown_text: str) -> Readability:
    """Count words, sentences and syllables; each line (heading, list item) ends a sentence."""
    text = plain_text(markdown_text)
    words = sentences = syll = 0
    for chunk in _SENTENCE_END.split(text):
        found = _WORD.findall(chunk)
        if not found:
            continue
        sentences += 1
        words += len(found)
        syll += sum(syllables(w) for w in found)
    return Readability(words, sentences, syll)

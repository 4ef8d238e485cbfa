"""Prints the Kandel–Moles readability of content/fr (or another language): per file, then totals.

Usage: python tools/readability.py [lang]
Targets: household text ≥ 75 with ≤ 12 words per sentence; everything (details included) ≥ 65.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guide.core.content import load_language, readability_report  # noqa: E402


def main() -> None:
    lang = sys.argv[1] if len(sys.argv) > 1 else "fr"
    per_file, household, everything = readability_report(load_language(lang))
    print(f"{'file':32} {'score':>6} {'w/sent':>7} {'syl/w':>6} {'words':>6}")
    for name, r in sorted(per_file.items(), key=lambda item: item[1].score):
        print(f"{name:32} {r.score:6.1f} {r.words_per_sentence:7.1f} {r.syllables_per_word:6.2f} {r.words:6}")
    print(f"{'HOUSEHOLD TOTAL (>= 75, <= 12)':32} {household.score:6.1f} {household.words_per_sentence:7.1f}"
          f" {household.syllables_per_word:6.2f} {household.words:6}")
    print(f"{'ALL OF content/' + lang + ' (>= 65)':32} {everything.score:6.1f} {everything.words_per_sentence:7.1f}"
          f" {everything.syllables_per_word:6.2f} {everything.words:6}")


if __name__ == "__main__":
    main()

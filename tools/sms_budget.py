"""Prints every SMS text's encoding, length and segment count in every language, with the longest values.

Usage: .venv/bin/python tools/sms_budget.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guide.core.i18n import configured_languages

LANGUAGES = configured_languages()
from guide.messaging.texts import render
from tests.unit.test_sms_texts import BUDGET, MESSAGE_KINDS, _longest


def main() -> None:
    print(f"{'text':24}" + "".join(f"{lang:>14}" for lang in LANGUAGES))
    for kind in MESSAGE_KINDS:
        cells = []
        for lang in LANGUAGES:
            _text, count = render(kind, lang, **_longest(lang))
            cells.append(f"{count.units:>4} {count.encoding[:3]} {count.segments}/{BUDGET[lang]}")
        print(f"{kind:24}" + "".join(f"{cell:>14}" for cell in cells))


if __name__ == "__main__":
    main()

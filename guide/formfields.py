"""Choices for WTForms select, radio and checkbox fields.

WTForms 3.3 deprecates choices given as (value, label) tuples and drops them in 3.4; `SelectChoice` is the form
that stays. Every choice list goes through `options`, so the forms keep working on the next WTForms release.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields import SelectChoice


def options(items: Iterable[Any]) -> list[SelectChoice]:
    """(value, label) pairs, bare values or SelectChoice objects -> a list of SelectChoice."""
    found = []
    for item in items:
        if isinstance(item, SelectChoice):
            found.append(item)
        elif isinstance(item, tuple):
            value, label = item
            found.append(SelectChoice(str(value), label))
        else:
            found.append(SelectChoice(str(item)))
    return found

"""Choices for WTForms select, radio and checkbox fields, and the checkbox-list field.

WTForms 3.3 deprecates choices given as (value, label) tuples and drops them in 3.4; `SelectChoice` is the form
that stays. Every choice list goes through `options`, so the forms keep working on the next WTForms release.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields import SelectChoice, SelectMultipleField  # type: ignore[attr-defined]  # types-WTForms 3.2 lacks 3.3's SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs -> SelectChoice objects (values as strings, as the browser sends them back)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript, each box with its own label)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

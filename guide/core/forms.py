"""Choices for WTForms select, radio and checkbox fields, the checkbox-list field, and typed helpers for views.

WTForms 3.3 deprecates choices given as (value, label) tuples and drops them in 3.4; `SelectChoice` is the form
that stays. Every choice list goes through `options`, so the forms keep working on the next WTForms release.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar, cast

from wtforms import Field, StringField
from wtforms.fields import SelectChoice, SelectMultipleField  # type: ignore[attr-defined]  # types-WTForms 3.2 lacks 3.3's SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

T = TypeVar("T")


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs -> SelectChoice objects (values as strings, as the browser sends them back)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class AmountTextField(StringField):
    """An amount typed as free text ("7,25", "1 200 €"): the form's validator reads it into `parsed`."""

    parsed: Decimal | None = None


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript, each box with its own label)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def filled(data: T | None) -> T:
    """The data of a field that a DataRequired (or InputRequired) validator has passed: never None, which the type
    stubs of WTForms cannot know (they type the data of a field before validation)."""
    assert data is not None, "a required field read before its form was validated"
    return data


def add_error(field: Field, message: str) -> None:
    """A message under a field, after validation (WTForms keeps a field's errors in a list then; the stubs say a
    Sequence, for the tuple a field has before validation)."""
    cast(list[str], field.errors).append(message)

"""Shared form pieces: choices for WTForms select, radio and checkbox fields, the checkbox-list field, the one
reader of amounts in euros (`parse_amount`) with the WTForms field built on it (`AmountField`), the confirmation
button (`ConfirmForm`), the base of the forms that carry a record's version (`VersionedForm`), and typed helpers for
views (`filled`, `add_error`).

WTForms 3.3 deprecates choices given as (value, label) tuples and drops them in 3.4; `SelectChoice` is the form
that stays. Every choice list goes through `options`, so the forms keep working on the next WTForms release.

Every amount people type (the public simulator, the after-move costs, the staff forms, the plan) is read by
`parse_amount`: French and other writings are accepted when they can mean one figure only ("1 234,50 €",
"1234.50", "1.234,50", ".5"); what could mean two ("1.234": 1,234 € or 1 234 €?) is refused with a message, never
guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, Field, HiddenField
from wtforms.fields import SelectChoice, SelectMultipleField  # type: ignore[attr-defined]  # types-WTForms 3.2 lacks 3.3's SelectChoice
from wtforms.validators import DataRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget, TextInput


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs -> SelectChoice objects (values as strings, as the browser sends them back)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript, each box with its own label)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- amounts in euros -----------------------------------------------------------------------------------------

MAX_AMOUNT = Decimal("100000")  # € (a month, or a cost): anything larger is a typing mistake
MAX_LENGTH = 40  # characters read from one field

AMOUNT_MESSAGES = {  # why an amount cannot be read, in the reader's language (a form may say it its own way)
    "required": _l("Écrivez un montant. Par exemple : 450."),
    "invalid": _l("Écrivez seulement un nombre. Par exemple : 1 234,50."),
    "negative": _l("Écrivez le montant sans le signe moins."),
    "decimals": _l("Écrivez au plus 2 chiffres après la virgule. Par exemple : 1 234,50."),
    "too_large": _l("Ce montant semble trop grand. Vérifiez-le."),
}


class BadFigure(ValueError):
    """A figure that cannot be read; `code` says why, for a message next to the field."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_UNITS = re.compile(r"€|\beuros?\b|\beur\b", re.IGNORECASE)
GROUPING = re.compile(r"[\s'’]")  # spaces of any kind (incl. no-break) and apostrophes group thousands
_MINUS = ("-", "−", "–")
_PLAIN = re.compile(r"(?=\.?\d)\d*(?:\.\d*)?")  # digits with at most one point, at least one digit: "5", "5.", ".5"


def parse_amount(text: str, *, negative: bool = False) -> Decimal:
    """Read an amount in euros as people write it: "1 234,50", "1234.5", "450 €", "1.234,50", ",5", "٤٥٠".

    A single "," or "." is the decimal mark; with both, the last one is. At most 2 decimals, so an
    ambiguous "1.234" is refused rather than guessed (1.234 € or 1 234 €). Exponents ("1e3"), "NaN" and
    "Infinity", which Python's Decimal would take, are refused. A minus sign is refused unless `negative`
    (a "reste à vivre" may be below zero). Raises BadFigure.
    """
    cleaned = text.strip().translate({0x066B: ",", 0x066C: " "})  # Arabic decimal and thousands marks
    cleaned = GROUPING.sub("", _UNITS.sub("", cleaned))
    if not cleaned:
        raise BadFigure("required")
    if len(cleaned) > MAX_LENGTH:
        raise BadFigure("invalid")
    if cleaned.startswith(_MINUS):
        if not negative:
            raise BadFigure("negative")
        return -parse_amount(cleaned[1:])
    cleaned = cleaned.removeprefix("+")
    if "," in cleaned and "." in cleaned:
        mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        whole, _sep, fraction = cleaned.rpartition(mark)
        grouping = "." if mark == "," else ","
        if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(grouping)}\d{{3}})*", whole):
            raise BadFigure("invalid")
        cleaned = whole.replace(grouping, "") + "." + fraction
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not _PLAIN.fullmatch(cleaned):
        raise BadFigure("invalid")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the pattern above lets only digits through
        raise BadFigure("invalid") from error
    if len(cleaned.partition(".")[2]) > 2:
        raise BadFigure("decimals")
    if value > MAX_AMOUNT:
        raise BadFigure("too_large")
    return value


class AmountField(DecimalField):
    """An amount in euros typed in a text box, read by `parse_amount`; `data` is a Decimal, or None when empty or
    unreadable (the field then carries the reason, from `messages` or `AMOUNT_MESSAGES`).

    A text box, not `type="number"`: a browser's number box refuses "1 234,50" and reads "1,5" by its own locale.
    Stored values are shown with 2 decimals, what the person typed is shown back as typed.
    """

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, *, negative: bool = False,
                 messages: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("places", 2)
        super().__init__(label, validators, **kwargs)
        self.negative = negative
        self.messages = {**AMOUNT_MESSAGES, **(messages or {})}

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = parse_amount(str(valuelist[0]), negative=self.negative)
        except BadFigure as bad:
            self.data = None
            raise ValueError(str(self.messages.get(bad.code, self.messages["invalid"]))) from bad


IDEMPOTENCY = r"^[0-9a-f]{32}$"  # the key a household form carries so that sending it twice writes once


class ConfirmForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types
    """A button only: CSRF-protected confirmation."""


class VersionedForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no types
    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])  # a stale or forged page: refused


T = TypeVar("T")


def filled(data: T | None) -> T:
    """The data of a field that a DataRequired (or InputRequired) validator has passed: never None, which the type
    stubs of WTForms cannot know (they type the data of a field before validation)."""
    assert data is not None, "a required field read before its form was validated"
    return data


def add_error(field: Field, message: str) -> None:
    """A message under a field, after validation (WTForms keeps a field's errors in a list then; the stubs say a
    Sequence, for the tuple a field has before validation)."""
    cast(list[str], field.errors).append(message)

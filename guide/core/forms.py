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
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, DecimalField, Field, HiddenField, ValidationError
from wtforms.fields import SelectChoice, SelectMultipleField  # type: ignore[attr-defined]  # types-WTForms 3.2 lacks 3.3's SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from guide.core.timeutil import today


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

def page_locale() -> str | None:
    """The page's language ("fr", "ar"...), whose writing of numbers the amount readers expect ("1,650" is 1 650 in
    English only); None outside a request or an app context (then the rules without a locale apply)."""
    locale = get_locale()
    return None if locale is None else str(locale)


def amount_example(value: str = "1234.50") -> str:
    """An amount written as the page writes amounts, for the hints and messages that show one: "1 234,50" in
    French, "1,234.50" in English and Arabic, "1.234,50" in Portuguese and Turkish. Always what `parse_amount`
    reads back in that language, so an example never contradicts the reader (nor the amounts shown on the page,
    which Babel writes the same way)."""
    return str(format_decimal(Decimal(value), format="#,##0.00"))


def lazy_example(value: str = "1234.50") -> LazyString:
    """`amount_example`, written when the message is shown (in the reader's language), not at import."""
    return LazyString(amount_example, value)


AMOUNT_MESSAGES = {  # why an amount cannot be read, in the reader's language (a form may say it its own way)
    "required": _l("Écrivez un montant. Par exemple : 450."),
    "invalid": _l("Écrivez seulement un nombre. Par exemple : %(example)s.", example=lazy_example()),
    "negative": _l("Écrivez le montant sans le signe moins."),
    "decimals": _l("Écrivez au plus 2 chiffres après la virgule. Par exemple : %(example)s.",
                   example=lazy_example()),
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


ARABIC_DIGITS = {**{0x0660 + n: str(n) for n in range(10)}, **{0x06F0 + n: str(n) for n in range(10)}}


def parse_amount(text: str, *, negative: bool = False, locale: str | None = None) -> Decimal:
    """Read an amount in euros as people write it: "1 234,50", "1234.5", "450 €", "1.234,50", ",5", "٤٥٠".

    `locale` is the page's language: by default the current request's (flask_babel's get_locale()), so every
    form reads amounts the way its page writes them. The page's own writing is read first, by Babel's strict
    reader: in English "1,650" is 1 650 and "1,650.50" is 1 650,50; in Portuguese and Turkish "1.650,50" is;
    in French "1 650,50" and "1650,5" are, and "1,650" has three decimals, so it is refused with a message (a
    French reader reads a comma as the cents mark). What that reader refuses falls back to the rules below, so
    a "1650.50" typed on a phone whose keypad only has a point still reads on a Portuguese page.

    Outside a request (no locale), or on that fallback: a single "," or "." is the decimal mark; with both, the
    last one is. At most 2 decimals, so an ambiguous "1.234" is refused rather than guessed (1.234 € or
    1 234 €). Exponents ("1e3"), "NaN" and "Infinity", which Python's Decimal would take, are refused. A minus
    sign is refused unless `negative` (a "reste à vivre" may be below zero). Arabic-Indic digits and marks are
    read. Raises BadFigure.
    """
    locale = locale or page_locale()
    cleaned = text.strip().translate(ARABIC_DIGITS).translate({0x066B: ",", 0x066C: " "})  # Arabic marks
    cleaned = GROUPING.sub("", _UNITS.sub("", cleaned))
    if not cleaned:
        raise BadFigure("required")
    if len(cleaned) > MAX_LENGTH:
        raise BadFigure("invalid")
    if cleaned.startswith(_MINUS):
        if not negative:
            raise BadFigure("negative")
        return -parse_amount(cleaned[1:], locale=locale)
    cleaned = cleaned.removeprefix("+")
    if locale is not None and "\u066b" not in text:
        in_locale = _parse_in_locale(cleaned, locale)
        if in_locale is not None:
            return _in_range(in_locale)
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
    return _in_range(value)


def _parse_in_locale(cleaned: str, locale: str) -> Decimal | None:
    """The figure read by Babel's strict reader in the page's language, or None when it does not read it."""
    if not re.fullmatch(r"[0-9]+(?:[.,][0-9]+)*[.,]?[0-9]*", cleaned):  # digits and marks only, a digit first
        return None
    try:
        value = parse_decimal(cleaned, locale, strict=True)
    except (NumberFormatError, ValueError):
        return None
    return value if value.is_finite() else None


def _in_range(value: Decimal) -> Decimal:
    """At most 2 decimals (cents) and at most MAX_AMOUNT, else BadFigure."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
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


# --- dates as day / month / year --------------------------------------------------------------------------------

DATE_MESSAGES = {  # why a date cannot be read, in the reader's language
    "required": _l("Écrivez la date : le jour, le mois et l'année."),
    "incomplete": _l("Écrivez la date en entier : le jour, le mois et l'année."),
    "not_numbers": _l("Écrivez la date avec des chiffres. Par exemple : 27 3 2026."),
    "year": _l("Écrivez l'année avec 4 chiffres. Par exemple : 2026."),
    "no_such_day": _l("Cette date n'existe pas. Vérifiez le jour et le mois."),
    "too_early": _l("Vérifiez la date : elle doit être le %(date)s ou après."),
    "too_late": _l("Vérifiez la date : elle doit être le %(date)s ou avant."),
    "time": _l("Écrivez l'heure avec des chiffres. Par exemple : 14:30."),
}
PARTS = ("day", "month", "year")
YEAR = timedelta(days=365)  # for the allowed ranges: DateInputField(past=5 * YEAR, future=YEAR)
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?\s*$")


def parse_date_parts(day: str, month: str, year: str) -> date:
    """Day, month and year as people type them ("7", "03", "2026") -> a date; BadFigure says why not."""
    texts = [p.strip() for p in (day, month, year)]
    if not any(texts):
        raise BadFigure("required")
    if not all(texts):
        raise BadFigure("incomplete")
    if not all(t.isdigit() and len(t) <= 4 for t in texts):
        raise BadFigure("not_numbers")
    if len(texts[2]) != 4:
        raise BadFigure("year")
    try:
        return date(int(texts[2]), int(texts[1]), int(texts[0]))
    except ValueError:
        raise BadFigure("no_such_day") from None


def parse_time(text: str) -> time:
    """"14:30", "14h30", "9h", "9.15" -> a time; BadFigure("time") otherwise."""
    match = TIME_PATTERN.match(text or "")
    if match is None:
        raise BadFigure("time")
    try:
        return time(int(match.group(1)), int(match.group(2) or 0))
    except ValueError:
        raise BadFigure("time") from None


class DateInputWidget:
    """Three labelled text boxes (day, month, year) with a number keyboard, as GOV.UK's date input: no native
    picker (hard to use on a cheap phone, and it shows the format of the phone, not of the page). The day box
    carries the field's id, so an error summary's link lands on it; a time box follows for date-and-time fields."""

    def __call__(self, field: DateInputField, **kwargs: Any) -> Markup:
        invalid = ' aria-invalid="true"' if field.errors else ""
        described = kwargs.get("aria_describedby")
        described_attr = f' aria-describedby="{escape(described)}"' if described else ""
        boxes = []
        sizes = {"day": 2, "month": 2, "year": 4}
        for part in PARTS:
            box_id = field.id if part == "day" else f"{field.id}-{part}"
            boxes.append(
                f'<div class="date-part date-{part}"><label for="{box_id}">{escape(DATE_LABELS[part])}</label>'
                f'<input class="text-input" type="text" id="{box_id}" name="{field.name}-{part}" inputmode="numeric"'
                f' maxlength="{sizes[part]}" size="{sizes[part]}" autocomplete="off" dir="ltr"'
                f' value="{escape(field.part_value(part))}"{invalid}{described_attr}></div>')
        if field.with_time:
            boxes.append(
                f'<div class="date-part date-time"><label for="{field.id}-time">{escape(DATE_LABELS["time"])}</label>'
                f'<input class="text-input" type="text" id="{field.id}-time" name="{field.name}-time"'
                f' maxlength="5" size="5" autocomplete="off" dir="ltr" value="{escape(field.part_value("time"))}"'
                f'{invalid}{described_attr}></div>')
        return Markup('<div class="date-parts">' + "".join(boxes) + "</div>")


DATE_LABELS = {"day": _l("Jour"), "month": _l("Mois"), "year": _l("Année"), "time": _l("Heure")}


class DateInputField(DateField):
    """A date typed as day / month / year, refused outside [today - past, today + future] with a message that
    says the allowed first or last day (an action in 1900, a visit in 2099). Reads `<name>-day`, `-month`,
    `-year`; a single ISO value under `<name>` ("2026-12-07") is read too (links, scripts, older pages).
    `data` is a `date`, as with WTForms' DateField, so forms and services that read one are unchanged."""

    widget = DateInputWidget()
    is_date_input = True  # for the form macros: a fieldset with a legend instead of one label
    with_time = False

    def __init__(self, label: Any = None, validators: Any = None, *, past: timedelta | None = None,
                 future: timedelta | None = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.type = "DateField"  # what the plan's comparison screen and the staff templates test for
        self.past, self.future = past, future
        self.parts: dict[str, str] = {}

    def part_value(self, part: str) -> str:
        if part in self.parts:
            return self.parts[part]
        value = self.data
        if value is None:
            return ""
        if part == "time":
            return value.strftime("%H:%M") if isinstance(value, datetime) else ""
        return str(getattr(value, part))

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        names = (*PARTS, "time") if self.with_time else PARTS
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in names):
            parts = {p: str(formdata.get(f"{self.name}-{p}", "")) for p in names}
            # the boxes, unless they are all empty beside one ISO value (a script or an older page sent that)
            if any(v.strip() for v in parts.values()) or self.name not in formdata:
                self.parts = parts
                # raw_data, as WTForms' validators read it: empty when nothing was typed (Optional, InputRequired)
                formdata = _Single(self.name, " ".join(parts.values()).strip())
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            if self.parts:
                self.data = self._from_parts()
            else:  # one ISO value
                self.data = self._from_iso(str(valuelist[0]).strip())
        except BadFigure as bad:
            self.data = None
            raise ValueError(str(DATE_MESSAGES[bad.code])) from None

    def _from_parts(self) -> Any:
        return parse_date_parts(self.parts["day"], self.parts["month"], self.parts["year"])

    def _from_iso(self, text: str) -> Any:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise BadFigure("not_numbers") from None

    def pre_validate(self, form: Any) -> None:
        value = self.data
        if value is None or self.process_errors:
            return
        day = value.date() if isinstance(value, datetime) else value
        now = today()
        if self.past is not None and day < now - self.past:
            raise ValidationError(str(DATE_MESSAGES["too_early"]) % {"date": format_date(now - self.past, "long")})
        if self.future is not None and day > now + self.future:
            raise ValidationError(str(DATE_MESSAGES["too_late"]) % {"date": format_date(now + self.future, "long")})


class DateTimeInputField(DateInputField):
    """Day / month / year and an hour ("14:30", "14h30"): a naive local datetime, as WTForms' DateTimeLocalField
    gave (the views turn it into UTC with core.timeutil.from_local)."""

    with_time = True
    data: datetime | None

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.pop("format", None)  # the ISO format of the field it replaces: the parts say it now
        super().__init__(label, validators, **kwargs)
        self.type = "DateTimeLocalField"

    def _from_parts(self) -> Any:
        day = parse_date_parts(self.parts["day"], self.parts["month"], self.parts["year"])
        return datetime.combine(day, parse_time(self.parts.get("time", "")))

    def _from_iso(self, text: str) -> Any:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise BadFigure("not_numbers") from None


class WeekInputField(DateInputField):
    """A week given as any day of it (day / month / year boxes), kept as its ISO week ("2026-W49") as the week
    fields it replaces stored it; nobody has to know what "W49" means. A sent "2026-W49" is read too."""

    data: Any  # "2026-W49" (a date only while the range is checked)

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.type = "WeekField"

    def part_value(self, part: str) -> str:
        if part not in self.parts and isinstance(self.data, str):
            monday = _iso_week_monday(self.data)
            return "" if monday is None else str(getattr(monday, part))
        return super().part_value(part)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, date):
            year, week, _day = self.data.isocalendar()
            self.data = f"{year}-W{week:02d}"

    def _from_iso(self, text: str) -> Any:
        monday = _iso_week_monday(text)
        return monday if monday is not None else super()._from_iso(text)

    def pre_validate(self, form: Any) -> None:
        week = self.data
        self.data = _iso_week_monday(week) if isinstance(week, str) else week
        try:
            super().pre_validate(form)
        finally:
            self.data = week


def _iso_week_monday(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip() + "-1", "%G-W%V-%u").date()
    except ValueError:
        return None


class _Single:
    """Form data holding one value under one name (what WTForms' Field.process reads)."""

    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value

    def __contains__(self, key: object) -> bool:
        return key == self.name

    def getlist(self, key: str) -> list[str]:
        return [self.value] if key == self.name else []

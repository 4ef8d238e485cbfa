"""Dates typed as day / month / year (core/forms.py DateInputField, GOV.UK's date input): read, refused with a
message that says what to fix, unlikely dates refused (an action in 1900, a visit in 2099), and rendered as three
labelled boxes in every form that had a native date picker or an ISO date."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, Optional

from guide.core.forms import YEAR, DateInputField, DateTimeInputField
from guide.core.timeutil import today
from guide.features.household_file.forms import AppointmentForm
from guide.features.plan.forms import ActionForm, VisitForm
from tests.app.test_staff import log_in
from tests.factories import make_appointment, make_household, make_staff


@pytest.fixture(autouse=True)
def _app_context(app):
    """today() reads the service's time zone from the app's settings."""
    with app.app_context():
        yield


class Dated(FlaskForm):
    class Meta:
        csrf = False

    on = DateInputField("Le", validators=[Optional()], past=YEAR, future=2 * YEAR)
    needed = DateInputField("Obligatoire", validators=[InputRequired("Écrivez la date.")])
    at = DateTimeInputField("Date et heure", validators=[Optional()])


def _form(app, lang: str = "fr", **values: str) -> Dated:
    with app.test_request_context(f"/?lang={lang}", method="POST", data=values):
        form = Dated(formdata=MultiDict({"needed-day": "1", "needed-month": "1", "needed-year": "2026", **values}))
        form.validate()
        form.errors_text = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return form


def test_day_month_year_are_read(app) -> None:
    soon = today() + timedelta(days=10)
    form = _form(app, **{"on-day": f" {soon.day} ", "on-month": f"0{soon.month}"[-2:], "on-year": str(soon.year)})
    assert form.on.data == soon and not form.errors_text, form.errors_text


def test_one_iso_value_is_read_too(app) -> None:
    assert _form(app, on=today().isoformat()).on.data == today()


def test_nothing_typed_is_no_date_unless_required(app) -> None:
    form = _form(app, **{"on-day": "", "on-month": "", "on-year": "", "needed-day": "", "needed-month": "",
                         "needed-year": ""})
    assert form.on.data is None and "on" not in form.errors_text
    assert form.errors_text["needed"] == ["Écrivez la date."]


@pytest.mark.parametrize(("day", "month", "year", "words"), [
    ("12", "", "2026", "en entier"),
    ("1er", "mars", "2026", "avec des chiffres"),
    ("12", "3", "26", "4 chiffres"),
    ("31", "2", "2027", "n'existe pas"),
    ("30", "13", "2026", "n'existe pas"),
])
def test_a_date_that_cannot_be_read_says_what_to_fix(app, day: str, month: str, year: str, words: str) -> None:
    form = _form(app, **{"on-day": day, "on-month": month, "on-year": year})
    assert form.on.data is None
    assert words in form.errors_text["on"][0], form.errors_text


def test_unlikely_dates_are_refused_with_the_allowed_limit(app) -> None:
    early = _form(app, **{"on-day": "1", "on-month": "1", "on-year": "1900"})
    first = today() - YEAR
    assert "ou après" in early.errors_text["on"][0] and str(first.year) in early.errors_text["on"][0]
    late = _form(app, **{"on-day": "1", "on-month": "1", "on-year": "2099"})
    assert "ou avant" in late.errors_text["on"][0] and str((today() + 2 * YEAR).year) in late.errors_text["on"][0]


def test_messages_in_the_readers_language(app) -> None:
    form = _form(app, lang="en", **{"on-day": "31", "on-month": "2", "on-year": "2027"})
    assert form.errors_text["on"] == ["This date does not exist. Check the day and the month."]


@pytest.mark.parametrize(("typed", "expected"), [("14:30", (14, 30)), ("14h30", (14, 30)), ("9h", (9, 0)),
                                                 ("9.15", (9, 15))])
def test_date_and_hour(app, typed: str, expected: tuple[int, int]) -> None:
    form = _form(app, **{"at-day": "3", "at-month": "12", "at-year": str(today().year), "at-time": typed})
    assert form.at.data == datetime(today().year, 12, 3, *expected)


def test_a_date_without_its_hour_is_refused(app) -> None:
    form = _form(app, **{"at-day": "3", "at-month": "12", "at-year": "2026", "at-time": "25:00"})
    assert "l'heure" in form.errors_text["at"][0]


def test_rendered_as_three_labelled_boxes_kept_after_an_error(app) -> None:
    form = _form(app, **{"on-day": "31", "on-month": "2", "on-year": "2027"})
    with app.test_request_context("/"):
        soup = BeautifulSoup(str(form.on()), "html.parser")
    boxes = soup.select("input[type=text]")
    assert [b["name"] for b in boxes] == ["on-day", "on-month", "on-year"]
    assert [b["value"] for b in boxes] == ["31", "2", "2027"], "what was typed is lost after an error"
    assert boxes[0]["id"] == "on", "the error summary's link must land on the day box"
    assert all(soup.select_one(f"label[for='{b['id']}']") for b in boxes)
    assert all(b["inputmode"] == "numeric" and b.get("aria-invalid") == "true" for b in boxes)


def test_household_and_staff_forms_use_it_with_sensible_ranges(app) -> None:
    with app.test_request_context("/", method="POST"):
        action = ActionForm(formdata=MultiDict({"when_date-day": "1", "when_date-month": "1",
                                                "when_date-year": "1900"}), meta={"csrf": False})
        action.validate()
        assert action.when_date.errors, "an action in 1900 is accepted"
        visit = VisitForm(formdata=MultiDict({"on-day": "1", "on-month": "1", "on-year": "2099"}),
                          meta={"csrf": False})
        visit.validate()
        assert visit.on.errors, "a visit in 2099 is accepted"
        appointment = AppointmentForm(formdata=MultiDict({
            "starts_at-day": "1", "starts_at-month": "1", "starts_at-year": "2099", "starts_at-time": "10:00"}),
            meta={"csrf": False})
        appointment.validate()
        assert appointment.starts_at.errors, "an appointment in 2099 is accepted"


def test_the_staff_household_page_has_no_native_date_picker(client, app, ctx) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id, moved_on=date(2026, 11, 2))
    make_appointment(household)
    log_in(client, officer)
    html = client.get(f"/staff/households/{household.id}").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select("input[type=date], input[type=datetime-local], input[type=week]")
    assert soup.select("fieldset.date-fieldset input[name$='-day']")


def test_a_week_is_given_as_any_of_its_days_and_kept_as_before(app) -> None:
    """The plan's "or a week": no "2026-W49" to type; the stored value keeps its ISO week shape."""
    year = today().year + 1
    with app.test_request_context("/", method="POST"):
        action = ActionForm(formdata=MultiDict({"when_week-day": "3", "when_week-month": "12",
                                                "when_week-year": str(year)}), meta={"csrf": False})
        action.validate()
        expected = date(year, 12, 3).isocalendar()
        assert action.when_week.data == f"{expected[0]}-W{expected[1]:02d}", action.when_week.errors
        shown = ActionForm(formdata=None, data={"when_week": "2026-W49"}, meta={"csrf": False})
        assert [shown.when_week.part_value(p) for p in ("day", "month", "year")] == ["30", "11", "2026"]
        old_page = ActionForm(formdata=MultiDict({"when_week": "2026-W50"}), meta={"csrf": False})
        assert old_page.when_week.data == "2026-W50"


def _calls(source: str, name: str) -> list[str]:
    """The text of each `name(...)` call in a Python source, up to its closing bracket, with its line's start
    (`invoice_on = DateInputField(...)`)."""
    calls, start = [], source.find(name + "(")
    while start != -1:
        depth, end = 0, start + len(name)
        for end in range(start + len(name), len(source)):
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            if depth == 0:
                break
        calls.append(source[source.rfind("\n", 0, start) + 1:end + 1])
        start = source.find(name + "(", end)
    return calls


def _checked_by_its_form(source: str, call: str) -> bool:
    """A date field whose form refuses an unlikely date in words of its own (`validate_<name>` saying
    "after today" or "too old"), as the after-move invoice date."""
    found = re.match(r"\s*(\w+)\s*=", call)
    name = found.group(1) if found else None
    return name is not None and f"def validate_{name}(" in source and "today()" in source


def test_no_page_or_form_uses_a_native_date_picker_and_every_date_has_bounds() -> None:
    """Issue 19: dates are day / month / year boxes everywhere (household, public questions, staff), and each
    refuses an unlikely date (an action in 1900, a visit in 2099) through its past= and future= bounds."""
    root = Path(__file__).resolve().parents[2]
    native = re.compile(r"""type\s*=\s*["'](date|week|datetime-local|month)["']""")
    pickers = [f"{path.relative_to(root)}:{n}" for folder in ("templates", "guide")
               for path in sorted((root / folder).rglob("*")) if path.suffix in (".html", ".py", ".js")
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if native.search(line)]
    assert not pickers, f"native date pickers: {pickers}"
    wtforms_dates = re.compile(r"\b(DateField|DateTimeField|DateTimeLocalField|WeekField|MonthField)\(")
    unbounded, plain = [], []
    for path in sorted((root / "guide").rglob("*.py")):
        if path.name == "forms.py" and path.parent.name == "core":
            continue  # where the day / month / year fields are built on WTForms' DateField
        source = path.read_text(encoding="utf-8")
        plain += [f"{path.relative_to(root)}: {m.group(0)}" for m in wtforms_dates.finditer(source)]
        for name in ("DateInputField", "DateTimeInputField", "WeekInputField"):
            unbounded += [f"{path.relative_to(root)}: {call[:60]}" for call in _calls(source, name)
                          if ("past=" not in call or "future=" not in call) and not _checked_by_its_form(source, call)]
    assert not plain, f"WTForms date fields that show a native picker: {plain}"
    assert not unbounded, f"date fields without past= and future= bounds: {unbounded}"

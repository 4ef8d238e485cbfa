"""The simulator as short question pages (GOV.UK's "one thing per page" and "check your answers").

Five steps ask the figures of the one-page form in groups; each step checks its own figures. Nothing is stored:
the answers already given ride in the page address (a GET form carries them as hidden fields), so Back, Change
and a bookmark keep them. The figures are read and checked by `service.read_form`, as on the one-page form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from guide.features.simulator.service import (
    ADULTS,
    ALL_FIELDS,
    CHILDREN,
    EXPENSE_FIELDS,
    PEOPLE,
    RESOURCE_FIELDS,
    RESOURCES,
    SOCIAL_NEW,
    Field,
    SimulatorForm,
    money,
)


@dataclass(frozen=True)
class Step:
    """One question page: its address, its title, and the fields it asks (`group`: the one-page form's fieldset
    its questions come from; the total of resources, there in "household", is asked with the money coming in)."""

    slug: str
    group: str
    title: LazyString

    @property
    def fields(self) -> tuple[Field, ...]:
        if self.group == "household":
            return (PEOPLE, ADULTS, CHILDREN)
        if self.group == "resources":
            return (RESOURCES, *RESOURCE_FIELDS)
        return tuple(f for f in ALL_FIELDS if f.group == self.group)


STEPS = (
    Step("household", "household", _l("Qui vit chez vous ?")),
    Step("income", "resources", _l("L'argent qui rentre chaque mois")),
    Step("expenses", "expenses", _l("Vos dépenses obligatoires")),
    Step("current-home", "now", _l("Votre logement aujourd'hui")),
    Step("offered-home", "new", _l("Le logement proposé")),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}
CARRIED = (*(f.name for f in ALL_FIELDS), SOCIAL_NEW)  # what rides from page to page


def answers(args: Mapping[str, str], *, without: tuple[str, ...] = ()) -> dict[str, str]:
    """The answers given so far (non-empty, in the form's order), to carry in a link or in hidden fields."""
    return {name: str(args[name])[:200] for name in CARRIED
            if name not in without and str(args.get(name, "")).strip()}


def has_answers(args: Mapping[str, str]) -> bool:
    return bool(answers(args))


def query(args: Mapping[str, str], **extra: str) -> str:
    """"?people=3&…" for a link that keeps the answers (and `extra`, such as return=check), or ""."""
    pairs = {**answers(args), **extra}
    return "?" + urlencode(pairs) if pairs else ""


def step_number(step: Step) -> int:
    return STEPS.index(step) + 1


def next_step(step: Step) -> Step | None:
    number = step_number(step)
    return STEPS[number] if number < len(STEPS) else None


def previous_step(step: Step) -> Step | None:
    number = step_number(step)
    return STEPS[number - 2] if number > 1 else None


def first_step_with_errors(form: SimulatorForm) -> Step | None:
    return next((step for step in STEPS if any(f.name in form.errors for f in step.fields)), None)


@dataclass(frozen=True)
class CheckRow:
    """One answer on the check page: the question, the answer in the page's writing, and the field to change."""

    name: str
    label: str
    answer: str
    field_id: str


@dataclass(frozen=True)
class CheckSection:
    step: Step
    rows: tuple[CheckRow, ...]


def _answer(form: SimulatorForm, spec: Field) -> str:
    if spec.name not in form.values:
        return _("Rien écrit")
    value = form.values[spec.name]
    if spec.kind == "commune":
        return form.raw[spec.name].strip()
    if spec.people or spec.kind == "count":
        return str(format_decimal(int(value)))
    return money(Decimal(value))


def _row(form: SimulatorForm, spec: Field) -> CheckRow:
    return CheckRow(spec.name, str(spec.label), _answer(form, spec), f"field-{spec.name.replace('_', '-')}")


def check_sections(form: SimulatorForm) -> list[CheckSection]:
    """Every step's answers, in the page's language; the expenses and the offered flat list only what was typed."""
    sections = []
    for step in STEPS:
        if step.group == "expenses":
            rows = tuple(_row(form, f) for f in EXPENSE_FIELDS if f.name in form.values)
            rows = rows or (CheckRow("electricity", _("Dépenses obligatoires"), _("Aucune"), "field-electricity"),)
        elif step.group == "new" and not form.has_proposal:
            rows = (CheckRow("rent_new", _("Logement proposé"), _("Pas de logement proposé"), "field-rent-new"),)
        else:
            rows = tuple(_row(form, f) for f in step.fields)
            if step.group == "new":
                rows += (CheckRow(SOCIAL_NEW, _("C'est un logement social (HLM)"),
                                  _("Oui") if form.social_new else _("Non"), "field-hlm-new-yes"),)
        sections.append(CheckSection(step, rows))
    return sections


"""Forms of the plan, the same for the household and the mediator; field names are the keys of `PlanItem.data`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from guide.core.forms import YEAR, AmountField, DateInputField, MultiCheckboxField, WeekInputField, options
from guide.features.plan import service
from guide.features.plan import words as plan_words

TEXT = 2000
OWN_WORDS = "own"
RATINGS = [("", _l("Je ne sais pas")), ("1", _l("Pas bien")), ("2", _l("Ça va")), ("3", _l("Bien"))]


def _text(label: Any, required: bool = False, area: bool = False, size: int = TEXT) -> Field:
    validators = [DataRequired(_l("Écrivez quelques mots.")) if required else Optional(),
                  Length(max=size, message=_l("%(max)d signes au plus.", max=size))]
    return (TextAreaField if area else StringField)(label, validators=validators)



def _milestone(label: Any) -> DateInputField:
    """A day of the plan's steps or a visit: within five years back and two ahead (a typo like 1926 is refused)."""
    return DateInputField(label, validators=[Optional()], past=5 * YEAR, future=2 * YEAR)

class PlanForm(FlaskForm):
    """Every plan form carries the version the person saw (0: not written yet, or a new item)."""

    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])

    def set_choices(self, lang: str, brakes: list[tuple[str, str]] | None = None) -> None:
        """Choices come from content/<lang>/plan.yaml (and the household's own brakes): set per request."""


class PhasesForm(PlanForm):
    engagement_on = _milestone(_l("Accord pour être accompagné, signé le"))
    interview_on = _milestone(_l("Entretien fait le"))
    plan_on = _milestone(_l("Plan d'actions fait le"))
    visits_on = _milestone(_l("Visites faites le"))
    handover_on = _milestone(_l("Réunion finale avec le chargé de relogement le"))


class WishesForm(PlanForm):
    places = _text(_l("Où voulez-vous vivre ? Une commune ou un quartier par ligne, le premier choix en haut"),
                   area=True)
    flat_type = SelectField(_l("Type de logement"),
                            choices=options([("", _l("Je ne sais pas"))] + [(f"T{n}", f"T{n}") for n in range(1, 7)]))
    housing = SelectField(_l("Maison ou appartement"), choices=options([("either", _l("Les deux me vont")),
                                                                        ("flat", _l("Un appartement")),
                                                                        ("house", _l("Une maison"))]))
    floor = SelectField(_l("Étage"), choices=options([("any", _l("Tous les étages")),
                                                      ("lift", _l("Avec ascenseur si c'est en haut")),
                                                      ("ground", _l("Rez-de-chaussée seulement"))]))
    garden = SelectField(_l("Jardin"), choices=options([("no_matter", _l("Pas important")), ("wish", _l("J'aimerais")),
                                                        ("must", _l("Indispensable"))]))
    must_haves = _text(_l("Ce qu'il me faut absolument"), area=True)
    deal_breakers = _text(_l("Ce que je ne veux pas du tout"), area=True)


class TripForm(PlanForm):
    purpose = SelectField(_l("Pourquoi ?"))
    place = _text(_l("Où ? (lieu ou commune)"), size=200)
    modes = MultiCheckboxField(_l("Comment ?"))
    frequency = SelectField(_l("Combien de fois ?"))
    monthly_cost = AmountField(_l("Combien ça coûte par mois (€)"), places=2,
                               validators=[Optional(), NumberRange(min=0, max=10000)])

    def set_choices(self, lang: str, brakes: list[tuple[str, str]] | None = None) -> None:
        self.purpose.choices = options(plan_words.choices(lang, "purposes"))
        self.modes.choices = options(plan_words.choices(lang, "modes"))
        self.frequency.choices = options(plan_words.choices(lang, "frequencies"))


class AttachmentForm(PlanForm):
    category = SelectField(_l("Ce qui me tient ici"))
    words = _text(_l("Avec mes mots"), size=500)

    def set_choices(self, lang: str, brakes: list[tuple[str, str]] | None = None) -> None:
        self.category.choices = options(plan_words.choices(lang, "attachments"))


class BrakeForm(PlanForm):
    category = SelectField(_l("Ce qui me freine"))
    words = _text(_l("Avec mes mots"), area=True, size=1000)

    def set_choices(self, lang: str, brakes: list[tuple[str, str]] | None = None) -> None:
        self.category.choices = options(plan_words.choices(lang, "brakes") + [(OWN_WORDS, str(_l("Autre chose")))])

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.category.data == OWN_WORDS and not (self.words.data or "").strip():
            self.words.errors = [*self.words.errors, _l("Dites avec vos mots ce qui vous freine.")]
            valid = False
        return valid


WHO_LABELS = {"household": _l("Nous (le ménage)"), "mediator": _l("Le médiateur"),
              "officer": _l("Le chargé de relogement"), "partner": _l("Un partenaire")}
STATUS_LABELS = {"todo": _l("À faire"), "done": _l("Fait"), "dropped": _l("Abandonné")}


class ActionForm(PlanForm):
    what = _text(_l("Quoi ?"), area=True, size=1000)
    who = SelectField(_l("Qui ?"), choices=options(list(WHO_LABELS.items())))
    who_name = _text(_l("Son nom (si besoin)"), size=120)
    when_date = DateInputField(_l("Quand ? Une date"), validators=[Optional()], past=YEAR, future=5 * YEAR)
    when_week = WeekInputField(_l("Ou une semaine"), validators=[
        Optional(), Regexp(r"^\d{4}-W\d{2}$", message=_l("Choisissez une semaine."))], past=YEAR, future=5 * YEAR)
    status = SelectField(_l("Où en est-on ?"), choices=options(list(STATUS_LABELS.items())))
    brake_id = SelectField(_l("Pour quel frein ?"), validate_choice=False)
    suggestion = HiddenField()

    def set_choices(self, lang: str, brakes: list[tuple[str, str]] | None = None) -> None:
        self.brake_id.choices = options([("", str(_l("Aucun")))] + (brakes or []))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.what.data or "").strip() and not (self.suggestion.data or "").strip():
            self.what.errors = [*self.what.errors, _l("Écrivez quoi faire.")]
            valid = False
        return valid

    def validate_brake_id(self, field: SelectField) -> None:
        # the choices are WTForms 3.3's SelectChoice objects, which types-WTForms 3.2 does not know yet
        if field.data and field.data not in {choice.value for choice in field.iter_choices()}:  # type: ignore[attr-defined]
            raise ValidationError(_l("Ce frein n'existe plus. Choisissez-en un autre."))

    def validate_when_week(self, field: Field) -> None:
        if field.data and service.week_monday(field.data) is None:
            raise ValidationError(_l("Choisissez une semaine."))


class VisitForm(PlanForm):
    kind = SelectField(_l("Quoi ?"), choices=options([("neighbourhood", _l("Visite d'un quartier")),
                                                      ("tenants", _l("Rencontre avec des locataires déjà relogés"))]))
    place = _text(_l("Quel quartier ou quelle commune ?"), required=True, size=200)
    on = _milestone(_l("Le"))
    liked = _text(_l("Ce qui m'a plu"), area=True)
    worries = _text(_l("Ce qui m'inquiète"), area=True)
    transport = RadioField(_l("Transports"), choices=options(RATINGS), default="")
    schools = RadioField(_l("Écoles"), choices=options(RATINGS), default="")
    shops = RadioField(_l("Commerces"), choices=options(RATINGS), default="")
    calm = RadioField(_l("Calme"), choices=options(RATINGS), default="")
    green = RadioField(_l("Espaces verts"), choices=options(RATINGS), default="")
    family = RadioField(_l("Distance de la famille"), choices=options(RATINGS), default="")


RATED = ("transport", "schools", "shops", "calm", "green", "family")
FORMS: dict[str, type[PlanForm]] = {
    "phases": PhasesForm, "wishes": WishesForm, "trip": TripForm, "attachment": AttachmentForm,
    "brake": BrakeForm, "action": ActionForm, "visit": VisitForm,
}


def data_fields(form: PlanForm) -> list[Field]:
    return [f for f in form if f.short_name not in ("csrf_token", "version")]


def form_to_data(form: PlanForm) -> dict[str, Any]:
    """The form's values as JSON-safe data (dates as ISO text, money as text, empty as "")."""
    data: dict[str, Any] = {}
    for f in data_fields(form):
        value = f.data
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = f"{value:.2f}"
        elif value is None:
            value = [] if isinstance(f, SelectMultipleField) else ""
        elif isinstance(value, str):
            value = value.replace("\r\n", "\n").strip()
        data[f.short_name] = value
    return data


def blank_data(form: PlanForm) -> dict[str, Any]:
    """What a blank form sends when nothing is touched: `form_to_data`, except that a drop-down list whose value is
    not one of its choices sends its first choice (what the browser shows selected)."""
    data = form_to_data(form)
    for f in data_fields(form):
        if isinstance(f, SelectField) and not isinstance(f, SelectMultipleField):
            # WTForms 3.3's SelectChoice objects (types-WTForms 3.2 says tuples)
            values = [str(choice.value) for choice in f.iter_choices()]  # type: ignore[attr-defined]
            if values and data[f.short_name] not in values:
                data[f.short_name] = values[0]
    return data


@cache
def _probe(form_class: type[PlanForm]) -> tuple[Field, ...]:
    """The data fields of a form class, built once (only their types and names are read)."""
    return tuple(data_fields(form_class(formdata=None, meta={"csrf": False})))


def data_to_form_values(form_class: type[PlanForm], data: dict[str, Any]) -> dict[str, Any]:
    """Stored data back into form values (ISO dates to dates, money text to Decimal)."""
    values: dict[str, Any] = {}
    for f in _probe(form_class):  # type: ignore[arg-type]  # FlaskForm is untyped: mypy cannot see a class is hashable
        value = data.get(f.short_name)
        if isinstance(f, DateField):
            try:
                value = date.fromisoformat(value) if value else None
            except ValueError:
                value = None
        elif isinstance(f, DecimalField):
            try:
                value = Decimal(value) if value not in (None, "") else None
            except InvalidOperation:
                value = None
        elif isinstance(f, SelectMultipleField):
            value = list(value or [])
        values[f.short_name] = value if value is not None or isinstance(f, DateField | DecimalField) else ""
    return values

"""Staff forms (the staff interface is in French; labels still go through gettext)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from guide.core.content import load_journey
from guide.core.forms import YEAR, AmountField, DateInputField, DateTimeInputField, VersionedForm, options
from guide.core.i18n import enabled_languages
from guide.core.labels import APPOINTMENT_KINDS, APPOINTMENT_STATUSES, PROPOSAL_STATUSES
from guide.rules.budget import EXPENSE_KINDS

REQUIRED = _l("Ce champ est obligatoire.")
MAX_MONTHLY = 100000  # euros a month: far above any rent, and inside the database's NUMERIC(10, 2)


class ProposalForm(FlaskForm):
    rank = SelectField(_l("Numéro de la proposition"), choices=options([("1", "1"), ("2", "2"), ("3", "3")]))
    address = StringField(_l("Adresse"), validators=[DataRequired(REQUIRED), Length(max=200)])
    commune = StringField(_l("Commune"), validators=[DataRequired(REQUIRED), Length(max=80)])
    flat_type = SelectField(_l("Type de logement"), choices=options([(f"T{n}", f"T{n}") for n in range(1, 7)]))
    surface = AmountField(_l("Surface (m²)"), places=2, validators=[Optional(), NumberRange(min=5, max=500)])
    floor = IntegerField(_l("Étage"), validators=[Optional(), NumberRange(min=-1, max=60)])
    lift = BooleanField(_l("Ascenseur"))
    rent = AmountField(_l("Loyer (€ par mois)"), places=2,
                       validators=[InputRequired(REQUIRED), NumberRange(min=0, max=MAX_MONTHLY)])
    charges = AmountField(_l("Charges (€ par mois)"), places=2,
                          validators=[InputRequired(REQUIRED), NumberRange(min=0, max=MAX_MONTHLY)])
    housing_benefit = AmountField(_l("Aide au logement de la CAF (€ par mois ; vide : estimée)"), places=2,
                                  validators=[Optional(), NumberRange(min=0, max=MAX_MONTHLY)])
    social_housing = BooleanField(_l("Logement social (HLM)"), default=True)
    landlord = StringField(_l("Bailleur"), validators=[DataRequired(REQUIRED), Length(max=120)])
    received_on = DateInputField(_l("Reçue le"), validators=[DataRequired(REQUIRED)], past=5 * YEAR, future=YEAR / 12)
    visit_on = DateInputField(_l("Visitée le"), validators=[Optional()], past=5 * YEAR, future=YEAR)


class AppointmentForm(FlaskForm):
    kind = SelectField(_l("Type de rendez-vous"), choices=options(list(APPOINTMENT_KINDS.items())))
    starts_at = DateTimeInputField(_l("Date et heure"), validators=[DataRequired(REQUIRED)], past=YEAR, future=2 * YEAR)
    place = StringField(_l("Lieu"), validators=[Length(max=200)])
    with_whom = StringField(_l("Avec qui"), validators=[Length(max=120)])


class NoteForm(FlaskForm):
    on = DateInputField(_l("Date du contact"), validators=[DataRequired(REQUIRED)], past=5 * YEAR, future=YEAR * 0)
    channel = SelectField(_l("Moyen"), choices=options([("visit", _l("Visite")), ("phone", _l("Téléphone")),
                                                        ("office", _l("Bureau")), ("letter", _l("Courrier"))]))
    text = TextAreaField(_l("Note"), validators=[Length(max=4000)])


def _stage_choices() -> list[tuple[str, str]]:
    return [(s["slug"], s["slug"]) for s in load_journey()]


class HouseholdFactsForm(VersionedForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = options([(lang.code, lang.name) for lang in enabled_languages()])

    display_name = StringField(_l("Nom affiché"), validators=[DataRequired(REQUIRED), Length(max=120)])
    language = SelectField(_l("Langue"))  # choices: the configured languages (set in __init__)
    occupants = IntegerField(_l("Nombre de personnes"), validators=[InputRequired(REQUIRED), NumberRange(1, 20)])
    stage = SelectField(_l("Étape"), choices=options(_stage_choices()))
    documents_updated_on = DateInputField(_l("Papiers mis à jour le"), validators=[Optional()], past=5 * YEAR,
                                          future=YEAR * 0)
    moved_on = DateInputField(_l("Date du déménagement"), validators=[Optional()], past=5 * YEAR, future=3 * YEAR)


EXPENSE_LABELS = {
    "electricity": _l("Électricité"), "gas": _l("Gaz"), "home_insurance": _l("Assurance habitation"),
    "phone": _l("Téléphone"), "taxes": _l("Impôts et taxes"), "alimony": _l("Pension alimentaire"),
    "mutuelle": _l("Mutuelle"), "caf_loan": _l("Prêt CAF"), "banque_de_france_plan": _l("Plan Banque de France"),
    "landlord_plan": _l("Plan d'apurement chez le bailleur"),
}


def _money(label: str) -> AmountField:
    return AmountField(label, places=2, validators=[Optional(), NumberRange(min=0, max=100000)])


def read_ages(text: str | None) -> list[int]:
    """"8, 5 et 2" → [8, 5, 2]; ValueError when a figure is not an age under 21."""
    ages = [int(part) for part in re.findall(r"\d+", text or "")]
    if re.sub(r"[\d\s,;et/-]", "", text or "") or any(age > 20 for age in ages):
        raise ValueError(text)
    return ages


def _ages(form: Any, field: StringField) -> None:
    try:
        read_ages(field.data)
    except ValueError:
        raise ValidationError(_l("Écrivez les âges en nombres, séparés par des virgules. Par exemple : 8, 5. "
                                 "Seulement les enfants de moins de 21 ans.")) from None


RESOURCE_LABELS = {  # by kind, for the housing benefit estimate (core/housing_benefit.py RESOURCE_KINDS)
    "salary": _l("dont salaires (net imposable)"), "unemployment": _l("dont allocations chômage"),
    "pension": _l("dont retraites"), "rsa": _l("dont RSA"),
}


class BudgetForm(VersionedForm):
    monthly_resources = _money(_l("Ressources par mois (moyenne des 3 derniers mois)"))
    rent = _money(_l("Loyer actuel"))
    charges = _money(_l("Charges actuelles"))
    housing_benefit = _money(_l("Aide au logement actuelle (de la CAF ; vide : estimée)"))
    adults = IntegerField(_l("Adultes qui demandent l'aide (1 ou 2)"), validators=[Optional(), NumberRange(1, 2)])
    children_ages = StringField(_l("Âges des enfants de moins de 21 ans"), validators=[Length(max=100), _ages])


for _kind, _label in RESOURCE_LABELS.items():
    setattr(BudgetForm, f"resource_{_kind}", _money(_label))


for _kind in EXPENSE_KINDS:
    setattr(BudgetForm, f"expense_{_kind}", _money(EXPENSE_LABELS[_kind]))


class ConsentForm(FlaskForm):
    kind = SelectField(_l("Accord"), choices=options([("sms", _l("Accepte les SMS")),
                                                      ("sharing", _l("Accepte le partage avec les partenaires")),
                                                      ("sharing_refused", _l("Refus signé du partage"))]))
    given_on = DateInputField(_l("Date"), validators=[DataRequired(REQUIRED)], past=10 * YEAR, future=YEAR * 0)


class PhoneForm(FlaskForm):
    number = StringField(_l("Numéro de portable"), validators=[DataRequired(REQUIRED), Length(max=30)])
    label = StringField(_l("À qui est ce téléphone ?"), validators=[Length(max=80)])
    sms_consent = BooleanField(_l("Cette personne accepte les SMS"))


class ProposalUpdateForm(VersionedForm):
    status = SelectField(_l("Statut"), choices=options(list(PROPOSAL_STATUSES.items())))
    visit_on = DateInputField(_l("Visitée le"), validators=[Optional()], past=5 * YEAR, future=YEAR)
    answer_on = DateInputField(_l("Réponse le"), validators=[Optional()], past=5 * YEAR, future=YEAR)


class AppointmentUpdateForm(VersionedForm):
    status = SelectField(_l("Statut"), choices=options(list(APPOINTMENT_STATUSES.items())))
    starts_at = DateTimeInputField(_l("Date et heure"), validators=[DataRequired(REQUIRED)], past=YEAR, future=2 * YEAR)

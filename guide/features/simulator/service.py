"""The budget simulator: the charter's money figures (§7.1) for the current flat and a proposed one.

GET only, so a result can be bookmarked; nothing is stored and no sign-in is needed. The figures stay in the
page address (the app sends no Referer, so they do not leak to other sites). The rules live in
`guide.rules.budget`; this module reads the figures people type in the page's language, and says the results in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from guide.core import housing_benefit
from guide.core.forms import AMOUNT_MESSAGES, ARABIC_DIGITS, GROUPING, BadFigure, page_locale, parse_amount
from guide.core.timeutil import today
from guide.rules.budget import (
    EXPENSE_KINDS,
    RESTE_A_VIVRE_ALERT,
    TAUX_EFFORT_ALERT,
    Assessment,
    Reason,
    Situation,
    assess_move,
    assess_situation,
    effort_rate_alert,
    reste_a_vivre_alert,
    total_expenses,
)

MAX_PEOPLE = 30


# --- reading figures in the page's language (amounts: guide/core/forms.py, one reader for every form) ------------

def parse_count(text: str, low: int = 1, high: int = MAX_PEOPLE, *, locale: str | None = None) -> int:
    """Read a number of people: a whole number from `low` to `high`. Raises BadFigure: "required", "invalid"
    (not a number), "whole" (2,5) or "range" (a whole number outside low..high, said with the range)."""
    cleaned = GROUPING.sub("", text).translate(ARABIC_DIGITS)
    if not cleaned:
        raise BadFigure("required")
    if re.fullmatch(r"[-−–]?[0-9]{1,6}", cleaned):
        count = int(cleaned.replace("−", "-").replace("–", "-"))
        if not low <= count <= high:
            raise BadFigure("range")
        return count
    try:
        value = parse_amount(cleaned.lstrip("-−–"), locale=locale)
    except BadFigure as bad:
        raise BadFigure("whole" if bad.code == "decimals" else "invalid") from bad
    if value != value.to_integral_value():
        raise BadFigure("whole")
    if not low <= value <= high:  # "1,000" in English
        raise BadFigure("range")
    return int(value)  # "2.0"


def parse_people(text: str, locale: str | None = None) -> int:
    """Read the number of people of the home: a whole number from 1 to 30. Raises BadFigure."""
    return parse_count(text, 1, MAX_PEOPLE, locale=locale)


# --- the form ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    name: str
    label: LazyString
    hint: LazyString | None = None
    group: str = "household"  # household, resources, now, new or expenses: the fieldset it sits in
    required: bool = False
    people: bool = False
    kind: str = "amount"  # amount, people, count (0 allowed) or commune (a name or an INSEE code)
    low: int = 1  # the range of a number of people
    high: int = MAX_PEOPLE

    @property
    def numeric(self) -> bool:
        return self.kind != "commune"


_RENT = _l("Loyer, sans les charges")
_RENT_HINT = _l("Si vous êtes propriétaire, écrivez ce que vous remboursez chaque mois pour votre prêt.")
_CHARGES = _l("Charges")
_CHARGES_HINT = _l("Eau, eau chaude, chauffage et autres charges. Laissez vide si vous n'en payez pas.")
_BENEFIT = _l("Aide au logement (APL)")
_BENEFIT_HINT = _l("Laissez vide si vous n'en recevez pas.")

PEOPLE = Field("people", _l("Nombre de personnes dans le foyer"),
               _l("Comptez-vous, et toutes les personnes qui vivent avec vous, enfants compris."),
               required=True, people=True)
RESOURCES = Field("resources", _l("Ressources du foyer, par mois"),
                  _l("Salaires, allocations, pensions… Faites la moyenne des 3 derniers mois. "
                     "Ne comptez pas les primes ni les bourses d'études."), required=True)
ADULTS = Field("adults", _l("Adultes qui demandent l'aide"),
               _l("1 si vous vivez seul ou seule. 2 si vous vivez en couple."), people=True, kind="people",
               high=housing_benefit.MAX_ADULTS)
CHILDREN = Field("children", _l("Enfants de moins de 21 ans"), _l("Laissez vide s'il n'y en a pas."),
                 kind="count", low=0)
# Monthly resources by kind, for the housing benefit estimate (guide/core/housing_benefit.py RESOURCE_KINDS)
RESOURCE_FIELDS = (
    Field("salary", _l("Salaires"), _l("Le « net imposable » de la fiche de paie."), "resources"),
    Field("unemployment", _l("Allocations chômage"), None, "resources"),
    Field("pension", _l("Retraites"), None, "resources"),
    Field("rsa", _l("RSA"), None, "resources"),
)
_COMMUNE = _l("Commune")
_COMMUNE_HINT = _l("Son nom, par exemple Roubaix. Il sert à estimer l'aide au logement.")
_BENEFIT_TYPED_HINT = _l("Laissez vide : nous l'estimons. Si vous connaissez le montant de la CAF, écrivez-le.")
NOW_FIELDS = (Field("rent_now", _RENT, _RENT_HINT, "now", required=True),
              Field("charges_now", _CHARGES, _CHARGES_HINT, "now"),
              Field("commune_now", _COMMUNE, _COMMUNE_HINT, "now", kind="commune"),
              Field("benefit_now", _BENEFIT, _BENEFIT_TYPED_HINT, "now"))
NEW_FIELDS = (Field("rent_new", _RENT, _RENT_HINT, "new"), Field("charges_new", _CHARGES, _CHARGES_HINT, "new"),
              Field("commune_new", _COMMUNE, _COMMUNE_HINT, "new", kind="commune"),
              Field("benefit_new", _BENEFIT, _BENEFIT_TYPED_HINT, "new"))
EXPENSE_LABELS: dict[str, LazyString] = {
    "electricity": _l("Électricité"),
    "gas": _l("Gaz"),
    "home_insurance": _l("Assurance habitation"),
    "phone": _l("Téléphone"),
    "taxes": _l("Impôts"),
    "alimony": _l("Pension alimentaire que vous versez"),
    "mutuelle": _l("Mutuelle santé"),
    "caf_loan": _l("Remboursement d'un prêt de la CAF"),
    "banque_de_france_plan": _l("Plan de remboursement de la Banque de France"),
    "landlord_plan": _l("Remboursement d'une dette de loyer au bailleur"),
}
EXPENSE_HINTS: dict[str, LazyString] = {
    "taxes": _l("Impôt sur le revenu, taxe foncière, taxe d'habitation, taxe des ordures. "
                "Divisez le montant de l'année par 12."),
}
EXPENSE_FIELDS = tuple(Field(kind, EXPENSE_LABELS[kind], EXPENSE_HINTS.get(kind), "expenses")
                       for kind in EXPENSE_KINDS)
GROUPS = ("household", "resources", "now", "new", "expenses")
ALL_FIELDS = (PEOPLE, RESOURCES, ADULTS, CHILDREN, *RESOURCE_FIELDS, *NOW_FIELDS, *NEW_FIELDS, *EXPENSE_FIELDS)
SOCIAL_NEW = "hlm_new"  # yes ("1", the default) or no ("0"): the proposed flat is social housing (today's always is)


@dataclass
class SimulatorForm:
    """The figures as typed (kept on error), the values read, and an error code per field that failed."""

    raw: dict[str, str]
    social_new: bool = True
    values: dict[str, Decimal | int | str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    sent: bool = False  # a form was sent (an empty one too: it then says what is missing)

    @property
    def submitted(self) -> bool:
        return self.sent or any(self.raw.values())

    @property
    def has_proposal(self) -> bool:
        return any(self.raw[f.name].strip() for f in NEW_FIELDS)

    def typed(self, name: str) -> bool:
        return name in self.values

    def money(self, name: str) -> Decimal:
        value = self.values.get(name, Decimal("0"))
        return Decimal(value)


def read_form(args: Mapping[str, str], fields: tuple[Field, ...] = ALL_FIELDS, *, sent: bool = False,
              locale: str | None = None) -> SimulatorForm:
    """Read `fields` (all of them, or one step's) in the page's language; every answer is kept as typed.

    Empty optional amounts count as 0; the proposed flat needs its rent once started. `sent` says a form was
    sent, so that an empty one says what is missing.
    """
    form = SimulatorForm(raw={f.name: str(args.get(f.name, ""))[:200] for f in ALL_FIELDS}, sent=sent)
    form.social_new = str(args.get(SOCIAL_NEW, "1")) != "0"
    if not form.submitted:
        return form
    locale = locale or page_locale() or "fr"
    for spec in fields:
        raw = form.raw[spec.name]
        required = spec.required or (spec.name == "rent_new" and form.has_proposal)
        if not raw.strip() and not required:
            continue
        try:
            form.values[spec.name] = _read(spec, raw, locale)
        except BadFigure as bad:
            started = spec.name == "rent_new" and bad.code == "required"  # other proposed-flat figures typed
            form.errors[spec.name] = "rent_new_required" if started else bad.code
    if {f.name for f in fields} >= {"people", "adults", "children"}:
        _check_people(form)
    return form


def _read(spec: Field, raw: str, locale: str) -> Decimal | int | str:
    if spec.kind == "commune":
        code = housing_benefit.find_commune(raw)
        if code is None:
            raise BadFigure("commune_unknown")
        return code
    if spec.people or spec.kind == "count":
        return parse_count(raw, spec.low, spec.high, locale=locale)
    return parse_amount(raw, locale=locale)


def _check_people(form: SimulatorForm) -> None:
    """The adults and the children who count for the aid are among the people of the home."""
    if form.errors.keys() & {"people", "adults", "children"}:
        return
    adults, children = int(form.values.get("adults", 1)), int(form.values.get("children", 0))
    if "people" in form.values and adults + children > int(form.values["people"]):
        form.errors["children" if children else "adults"] = "more_than_people"


def estimate_inputs(form: SimulatorForm, side: str) -> housing_benefit.HousingInputs | str:
    """What the estimate needs for one flat, or the reason it cannot be asked (a code for `benefit_reason`)."""
    if not any(form.typed(f.name) for f in RESOURCE_FIELDS):
        return "resources_by_kind_missing"
    adults, children = int(form.values.get("adults", 1)), int(form.values.get("children", 0))
    others = max(0, int(form.values["people"]) - adults - children)
    return housing_benefit.HousingInputs(
        adult_ages=(40,) * adults, others=(10,) * children + (40,) * others,  # ages only decide "under 21"
        resources=tuple((f.name, form.money(f.name)) for f in RESOURCE_FIELDS if form.typed(f.name)),
        rent=form.money(f"rent_{side}"), depcom=str(form.values.get(f"commune_{side}", "")) or None,
        social_housing=True if side == "now" else form.social_new)


def benefits_of(form: SimulatorForm) -> dict[str, BenefitLine]:
    """The housing benefit of each flat: typed (from a CAF notice) or estimated, both flats in one simulation."""
    sides = ["now", "new"] if form.has_proposal else ["now"]
    asked = {side: estimate_inputs(form, side) for side in sides if not form.typed(f"benefit_{side}")}
    homes = {side: inputs for side, inputs in asked.items() if isinstance(inputs, housing_benefit.HousingInputs)}
    answers = dict(zip(homes, housing_benefit.estimate_many(list(homes.values()), today(), wait=page_wait()),
                       strict=True))
    lines = {}
    for side in sides:
        if form.typed(f"benefit_{side}"):
            lines[side] = benefit_line(None, form.money(f"benefit_{side}"))
        else:
            reason = asked[side]
            lines[side] = benefit_line(answers.get(side, housing_benefit.Unavailable(str(reason))), None)
    return lines


def situations(form: SimulatorForm,
               benefits: dict[str, BenefitLine] | None = None) -> tuple[Situation, Situation | None]:
    """The current flat and, when given, the proposed one, from a form without errors."""
    benefits = benefits if benefits is not None else benefits_of(form)
    resources, occupants = form.money("resources"), int(form.values["people"])
    expenses = total_expenses({kind: form.money(kind) for kind in EXPENSE_KINDS})  # the same in both flats

    def flat(side: str) -> Situation:
        return Situation(rent=form.money(f"rent_{side}"), charges=form.money(f"charges_{side}"),
                         housing_benefit=benefits[side].amount, monthly_resources=resources,
                         unavoidable_expenses=expenses, occupants=occupants)

    return flat("now"), flat("new") if form.has_proposal else None


# --- words -------------------------------------------------------------------------------------

def money(value: Decimal) -> str:
    return format_currency(value, "EUR")


def percent(value: Decimal) -> str:
    return _("%(number)s %%", number=format_decimal(value, format="#,##0.##"))


def data_value(value: Decimal | None) -> str:
    """Dot decimal with 2 decimals for automation ("27.50"); empty when there is no value."""
    return "" if value is None else f"{value:.2f}"


def _error_message(spec: Field, code: str) -> str:
    if code == "commune_unknown":
        return _("Nous ne trouvons pas cette commune. Vérifiez le nom, ou écrivez son code INSEE. "
                 "Par exemple : 59350 pour Lille.")
    if code == "more_than_people":
        return _("C'est plus que le nombre de personnes du foyer. Vérifiez les deux nombres.")
    if spec.name in ("people", "adults", "children"):
        low, high = format_decimal(spec.low), format_decimal(spec.high)
        if code == "range" and spec.name == "adults":
            return _("Écrivez 1 ou 2. Les autres adultes comptent dans le nombre de personnes du foyer.")
        if code == "range" and spec.name == "people":
            return _("Écrivez un nombre entre %(low)s et %(high)s. Comptez-vous aussi.", low=low, high=high)
        return {
            "required": _("Écrivez le nombre de personnes. Par exemple : 3."),
            "whole": _("Écrivez un nombre entier, sans virgule. Par exemple : 3."),
            "invalid": _("Écrivez le nombre en chiffres. Par exemple : 3."),
            "range": _("Écrivez un nombre entre %(low)s et %(high)s.", low=low, high=high),
        }[code]
    if code == "rent_new_required":
        return _("Écrivez le loyer du logement proposé. Ou videz les cases de ce logement.")
    return str(AMOUNT_MESSAGES[code])


@dataclass(frozen=True)
class FieldView:
    """What the template needs to draw one field: ids, words, the value as typed, and its error."""

    spec: Field
    id: str
    value: str
    error: str | None
    note: str | None

    @property
    def described_by(self) -> str:
        parts = [f"{self.id}-hint" if self.spec.hint else "", f"{self.id}-error" if self.error else "",
                 f"{self.id}-note" if self.note else ""]
        return " ".join(p for p in parts if p)


def field_views(form: SimulatorForm) -> dict[str, FieldView]:
    return {f.name: FieldView(f, f"field-{f.name.replace('_', '-')}", form.raw[f.name],
                              _error_message(f, form.errors[f.name]) if f.name in form.errors else None,
                              form.notes.get(f.name))
            for f in ALL_FIELDS}


def figures(situation: Situation) -> dict[str, str | bool]:
    """The three indicators of one situation, as data values and in plain words."""
    rac, rate, rav = situation.reste_a_charge, situation.taux_effort, situation.reste_a_vivre
    if rav >= 0:
        rav_words = _("Il reste %(amount)s par jour et par personne pour vivre.", amount=money(rav))
    else:
        rav_words = _("Il manque %(amount)s par jour et par personne.", amount=money(-rav))
    return {
        "rac": data_value(rac), "rate": data_value(rate), "rav": data_value(rav),
        "rac_text": money(rac), "rate_text": percent(rate) if rate is not None else _("Pas calculé"),
        "rav_text": money(rav),
        "rac_words": _("Le logement coûte %(amount)s par mois, une fois l'aide au logement déduite.",
                       amount=money(rac)),
        "rate_words": (_("Le logement prend %(rate)s de vos ressources.", rate=percent(rate)) if rate is not None
                       else _("Sans ressources, on ne peut pas calculer la part du logement.")),
        "rav_words": rav_words,
        "rate_alert": effort_rate_alert(rate), "rav_alert": reste_a_vivre_alert(rav),
    }


def verdict_words(assessment: Assessment, compared: bool) -> str:
    key = (assessment.verdict.value, compared)
    return {
        ("ok", False): _("Ces chiffres ne touchent aucun seuil d'alerte de la charte."),
        ("watch", False): _("Attention : un seuil d'alerte de la charte est atteint. "
                            "Parlez-en à votre chargé de relogement."),
        ("ok", True): _("Le logement proposé respecte les règles d'argent de la charte."),
        ("watch", True): _("Le logement proposé respecte les règles d'argent de la charte. "
                           "Mais un seuil d'alerte est atteint. Parlez-en à votre chargé de relogement."),
        ("not_affordable", True): _("Le logement proposé ne respecte pas les règles d'argent de la charte. "
                                    "Vous pouvez refuser un logement à cause du loyer et des charges. "
                                    "Le refus se fait par écrit. Parlez-en à votre chargé de relogement."),
    }[key]


def reason_words(reason: Reason) -> str:
    threshold, rate = money(RESTE_A_VIVRE_ALERT), percent(TAUX_EFFORT_ALERT)
    return {
        Reason.RAV_FALLS_BELOW_THRESHOLD: _(
            "Aujourd'hui, il vous reste plus de %(amount)s par jour et par personne. Après, il resterait moins. "
            "La charte ne le permet pas.", amount=threshold),
        Reason.RAV_WORSE_BELOW_THRESHOLD: _(
            "Aujourd'hui, il vous reste %(amount)s ou moins par jour et par personne. "
            "La charte dit que cela ne doit pas baisser. Ici, cela baisse.", amount=threshold),
        Reason.RAV_ALERT: _("Il reste %(amount)s ou moins par jour et par personne. C'est un seuil d'alerte.",
                            amount=threshold),
        Reason.EFFORT_RATE_ALERT: _("Le logement prend %(rate)s ou plus de vos ressources. "
                                    "C'est un seuil d'alerte.", rate=rate),
        Reason.EFFORT_RATE_UNKNOWN: _("Sans ressources, on ne peut pas calculer la part du logement."),
    }[reason]


def change_words(now: Situation, new: Situation) -> list[str]:
    """How the proposed flat changes the cost and the money left, in short sentences."""
    words = []
    cost = new.reste_a_charge - now.reste_a_charge
    if cost > 0:
        words.append(_("Le logement proposé coûterait %(amount)s de plus par mois.", amount=money(cost)))
    elif cost < 0:
        words.append(_("Le logement proposé coûterait %(amount)s de moins par mois.", amount=money(-cost)))
    else:
        words.append(_("Le logement proposé coûterait autant par mois."))
    left = new.reste_a_vivre - now.reste_a_vivre
    if left > 0:
        words.append(_("Il vous resterait %(amount)s de plus par jour et par personne.", amount=money(left)))
    elif left < 0:
        words.append(_("Il vous resterait %(amount)s de moins par jour et par personne.", amount=money(-left)))
    else:
        words.append(_("Il vous resterait autant par jour et par personne."))
    return words


# --- the housing benefit: typed, or estimated by OpenFisca-France (guide/core/housing_benefit.py) -----------

def page_wait() -> float:
    """Seconds a page waits for the model and the simulation (GUIDE_HOUSING_BENEFIT_WAIT); then it says "not
    ready yet" and offers manual entry, while the result is computed into the cache."""
    return float(current_app.config.get("HOUSING_BENEFIT_WAIT", 0.25))


@dataclass(frozen=True)
class BenefitLine:
    """The housing benefit counted for one flat, where it comes from, and what to say about it."""

    amount: Decimal  # counted in the "reste à charge": APL + RLS, or the typed figure
    source: str  # "typed", "estimate" or "none"
    lines: tuple[str, ...]  # "Aide au logement estimée : 312 € par mois", and the RLS when there is one
    note: str  # an estimate, not a decision of the CAF; or the typed figure replaces it; or why there is none


def benefit_reason(code: str) -> str:
    """Why there is no estimate, in plain words, with what the person can do."""
    return {
        "commune_missing": _("Pour l'estimer, écrivez la commune du logement."),
        "commune_unknown": _("Nous ne connaissons pas cette commune. Vérifiez son nom."),
        "resources_by_kind_missing": _("Pour l'estimer, écrivez vos ressources par type : salaires, chômage, "
                                       "retraites, RSA."),
        "people_missing": _("Pour l'estimer, il faut savoir qui vit dans le foyer."),
        "loading": _("L'estimation n'est pas encore prête. Rechargez la page dans un instant."),
        "computing": _("L'estimation n'est pas encore prête. Rechargez la page dans un instant."),
    }.get(code, _("L'estimation ne marche pas en ce moment. Vous pouvez écrire le montant de la CAF."))


def benefit_line(answer: housing_benefit.Estimate | housing_benefit.Unavailable | None,
                 typed: Decimal | None) -> BenefitLine:
    """A typed figure (from a CAF notice) wins over the estimate, and says so; no estimate says why."""
    if typed is not None:
        return BenefitLine(typed, "typed", (_("Aide au logement : %(amount)s par mois", amount=money(typed)),),
                           _("C'est le montant écrit à la main. Il remplace l'estimation."))
    if isinstance(answer, housing_benefit.Estimate):
        lines = [_("Aide au logement estimée : %(amount)s par mois", amount=money(answer.benefit))]
        if answer.rent_reduction:
            lines.append(_("Réduction de loyer de solidarité estimée : %(amount)s par mois",
                           amount=money(answer.rent_reduction)))
        return BenefitLine(answer.total, "estimate", tuple(lines),
                           _("C'est une estimation. Ce n'est pas une décision de la CAF."))
    reason = answer.reason if answer is not None else "model_error"
    return BenefitLine(Decimal(0), "none", (_("Aide au logement : pas estimée"),), benefit_reason(reason))


# --- the page ----------------------------------------------------------------------------------

def result(form: SimulatorForm) -> dict[str, object]:
    """Figures, verdict and words for a form without errors; notes a benefit larger than the cost."""
    benefits = benefits_of(form)
    now, new = situations(form, benefits)
    for name, situation in (("benefit_now", now), ("benefit_new", new)):
        if situation is not None and situation.benefit_exceeds_cost:
            form.notes[name] = _("L'aide est plus grande que le loyer et les charges. Vérifiez les montants. "
                                 "Nous comptons un reste à charge de %(amount)s.", amount=money(Decimal(0)))
    assessment = assess_move(now, new) if new is not None else assess_situation(now)
    return {
        "now": figures(now), "new": figures(new) if new is not None else None,
        "verdict": assessment.verdict.value, "verdict_words": verdict_words(assessment, new is not None),
        "reasons": [reason_words(r) for r in assessment.reasons],
        "changes": change_words(now, new) if new is not None else [],
        "benefit_rows": [(_("Aujourd'hui") if side == "now" else _("Logement proposé"), side, line)
                         for side, line in benefits.items()],
        "caf_simulator": housing_benefit.CAF_SIMULATOR,
    }



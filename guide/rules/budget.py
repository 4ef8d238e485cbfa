"""The charter's money rules (MEL relocation charter, §7.1 « Soutenabilité financière pour les ménages »).

Pure: no Flask, no database. Money is `decimal.Decimal` in euros; the number of occupants is an `int`.
The three indicators are rounded half up to 2 decimals (the cent, or a hundredth of a percent) before any
comparison, so a verdict always agrees with the figure a person reads on the screen.

Verdict rules chosen here, with the charter's words:

- Effort rate alert at 30 % or more: « Le seuil de 30 % de taux d'effort constitue un seuil d'alerte », and the
  grid for the simple (online) circuit asks « Taux d'effort < 30 % », so exactly 30 % does not pass.
- "Reste à vivre" alert at 6.50 € or less: « Le seuil de 6,50 € par jour et par personne constitue un seuil
  d'alerte », and the grid asks « Reste à Vivre > 6,50 €/jour », so exactly 6.50 € does not pass.
- A proposal breaks the rules (`NOT_AFFORDABLE`) when « Lorsqu'un ménage est (avant relogement) au-dessus de ce
  seuil, il ne doit pas descendre en dessous après relogement » or « Lorsqu'un ménage est (avant relogement)
  au-dessous de ce seuil, sa situation ne doit pas être dégradée par le relogement » is not kept. Both sentences
  follow the 6.50 € threshold of the "reste à vivre", so "situation" is read as the "reste à vivre".
  "Au-dessus" is read strictly (> 6.50 €): at exactly 6.50 € before, both readings ask the same thing (after
  ≥ 6.50 €), so the boundary needs no arbitrary choice.
- The thresholds themselves are alerts, not bans: crossing them with the rules kept gives `WATCH`, and a single
  situation (no proposal to compare) can only be `OK` or `WATCH`.
- Not modelled: the proportionality rule (RAC growing with the surface gained) is « à titre indicatif », and the
  FSL flat-rate scales for unbilled charges and energy are the landlord's; callers pass the amounts they have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

TAUX_EFFORT_ALERT = Decimal("30")  # percent; « Le seuil de 30 % de taux d'effort constitue un seuil d'alerte »
RESTE_A_VIVRE_ALERT = Decimal("6.50")  # € per person per day; « Le seuil de 6,50 € par jour et par personne »
DAYS_PER_MONTH = 30  # « (Nombre d'occupants du ménage x 30) »

# « dépenses courantes obligatoires incompressibles », in the charter's order; one form field each.
EXPENSE_KINDS: tuple[str, ...] = (
    "electricity",  # l'électricité (barème FSL)
    "gas",  # le gaz (barème FSL)
    "home_insurance",  # l'assurance habitation (barème FSL)
    "phone",  # le téléphone (barème FSL)
    "taxes",  # les impôts: sur le revenu, taxe foncière, taxe d'habitation, ordures ménagères
    "alimony",  # la pension alimentaire
    "mutuelle",  # la mutuelle santé (complementary health insurance)
    "caf_loan",  # le remboursement d'un prêt CAF
    "banque_de_france_plan",  # un plan d'apurement Banque de France (over-indebtedness repayment plan)
    "landlord_plan",  # un plan d'apurement chez le bailleur (repayment plan for rent arrears)
)

_CENT = Decimal("0.01")
_ZERO = Decimal("0")


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def reste_a_charge(rent: Decimal, charges: Decimal, housing_benefit: Decimal) -> Decimal:
    """"Reste à charge" (what the home really costs each month): rent + charges − housing benefit (APL).

    For owners or buyers the monthly loan instalment is passed as `rent` (§7.1 A). Never below 0: the charter
    calls it « le coût effectif d'un logement », and the APL is paid towards the rent, so a benefit larger than
    rent + charges (almost always a typing mistake) leaves nothing to pay rather than money earned.
    """
    return max(_round(rent + charges - housing_benefit), _ZERO)


def taux_effort(rac: Decimal, monthly_resources: Decimal) -> Decimal | None:
    """"Taux d'effort" (share of income spent on housing), in percent: RAC ÷ monthly resources × 100.

    Resources are the average of the last 3 months without exceptional income (bonuses, study grants).
    None when resources are 0 (a rate of nothing is undefined); negative resources raise ValueError.
    """
    if monthly_resources < 0:
        raise ValueError("monthly resources cannot be negative")
    if monthly_resources == 0:
        return None
    return _round(rac / monthly_resources * 100)


def reste_a_vivre(monthly_resources: Decimal, rac: Decimal, unavoidable_expenses: Decimal,
                  occupants: int) -> Decimal:
    """"Reste à vivre" (money left to live on), in € per person per day.

    (resources − (RAC + unavoidable expenses)) ÷ (occupants × 30). The charter prints it without brackets;
    its own definition (« la somme demeurante disponible par jour pour chaque membre ») needs them.
    Negative when expenses exceed resources. Fewer than 1 occupant raises ValueError.
    """
    if occupants < 1:
        raise ValueError("a household has at least one occupant")
    return _round((monthly_resources - (rac + unavoidable_expenses)) / (occupants * DAYS_PER_MONTH))


def total_expenses(expenses: Mapping[str, Decimal]) -> Decimal:
    """Sum of the "dépenses incompressibles" (unavoidable expenses) by kind; unknown kinds raise ValueError."""
    unknown = set(expenses) - set(EXPENSE_KINDS)
    if unknown:
        raise ValueError(f"unknown expense kinds: {', '.join(sorted(unknown))}")
    return sum(expenses.values(), _ZERO)


def effort_rate_alert(rate: Decimal | None) -> bool:
    """True at 30 % or more: the grid for the simple circuit asks « Taux d'effort < 30 % »."""
    return rate is not None and rate >= TAUX_EFFORT_ALERT


def reste_a_vivre_alert(amount: Decimal) -> bool:
    """True at 6.50 € or less per person per day: the grid asks « Reste à Vivre > 6,50 €/jour »."""
    return amount <= RESTE_A_VIVRE_ALERT


@dataclass(frozen=True)
class Situation:
    """One household in one flat, a month at a time: "situation" (the figures of §7.1) with its indicators.

    `rent` is the loan instalment for owners; `unavoidable_expenses` is the monthly total (`total_expenses`).
    """

    rent: Decimal
    charges: Decimal
    housing_benefit: Decimal
    monthly_resources: Decimal
    unavoidable_expenses: Decimal
    occupants: int

    def __post_init__(self) -> None:
        for name in ("rent", "charges", "housing_benefit", "monthly_resources", "unavoidable_expenses"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.occupants < 1:
            raise ValueError("a household has at least one occupant")

    @property
    def reste_a_charge(self) -> Decimal:
        """What the home costs each month once the housing benefit is taken off (€, never below 0)."""
        return reste_a_charge(self.rent, self.charges, self.housing_benefit)

    @property
    def taux_effort(self) -> Decimal | None:
        """Share of the resources spent on the home, in percent (None without resources)."""
        return taux_effort(self.reste_a_charge, self.monthly_resources)

    @property
    def reste_a_vivre(self) -> Decimal:
        """Money left per person per day once the home and the unavoidable expenses are paid (€)."""
        return reste_a_vivre(self.monthly_resources, self.reste_a_charge, self.unavoidable_expenses,
                             self.occupants)

    @property
    def benefit_exceeds_cost(self) -> bool:
        """The housing benefit is larger than rent + charges: worth a second look at the figures."""
        return self.housing_benefit > self.rent + self.charges


class Verdict(StrEnum):
    """What the figures say, mildest first."""

    OK = "ok"  # rules kept, no alert threshold reached
    WATCH = "watch"  # rules kept, but an alert threshold is reached: « une attention particulière »
    NOT_AFFORDABLE = "not_affordable"  # a §7.1 rule on the "reste à vivre" is broken by the proposal


class Reason(StrEnum):
    """Why a verdict was given; views turn each code into plain words."""

    RAV_FALLS_BELOW_THRESHOLD = "rav_falls_below_threshold"  # was above 6.50 €, would be below
    RAV_WORSE_BELOW_THRESHOLD = "rav_worse_below_threshold"  # was at or below 6.50 €, would be lower still
    RAV_ALERT = "rav_alert"  # 6.50 € or less per person per day
    EFFORT_RATE_ALERT = "effort_rate_alert"  # 30 % or more
    EFFORT_RATE_UNKNOWN = "effort_rate_unknown"  # no resources: the rate cannot be computed


_BREAKS_RULE = {Reason.RAV_FALLS_BELOW_THRESHOLD, Reason.RAV_WORSE_BELOW_THRESHOLD}


@dataclass(frozen=True)
class Assessment:
    """A verdict with its reasons, broken rules first."""

    verdict: Verdict
    reasons: tuple[Reason, ...] = ()


def _alerts(situation: Situation, rav_rule_broken: bool = False) -> list[Reason]:
    reasons = []
    if reste_a_vivre_alert(situation.reste_a_vivre) and not rav_rule_broken:
        reasons.append(Reason.RAV_ALERT)
    if situation.taux_effort is None:
        reasons.append(Reason.EFFORT_RATE_UNKNOWN)
    elif effort_rate_alert(situation.taux_effort):
        reasons.append(Reason.EFFORT_RATE_ALERT)
    return reasons


def _verdict(reasons: list[Reason]) -> Assessment:
    if _BREAKS_RULE & set(reasons):
        return Assessment(Verdict.NOT_AFFORDABLE, tuple(reasons))
    return Assessment(Verdict.WATCH if reasons else Verdict.OK, tuple(reasons))


def assess_situation(situation: Situation) -> Assessment:
    """Verdict on one situation alone (no proposal to compare): OK, or WATCH when an alert threshold is reached.

    Without a "before" there is no §7.1 rule to break, only the two alert thresholds.
    """
    return _verdict(_alerts(situation))


def assess_move(before: Situation, after: Situation) -> Assessment:
    """Verdict on a proposed flat (`after`) against the current one (`before`), following §7.1.

    NOT_AFFORDABLE when the "reste à vivre" falls from above 6.50 € to below it, or, when it was already
    6.50 € or less, goes down at all. Otherwise WATCH when the proposed flat reaches an alert threshold
    (effort rate 30 % or more, "reste à vivre" 6.50 € or less), else OK.
    """
    rav_before, rav_after = before.reste_a_vivre, after.reste_a_vivre
    reasons: list[Reason] = []
    if rav_before > RESTE_A_VIVRE_ALERT and rav_after < RESTE_A_VIVRE_ALERT:
        reasons.append(Reason.RAV_FALLS_BELOW_THRESHOLD)
    elif rav_before <= RESTE_A_VIVRE_ALERT and rav_after < rav_before:
        reasons.append(Reason.RAV_WORSE_BELOW_THRESHOLD)
    return _verdict(reasons + _alerts(after, rav_rule_broken=bool(reasons)))

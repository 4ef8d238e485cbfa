"""The housing benefit (APL, and in social housing the RLS rent reduction) estimated with OpenFisca-France.

OpenFisca-France is the French State's rules-as-code model (PyPI `openfisca-france`); it runs here, in the
process: nothing about a household leaves the server. This module is the one place that knows its variables.

- `HousingInputs` is what the estimate needs, in the product's words: the people in the home (ages), monthly
  resources by kind, the rent, the commune's INSEE code (`depcom`) and whether the flat is social housing.
  `situation_inputs()` maps it to OpenFisca's variables and periods — pure, unit-tested without the model.
- The resource chain (the trap: `salaire_net` alone is never read, the resources stay at 0 and the APL is the
  maximum for any income). Since 2021 the APL reads, for the month M, the *taxable* amounts of the rolling year
  that ends two months before M (`aide_logement_base_ressources_individu`: `salaire_imposable`,
  `chomage_imposable`, `retraite_imposable` over `annee_glissante`, M-13 to M-2). So the monthly figures are set
  on `salaire_imposable` etc. for those 12 months. The RSA of M-1 is set too: an RSA household has its work and
  unemployment income "neutralised" (CCH R822-15), and leaving it unset would make the model compute the RSA
  itself (slow, and from nothing). Family allowances, AAH and the activity bonus (prime d'activité) are not
  resources for the APL: they are not asked for.
- Cost: the model (~130 MB, several seconds) is never imported at app start. Under gunicorn the master loads it
  once its first workers serve pages, then forks new workers that share it (guide/serving.py); elsewhere it is
  imported on first need or by `warm_up()` in a background thread. A page asks `estimate_many(..., wait=...)`
  and gets `Unavailable("loading")` rather than waiting for it. Several flats are computed in one vectorised simulation,
  only the variables needed for the one month; results are cached by inputs.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

# Monthly resources the APL counts, by kind → the OpenFisca variable (individual, monthly, taxable amounts).
RESOURCE_VARIABLES: dict[str, str] = {
    "salary": "salaire_imposable",  # salaries (net taxable: the "net imposable" line of the payslip)
    "unemployment": "chomage_imposable",  # unemployment benefit (ARE)
    "pension": "retraite_imposable",  # retirement pensions
}
RSA = "rsa"  # revenu de solidarité active: not counted, but it neutralises work income (CCH R822-15)
RESOURCE_KINDS: tuple[str, ...] = (*RESOURCE_VARIABLES, RSA)
MAX_ADULTS = 2  # the claimant and a spouse; other adults are passed with their age among `others`
ROLLING_YEAR = 12  # months of resources read, ending 2 months before the month estimated
# Benefits and facts the estimate does not ask for, stated as 0/false over the months the chain reads. Without
# them the model computes each from nothing (AAH, ASS, ASI... through years of tax variables: 25,000 formula
# calls and 5 s for one household). Not modelled: an adult receiving the AAH or the ASS (the official simulator
# asks), savings over 30,000 € (the patrimoine rule), the couple's double-activity allowance.
NOT_ASKED: dict[str, str] = {
    "aah": "individu",
    "ass": "individu",
    "autonomie_financiere": "individu",  # children are dependants (their own resources are not asked)
    "prestations_familiales_base_ressources_individu": "individu",
    "aide_logement_biactivite": "famille",
    "aide_logement_base_ressources_patrimoine": "famille",
    "boursier": "individu",  # students' flat-rate resources: not the relocated households' case
    "etudiant": "individu",
}
# The same, read on the tax return of the last two years (capital income, special allowances, alimony paid).
NOT_ASKED_YEARLY = ("aide_logement_base_revenus_fiscaux", "abattements_speciaux_prestations_familiales",
                    "pensions_alimentaires_versees")
OUTPUTS = ("aide_logement", "reduction_loyer_solidarite")
CAF_SIMULATOR = ("https://wwwd.caf.fr/wps/portal/caffr/aidesetdemarches/mesdemarches/faireunesimulation/"
                 "lelogement")
PARAMETER_CHECKED = ("prestations_sociales.aides_logement.allocations_logement.locatif.formule."
                     "l_plafonds_loyers.par_zone.zone_2.personnes_seules")


class Unavailable(Exception):
    """The estimate cannot be given; `reason` is a code the pages turn into words.

    commune_missing, commune_unknown, no_resources_for_year, loading, not_installed, model_error.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class HousingInputs:
    """One household in one flat, as the estimate needs it. Amounts are monthly euros."""

    adult_ages: tuple[int, ...]  # the claimant, and the spouse if there is one (1 or 2)
    others: tuple[int, ...]  # ages of the other people in the home (children, other relatives)
    resources: tuple[tuple[str, Decimal], ...]  # (kind, monthly amount for the household), kinds in RESOURCE_KINDS
    rent: Decimal  # rent without charges (the charges allowance is a flat rate in the model)
    depcom: str | None  # the flat's commune, INSEE code ("59350" Lille)
    social_housing: bool  # HLM / conventionné: APL and, when the resources are low, the RLS

    def __post_init__(self) -> None:
        if not 1 <= len(self.adult_ages) <= MAX_ADULTS:
            raise ValueError("one or two adults")
        if any(not 0 <= age <= 120 for age in (*self.adult_ages, *self.others)):
            raise ValueError("ages from 0 to 120")
        unknown = {kind for kind, _ in self.resources} - set(RESOURCE_KINDS)
        if unknown:
            raise ValueError(f"unknown resource kinds: {', '.join(sorted(unknown))}")
        if self.rent < 0 or any(amount < 0 for _, amount in self.resources):
            raise ValueError("amounts cannot be negative")

    @property
    def people(self) -> int:
        return len(self.adult_ages) + len(self.others)

    def resource(self, kind: str) -> Decimal:
        return sum((amount for k, amount in self.resources if k == kind), Decimal("0"))


@dataclass(frozen=True)
class Estimate:
    """The model's answer for one flat, in whole euros a month (the CAF pays whole euros)."""

    benefit: Decimal  # aide au logement (APL in social housing), after the RLS cut
    rent_reduction: Decimal  # RLS, taken off the rent by the social landlord
    month: str  # "2026-12"

    @property
    def total(self) -> Decimal:
        """What the home costs less each month: the benefit and the rent reduction."""
        return self.benefit + self.rent_reduction


def valid_depcom(text: str) -> bool:
    """A commune's INSEE code: 5 characters, digits (Corsica: 2A/2B then 3 digits)."""
    code = text.strip().upper()
    return len(code) == 5 and (code.isdigit() or (code[:2] in ("2A", "2B") and code[2:].isdigit()))


def _fold(text: str) -> str:
    """Lower case without accents, hyphens or apostrophes: "Villeneuve-d'Ascq" and "villeneuve d ascq" match."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


@lru_cache(maxsize=1)
def _communes() -> tuple[dict[str, str], dict[str, list[str]]]:
    """INSEE code → name, and folded name → codes, from the model's APL zoning file (read without the model)."""
    spec = importlib.util.find_spec("openfisca_france")
    if spec is None or not spec.submodule_search_locations:
        return {}, {}
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "apl" / "20110914_zonage.csv"
    names: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            names[row["CODGEO"]] = row["LIBCOM_2014"]
            codes.setdefault(_fold(row["LIBCOM_2014"]), []).append(row["CODGEO"])
    return names, codes


def find_commune(text: str, department: str = "59") -> str | None:
    """The INSEE code for what a person typed: a code ("59350") or a commune's name ("Lille", "villeneuve d'ascq").

    A name found in several departments is taken in `department` (the Nord) when it is there. None: not found.
    """
    names, codes = _communes()
    typed = text.strip().upper()
    if typed in names:
        return typed
    found = codes.get(_fold(text), [])
    local = [code for code in found if code.startswith(department)]
    if len(local) == 1:
        return local[0]
    return found[0] if len(found) == 1 else None


def commune_name(code: str | None) -> str | None:
    return _communes()[0].get(code or "")


def months_before(month: date, count: int) -> date:
    """The first day of the month `count` months before `month`."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def period(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def resource_months(month: date) -> list[str]:
    """The months whose resources the APL of `month` reads — M-13 to M-2, the rolling year — and M-1 and M.

    The last two are not in the base, but other parts of the chain look at them (the abatement for a jobseeker
    reads this month's salary); stated, they are not recomputed from nothing.
    """
    return [period(months_before(month, back)) for back in range(ROLLING_YEAR + 1, -1, -1)]


def birth_date(age: int, month: date) -> date:
    """A birth date giving `age` on the first day of `month` (born on the 1st of the month before, `age` years ago)."""
    before = months_before(month, 1)
    return date(before.year - age, before.month, 1)


@dataclass
class PersonRows:
    """The people of several households, one row each, with the household they belong to and their roles."""

    household: list[int] = field(default_factory=list)
    famille_role: list[str] = field(default_factory=list)
    foyer_role: list[str] = field(default_factory=list)
    menage_role: list[str] = field(default_factory=list)
    birth: list[date] = field(default_factory=list)
    first_adult: list[bool] = field(default_factory=list)


def person_rows(households: Sequence[HousingInputs], month: date) -> PersonRows:
    """Each household's people: the claimant, the spouse, then the others (dependants if the model says so).

    Resources are the household's, given to the claimant (the model sums the parents' resources; a couple where
    both work gets one 10 % work-expenses allowance instead of two — a few euros, noted in docs).
    """
    rows = PersonRows()
    for index, home in enumerate(households):
        for position, age in enumerate(home.adult_ages):
            rows.household.append(index)
            rows.famille_role.append("demandeur" if position == 0 else "conjoint")
            rows.foyer_role.append("declarant_principal" if position == 0 else "conjoint")
            rows.menage_role.append("personne_de_reference" if position == 0 else "conjoint")
            rows.birth.append(birth_date(age, month))
            rows.first_adult.append(position == 0)
        for age in home.others:
            rows.household.append(index)
            rows.famille_role.append("enfant")
            rows.foyer_role.append("personne_a_charge")
            rows.menage_role.append("enfant")
            rows.birth.append(birth_date(age, month))
            rows.first_adult.append(False)
    return rows


def situation_inputs(households: Sequence[HousingInputs], month: date) -> dict[str, dict[str, list[Any]]]:
    """Variable → period → one value per person (individual variables) or per household (the others).

    Pure: the mapping from the product's fields to OpenFisca's variables and periods, without the model.
    """
    rows = person_rows(households, month)
    this_month, last_month = period(month), period(months_before(month, 1))

    def per_person(kind: str) -> list[float]:
        return [float(households[h].resource(kind)) if first else 0.0
                for h, first in zip(rows.household, rows.first_adult, strict=True)]

    inputs: dict[str, dict[str, list[Any]]] = {
        variable: dict.fromkeys(resource_months(month), per_person(kind))
        for kind, variable in RESOURCE_VARIABLES.items()
    }
    inputs["date_naissance"] = {"ETERNITY": [born.isoformat() for born in rows.birth]}
    inputs[RSA] = {last_month: [float(home.resource(RSA)) for home in households]}  # a family variable
    inputs["loyer"] = {this_month: [float(home.rent) for home in households]}
    inputs["depcom"] = {this_month: [(home.depcom or "").strip().upper() for home in households]}
    inputs["statut_occupation_logement"] = {
        this_month: ["locataire_hlm" if home.social_housing else "locataire_vide" for home in households]}
    per_household, per_people = [0.0] * len(households), [0.0] * len(rows.household)
    for variable, entity in NOT_ASKED.items():  # stated as nothing, so the model does not compute them
        zeros = per_people if entity == "individu" else per_household
        inputs[variable] = dict.fromkeys(resource_months(month), zeros)
    for variable in NOT_ASKED_YEARLY:  # foyer fiscal, one per household
        inputs[variable] = {str(month.year - back): per_household for back in (2, 1)}
    return inputs


# --- the model: loaded once per process, lazily or in the background ---------------------------------------

_lock = threading.Lock()
_loaded = threading.Event()
_from_parent = threading.Event()  # forked before the parent loaded the model: wait to be replaced, never load it
_model: dict[str, Any] = {}


def _load() -> None:
    with _lock:
        if _loaded.is_set():
            return
        try:
            france = importlib.import_module("openfisca_france")
            builder = importlib.import_module("openfisca_core.simulation_builder")
        except ImportError:
            _model["error"] = "not_installed"
        else:
            _model["system"] = france.FranceTaxBenefitSystem()
            _model["builder"] = builder.SimulationBuilder
            zones = importlib.import_module("openfisca_france.model.prestations.aides_logement")
            zones.preload_zone_apl()
            _model["zones"] = zones.zone_apl_by_depcom
        _loaded.set()
    _communes()
    if "system" in _model:  # the first simulation fills the model's caches (about 1 s): not on a page's time
        _cached(tuple([WARM_UP]), date.today().replace(day=1))


WARM_UP = HousingInputs((40,), (), (("salary", Decimal(1000)),), Decimal(400), "59350", True)


def load() -> None:
    """Load the model in this process now, with its first simulation (gunicorn's master, before the forks that
    share it: guide/serving.py)."""
    _load()


def leave_to_parent() -> None:
    """This process was forked while its parent loads the model, and will be replaced by a process forked once it
    is loaded: it never loads the model itself (130 MB and seconds of CPU for nothing); meanwhile its pages say
    the estimate is loading, as during any warm-up."""
    if not _loaded.is_set():
        _from_parent.set()


def warm_up() -> threading.Thread:
    """Load the model in a background thread (gunicorn's post_worker_init), so that no page waits for it."""
    thread = threading.Thread(target=_load, name="openfisca-warm-up", daemon=True)
    thread.start()
    return thread


def ready() -> bool:
    return _loaded.is_set() and "system" in _model


def model(wait: float | None = None) -> dict[str, Any]:
    """The loaded model; waits up to `wait` seconds for a warm-up (None: load now, in this thread)."""
    if not _loaded.is_set():
        if _from_parent.is_set():
            raise Unavailable("loading")
        if wait is None:
            _load()
        else:
            if not _lock.locked():
                warm_up()
            if not _loaded.wait(wait):
                raise Unavailable("loading")
    if "error" in _model:
        raise Unavailable(_model["error"])
    return _model


def newest_scale() -> date:
    """The day the newest APL rent ceilings of the installed model start (a new scale every 1 October)."""
    node = model()["system"].parameters
    for part in PARAMETER_CHECKED.split("."):
        node = getattr(node, part)
    return date.fromisoformat(str(node.values_list[0].instant_str))


def model_version() -> str:
    return str(importlib.import_module("importlib.metadata").version("openfisca-france"))


def _check(home: HousingInputs, zones: dict[str, int]) -> None:
    if not home.depcom or not home.depcom.strip():
        raise Unavailable("commune_missing")
    if home.depcom.strip().upper() not in zones:
        raise Unavailable("commune_unknown")


def _simulate(households: Sequence[HousingInputs], month: date) -> list[Estimate]:
    loaded = model()
    system, rows = loaded["system"], person_rows(households, month)
    numpy = importlib.import_module("numpy")
    builder = loaded["builder"]()
    builder.create_entities(system)
    builder.declare_person_entity("individu", [f"p{i}" for i in range(len(rows.household))])
    groups = [f"h{h}" for h in rows.household]
    for key, person_roles in (("famille", rows.famille_role), ("foyer_fiscal", rows.foyer_role),
                              ("menage", rows.menage_role)):
        population = builder.declare_entity(key, [f"h{h}" for h in range(len(households))])
        builder.join_with_persons(population, groups, person_roles)
    simulation = builder.build(system)
    for variable, by_period in situation_inputs(households, month).items():
        for when, values in by_period.items():
            array = numpy.array(values, dtype="datetime64[D]") if variable == "date_naissance" else values
            if variable == "statut_occupation_logement":
                enum = system.variables[variable].possible_values
                array = numpy.array([enum[value] for value in values])
            simulation.set_input(variable, when, numpy.array(array) if isinstance(array, list) else array)
    this_month = period(month)
    benefit, reduction = (simulation.calculate(name, this_month) for name in OUTPUTS)
    return [Estimate(Decimal(int(b)), Decimal(int(round(r))), this_month)
            for b, r in zip(benefit.tolist(), reduction.tolist(), strict=True)]


_running = threading.Lock()  # one simulation at a time per process (the model's caches are shared)


@lru_cache(maxsize=512)
def _cached(households: tuple[HousingInputs, ...], month: date) -> tuple[Estimate, ...]:
    with _running:
        return tuple(_simulate(households, month))


_pool: list[ThreadPoolExecutor] = []


def _in_time(households: tuple[HousingInputs, ...], month: date, deadline: float | None) -> tuple[Estimate, ...]:
    """The simulation, waited for until `deadline` at most (then it goes on in the background and fills the
    cache, so the page asked again gets it); no deadline: computed here."""
    if deadline is None:
        return _cached(households, month)
    if not _pool:
        _pool.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="openfisca"))
    future = _pool[0].submit(_cached, households, month)
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        raise Unavailable("computing") from None


def estimate_many(households: Sequence[HousingInputs], month: date,
                  wait: float | None = None) -> list[Estimate | Unavailable]:
    """One estimate (or the reason there is none) per flat, computed together in one simulation.

    `month` is any day of the month estimated. `wait` bounds the whole wait, model warm-up and simulation (pages
    pass a fraction of a second; None waits as long as needed). A model error makes every flat
    `Unavailable("model_error")`, never an exception.
    """
    if not households:
        return []  # nothing asked: the model is not even looked at
    deadline = None if wait is None else time.monotonic() + wait
    first = date(month.year, month.month, 1)
    try:
        zones = model(wait)["zones"]
    except Unavailable as missing:
        return [missing for _ in households]
    answers: list[Estimate | Unavailable] = []
    valid: list[HousingInputs] = []
    for home in households:
        try:
            _check(home, zones)
        except Unavailable as bad:
            answers.append(bad)
        else:
            answers.append(Estimate(Decimal(0), Decimal(0), ""))  # placeholder, replaced below
            valid.append(home)
    if not valid:
        return answers
    computed: Iterator[Estimate | Unavailable]
    try:
        computed = iter(_in_time(tuple(valid), first, deadline))
    except Unavailable as late:
        computed = iter([late] * len(valid))
    except Exception:  # noqa: BLE001 - any model failure leaves the page with manual entry, never a 500
        computed = iter([Unavailable("model_error")] * len(valid))
    return [next(computed) if isinstance(answer, Estimate) else answer for answer in answers]


def estimate(home: HousingInputs, month: date, wait: float | None = None) -> Estimate | Unavailable:
    return estimate_many([home], month, wait)[0]

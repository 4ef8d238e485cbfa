"""The housing benefit estimate: the mapping to OpenFisca's variables, and worked cases computed by hand.

The hand computation (`by_hand`) follows the published APL scale in force from 1 October 2026 (arrêté du 28
septembre 2026, "barème des aides personnelles au logement"), for a tenant in mainland France, month M = December
2026. Each step, with the scale's figures typed below (not read from the model):

1. Resources R (annual): the 12 months from M-13 to M-2 (rolling year, CCH R822-3 since 2021). Salaries and
   unemployment benefit less the 10 % work-expenses allowance (at least 509 €, at most 14 555 €, rounded to the
   euro); pensions less 10 % (at least 454 €); all activity and unemployment income counted as 0 when the household
   received the RSA the month before (neutralisation, R822-15). Rounded up to the next 100 €.
2. Rent retained L = min(rent, ceiling). Ceilings (€/month) by zone and household: single, couple, 1 dependant,
   each extra dependant — zone 1: 336.97, 406.40, 459.32, +66.65; zone 2: 293.68, 359.47, 404.49, +58.88;
   zone 3: 275.25, 333.67, 374.13, +53.62.
3. Charges allowance C = 61.29 € + 13.90 € per dependant.
4. Personal contribution PP = P0 + Tp × max(0, R − R0):
   P0 = max(8.5 % × (L + C), 40.01 €); R0 (€/year) = 5 235 single, 7 501 couple, 8 947 / 9 148 / 9 498 / 9 851
   with 1 / 2 / 3 / 4 dependants; Tp = TF + TL with TF = 2.83 % single, 3.15 % couple, 2.70 % / 2.38 % / 2.01 % /
   1.85 % with 1 / 2 / 3 / 4 dependants, and TL from RL = L ÷ (the zone 2 ceiling of the same household) in % to
   2 decimals: 0 below 45 %, 0.45 % × (RL − 45 %) up to 75 %, then + 0.68 % × (RL − 75 %); TL rounded to 5 places.
5. Benefit = L + C − PP, less 5 € (minoration forfaitaire, 2017), not paid under 10 € outside social housing.
6. Social housing: the RLS (rent reduction) when R ÷ 12 is under its ceiling (zone 2: 905 single, 1 104 couple,
   1 408 / 1 677 / 2 059 / 2 377 with 1 to 4 dependants); amounts (zone 2): 31.58 single, 38.56 couple, 43.06 with
   1 dependant + 6.26 per extra one. The APL is cut by 98 % of the RLS.
7. CRDS 0.5 % (cents rounded down), then the benefit rounded down to the euro.

Worked example (case "single, salary 1 200"): R = 14 400 − 1 440 = 12 960 → 13 000; L = 293.68; C = 61.29;
RL = 100 % → TL = 0.45 % × 30 + 0.68 % × 25 = 0.305 %; Tp = 3.135 %; P0 = 40.01; PP = 40.01 + 0.03135 × 7 765 =
283.44; 354.97 − 283.44 = 71.53; − 5 = 66.53; RLS: 13 000 ÷ 12 = 1 083 > 905, none; CRDS 0.33; APL 66 €.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from guide.core import housing_benefit as hb

MONTH = date(2026, 12, 1)
D = Decimal

CEILINGS = {1: (336.97, 406.40, 459.32, 66.65), 2: (293.68, 359.47, 404.49, 58.88),
            3: (275.25, 333.67, 374.13, 53.62)}
R0 = {"single": 5235, "couple": 7501, 1: 8947, 2: 9148, 3: 9498, 4: 9851}
TF = {"single": 0.0283, "couple": 0.0315, 1: 0.027, 2: 0.0238, 3: 0.0201, 4: 0.0185}
RLS_CEILING_Z2 = {"single": 905, "couple": 1104, 1: 1408, 2: 1677, 3: 2059, 4: 2377}
RLS_Z2 = {"single": 31.58, "couple": 38.56, 1: 43.06}
ZONE = {"59350": 2, "59512": 2, "59001": 3, "75056": 1}


def _shape(adults: int, dependants: int) -> str | int:
    return dependants if dependants else ("couple" if adults == 2 else "single")


def _ceiling(zone: int, shape: str | int) -> float:
    single, couple, one, extra = CEILINGS[zone]
    if shape == "single":
        return single
    if shape == "couple":
        return couple
    return one + (int(shape) - 1) * extra


def _resources(salary: float, unemployment: float, pension: float, rsa: float) -> int:
    work = 12 * (salary + unemployment)
    work = 0 if rsa else work - round(min(max(0.1 * work, 509), 14555)) if work else 0
    pensions = 12 * pension
    pensions = max(0, pensions - round(max(0.1 * pensions, 454))) if pensions else 0
    return math.ceil((work + pensions) / 100) * 100


def by_hand(adults: int, dependants: int, rent: float, depcom: str, social: bool, salary: float = 0,
            unemployment: float = 0, pension: float = 0, rsa: float = 0) -> tuple[int, int]:
    """(APL, RLS) in whole euros from the published scale, steps 1 to 7 of the module docstring."""
    shape, zone = _shape(adults, dependants), ZONE[depcom]
    resources = _resources(salary, unemployment, pension, rsa)
    retained = min(rent, _ceiling(zone, shape))
    charges = 61.29 + 13.90 * dependants
    ratio = round(retained / _ceiling(2, shape) * 100, 2) / 100
    tl = 0.0068 * (ratio - 0.75) + 0.0045 * 0.30 if ratio >= 0.75 else max(0.0, 0.0045 * (ratio - 0.45))
    rate = TF[shape] + round(tl, 5)
    p0 = max(0.085 * (retained + charges), 40.01)
    amount = max(0.0, retained + charges - (p0 + rate * max(0, resources - R0[shape])))
    if not social and amount < 10:
        amount = 0
    gross = max(0.0, round(amount, 2) - 5)
    rls = 0.0
    if social and resources / 12 < RLS_CEILING_Z2[shape]:
        rls = RLS_Z2[shape] if shape in RLS_Z2 else RLS_Z2[1] + (int(shape) - 1) * 6.26
    gross = max(0.0, gross - 0.98 * rls)
    crds = math.floor(round(gross * 100, 6) * 0.005) / 100
    return math.floor(gross - crds), round(rls)


# (name, adults' ages, others' ages, resources, rent, depcom, social) — 7 household shapes
CASES = [
    ("single, salary 1 200, Lille HLM", (40,), (), {"salary": 1200}, 400, "59350", True),
    ("single, no income, Lille HLM (RLS)", (40,), (), {}, 400, "59350", True),
    ("couple, 2 children, salary 1 800, Lille HLM", (35, 33), (8, 5), {"salary": 1800}, 550, "59350", True),
    ("single parent, 1 child, unemployment 900, Roubaix HLM", (35,), (3,), {"unemployment": 900}, 450, "59512",
     True),
    ("retired, pension 1 000, zone 3 private", (70,), (), {"pension": 1000}, 380, "59001", False),
    ("couple, no child, salaries 2 100, Lille private", (45, 44), (), {"salary": 2100}, 520, "59350", False),
    ("couple, 4 children, salary 2 300, Lille HLM", (41, 38), (16, 12, 9, 2), {"salary": 2300}, 700, "59350",
     True),
    ("single, RSA 600 and salary 500, Lille HLM", (30,), (), {"rsa": 600, "salary": 500}, 400, "59350", True),
    ("single, salary 3 000, Lille HLM (no benefit)", (40,), (), {"salary": 3000}, 400, "59350", True),
]


def _inputs(adults: tuple[int, ...], others: tuple[int, ...], resources: dict[str, float], rent: float,
            depcom: str, social: bool) -> hb.HousingInputs:
    return hb.HousingInputs(adults, others, tuple((k, D(str(v))) for k, v in resources.items()), D(str(rent)),
                            depcom, social)


@pytest.fixture(scope="module")
def loaded() -> None:
    hb.model()  # several seconds, once for the module


# --- the mapping, without the model ------------------------------------------------------------------------

def test_resources_go_on_taxable_variables_over_the_rolling_year() -> None:
    home = _inputs((40, 38), (6,), {"salary": 1500, "pension": 200, "rsa": 50}, 480, "59350", True)
    inputs = hb.situation_inputs([home], MONTH)
    months = list(inputs["salaire_imposable"])
    assert months[0] == "2025-11" and months[11] == "2026-10", f"rolling year M-13..M-2 expected, got {months}"
    assert months[-1] == "2026-12", "this month's salary is stated too (read by the abatements)"
    assert inputs["salaire_imposable"]["2026-03"] == [1500.0, 0.0, 0.0], "the salary goes to the claimant only"
    assert inputs["retraite_imposable"]["2026-03"] == [200.0, 0.0, 0.0]
    assert "salaire_net" not in inputs, "salaire_net is never read by the APL: resources would stay at 0"
    assert inputs["rsa"] == {"2026-11": [50.0]}, "the RSA of last month, per family, neutralises work income"


def test_people_flat_and_commune_map_to_their_variables() -> None:
    home = _inputs((40, 38), (6,), {}, 480, " 59350 ", False)
    inputs, rows = hb.situation_inputs([home], MONTH), hb.person_rows([home], MONTH)
    assert rows.famille_role == ["demandeur", "conjoint", "enfant"]
    assert rows.menage_role == ["personne_de_reference", "conjoint", "enfant"]
    assert rows.foyer_role == ["declarant_principal", "conjoint", "personne_a_charge"]
    assert inputs["date_naissance"]["ETERNITY"] == ["1986-11-01", "1988-11-01", "2020-11-01"]
    assert inputs["loyer"] == {"2026-12": [480.0]}
    assert inputs["depcom"] == {"2026-12": ["59350"]}
    assert inputs["statut_occupation_logement"] == {"2026-12": ["locataire_vide"]}
    assert inputs["aah"]["2026-12"] == [0.0, 0.0, 0.0], "benefits not asked are stated as none"


def test_several_flats_are_one_vector() -> None:
    homes = [_inputs((40,), (), {"salary": 1000}, 400, "59350", True),
             _inputs((30, 31), (1, 2), {"salary": 2000}, 600, "59512", False)]
    rows = hb.person_rows(homes, MONTH)
    assert rows.household == [0, 1, 1, 1, 1]
    assert hb.situation_inputs(homes, MONTH)["loyer"] == {"2026-12": [400.0, 600.0]}
    assert hb.situation_inputs(homes, MONTH)["salaire_imposable"]["2026-01"] == [1000.0, 2000.0, 0, 0, 0]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="one or two adults"):
        _inputs((), (3,), {}, 400, "59350", True)
    with pytest.raises(ValueError, match="unknown resource kinds: bonus"):
        _inputs((30,), (), {"bonus": 10}, 400, "59350", True)
    assert hb.valid_depcom("59350") and hb.valid_depcom("2A004") and not hb.valid_depcom("5935")


# --- the worked cases, by hand and by OpenFisca ------------------------------------------------------------

def test_the_worked_example_by_hand() -> None:
    assert by_hand(1, 0, 400, "59350", True, salary=1200) == (66, 0), "the docstring's worked example"


@pytest.mark.parametrize(("name", "adults", "others", "resources", "rent", "depcom", "social"), CASES,
                         ids=[c[0] for c in CASES])
def test_openfisca_agrees_with_the_hand_computation(loaded: None, name: str, adults: tuple[int, ...],
                                                    others: tuple[int, ...], resources: dict[str, float],
                                                    rent: float, depcom: str, social: bool) -> None:
    expected_apl, expected_rls = by_hand(len(adults), sum(1 for a in others if a < 21), rent, depcom, social,
                                         **resources)
    got = hb.estimate(_inputs(adults, others, resources, rent, depcom, social), MONTH)
    assert isinstance(got, hb.Estimate), f"{name}: no estimate ({got})"
    assert (int(got.benefit), int(got.rent_reduction)) == (expected_apl, expected_rls), (
        f"{name}: OpenFisca gives APL {got.benefit} € and RLS {got.rent_reduction} €, "
        f"the published scale by hand {expected_apl} € and {expected_rls} €")


def test_resources_change_the_benefit(loaded: None) -> None:
    """The trap seen first: resources left at 0 gave the maximum APL for every income."""
    low, high = (hb.estimate(_inputs((40,), (), {"salary": s}, 400, "59350", False), MONTH) for s in (0, 1500))
    assert isinstance(low, hb.Estimate) and isinstance(high, hb.Estimate)
    assert high.benefit < low.benefit, f"a 1 500 € salary should lower the APL ({low.benefit} → {high.benefit})"


def test_missing_or_unknown_commune_says_why(loaded: None) -> None:
    answers = hb.estimate_many([_inputs((40,), (), {}, 400, "", True), _inputs((40,), (), {}, 400, "99999", True),
                                _inputs((40,), (), {}, 400, "59350", True)], MONTH)
    assert [a.reason if isinstance(a, hb.Unavailable) else "ok" for a in answers] == [
        "commune_missing", "commune_unknown", "ok"]


def test_a_model_error_is_an_answer_not_an_exception(loaded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(households: object, month: object) -> object:
        raise RuntimeError("model broke")
    monkeypatch.setattr(hb, "_cached", broken)
    answer = hb.estimate(_inputs((40,), (), {}, 400, "59350", True), MONTH)
    assert isinstance(answer, hb.Unavailable) and answer.reason == "model_error"


def test_the_installed_model_knows_this_years_scale(loaded: None) -> None:
    """Fails loudly when openfisca-france is too old for today: the APL scale changes every 1 October."""
    today = date.today()
    newest = hb.newest_scale()
    assert (today - newest).days < 366 + 31, (
        f"openfisca-france {hb.model_version()} has APL rent ceilings dated {newest} at the latest: no scale for "
        f"{today.year}. Upgrade openfisca-france (and its pin in pyproject.toml), then check the worked cases.")


def test_many_flats_are_one_simulation_and_come_again_from_the_cache(loaded: None, monkeypatch) -> None:
    """The flats of one page are computed together: one simulation, whose cost hardly grows with the flats
    (`bench/housing_benefit.py` prints the times; a timed test here failed on a busy machine). Each flat gets the
    answer it would get alone, and the same flats asked again are not simulated again."""
    homes = [_inputs((35, 33), (8, 5), {"salary": 1500 + 37 * i}, 500 + i, "59350", i % 2 == 0) for i in range(4)]
    simulated: list[int] = []
    simulate = hb._simulate
    monkeypatch.setattr(hb, "_simulate", lambda households, month: simulated.append(len(households))
                        or simulate(households, month))
    hb._cached.cache_clear()
    answers = hb.estimate_many(homes, MONTH)
    assert all(isinstance(a, hb.Estimate) for a in answers), answers
    assert simulated == [4], f"4 flats took these simulations (flats in each): {simulated}"
    assert hb.estimate_many(homes, MONTH) == answers and simulated == [4], "the same flats were simulated again"
    assert [hb.estimate(home, MONTH) for home in homes] == answers, "a flat computed alone gets another answer"



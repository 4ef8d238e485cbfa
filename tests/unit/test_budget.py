"""The charter's money rules (§7.1), as tables of worked examples; each expected value is worked out by hand."""

from decimal import Decimal as D

import pytest

from guide.rules.budget import (
    EXPENSE_KINDS,
    RESTE_A_VIVRE_ALERT,
    TAUX_EFFORT_ALERT,
    Assessment,
    Reason,
    Situation,
    Verdict,
    assess_move,
    assess_situation,
    effort_rate_alert,
    reste_a_charge,
    reste_a_vivre,
    reste_a_vivre_alert,
    taux_effort,
    total_expenses,
)


def test_thresholds_are_the_charters() -> None:
    assert TAUX_EFFORT_ALERT == D("30")
    assert RESTE_A_VIVRE_ALERT == D("6.50")


def test_the_ten_unavoidable_expenses_of_the_charter() -> None:
    assert EXPENSE_KINDS == ("electricity", "gas", "home_insurance", "phone", "taxes", "alimony", "mutuelle",
                             "caf_loan", "banque_de_france_plan", "landlord_plan")


@pytest.mark.parametrize(
    ("rent", "charges", "benefit", "expected"),
    [
        ("450", "80", "250", "280.00"),  # 450 + 80 − 250 = 280
        ("520.40", "95.10", "198", "417.50"),  # 520.40 + 95.10 − 198 = 417.50
        ("600", "40", "0", "640.00"),  # owner: the 600 € loan counts as rent; 600 + 40 = 640
        ("380", "0", "0", "380.00"),  # no charges billed, no benefit
        ("300", "50", "350", "0.00"),  # benefit equal to rent + charges: nothing left to pay
        ("300", "50", "400", "0.00"),  # benefit larger (a typing mistake): 0, never negative
        ("0", "0", "0", "0.00"),
    ],
)
def test_reste_a_charge(rent: str, charges: str, benefit: str, expected: str) -> None:
    assert reste_a_charge(D(rent), D(charges), D(benefit)) == D(expected)


@pytest.mark.parametrize(
    ("rac", "resources", "expected"),
    [
        ("280", "1400", "20.00"),  # 280 ÷ 1400 × 100 = 20
        ("417.50", "1250", "33.40"),  # 417.50 ÷ 1250 × 100 = 33.4
        ("440", "900", "48.89"),  # 440 ÷ 900 × 100 = 48.888… → 48.89
        ("300", "1000", "30.00"),  # exactly the threshold
        ("299.90", "1000", "29.99"),  # just under
        ("299.95", "1000", "30.00"),  # 29.995 rounds half up to 30.00, the figure shown
        ("0", "1000", "0.00"),
        ("500", "400", "125.00"),  # housing costs more than the resources
    ],
)
def test_taux_effort(rac: str, resources: str, expected: str) -> None:
    assert taux_effort(D(rac), D(resources)) == D(expected)


def test_taux_effort_without_resources_is_undefined() -> None:
    assert taux_effort(D("280"), D("0")) is None


def test_taux_effort_refuses_negative_resources() -> None:
    with pytest.raises(ValueError, match="negative"):
        taux_effort(D("280"), D("-1"))


@pytest.mark.parametrize(
    ("resources", "rac", "expenses", "occupants", "expected"),
    [
        ("1400", "280", "300", 3, "9.11"),  # (1400 − (280 + 300)) ÷ (3 × 30) = 820 ÷ 90 = 9.111… → 9.11
        ("1250", "417.50", "410.25", 4, "3.52"),  # (1250 − 827.75) ÷ 120 = 422.25 ÷ 120 = 3.51875 → 3.52
        ("900", "440", "150", 1, "10.33"),  # one occupant: (900 − 590) ÷ 30 = 10.333… → 10.33
        ("2560", "640", "500", 2, "23.67"),  # (2560 − 1140) ÷ 60 = 23.666… → 23.67
        ("1000", "400", "210", 2, "6.50"),  # exactly the threshold: 390 ÷ 60 = 6.50
        ("1000", "400", "209.40", 2, "6.51"),  # 390.60 ÷ 60 = 6.51
        ("1000", "600", "204.85", 1, "6.51"),  # 195.15 ÷ 30 = 6.505: half up gives 6.51 (half even would give 6.50)
        ("0", "280", "100", 2, "-6.33"),  # no resources: −380 ÷ 60 = −6.333… → −6.33
        ("500", "400", "200", 1, "-3.33"),  # expenses exceed resources: −100 ÷ 30 = −3.333… → −3.33
    ],
)
def test_reste_a_vivre(resources: str, rac: str, expenses: str, occupants: int, expected: str) -> None:
    assert reste_a_vivre(D(resources), D(rac), D(expenses), occupants) == D(expected)


@pytest.mark.parametrize("occupants", [0, -1])
def test_reste_a_vivre_needs_at_least_one_occupant(occupants: int) -> None:
    with pytest.raises(ValueError, match="occupant"):
        reste_a_vivre(D("1000"), D("300"), D("100"), occupants)


@pytest.mark.parametrize(
    ("rate", "alert"),
    [(None, False), (D("0"), False), (D("29.99"), False), (D("30.00"), True), (D("30.01"), True), (D("125"), True)],
)
def test_effort_rate_alert_from_30_percent_included(rate: D | None, alert: bool) -> None:
    assert effort_rate_alert(rate) is alert


@pytest.mark.parametrize(
    ("amount", "alert"),
    [(D("-3.33"), True), (D("0"), True), (D("6.49"), True), (D("6.50"), True), (D("6.51"), False), (D("20"), False)],
)
def test_reste_a_vivre_alert_at_6_50_or_less(amount: D, alert: bool) -> None:
    assert reste_a_vivre_alert(amount) is alert


def test_total_expenses_adds_the_kinds() -> None:
    # 45.50 + 30 + 25.25 = 100.75
    assert total_expenses({"electricity": D("45.50"), "gas": D("30"), "taxes": D("25.25")}) == D("100.75")
    assert total_expenses({}) == D("0")


def test_total_expenses_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="holidays"):
        total_expenses({"electricity": D("40"), "holidays": D("100")})


# --- situations ---------------------------------------------------------------------------------

def make_situation(**overrides: object) -> Situation:
    """The worked example (RAC 280 €, TE 20 %, RAV 9.11 €) with any figure replaced."""
    values: dict[str, object] = {"rent": D("450"), "charges": D("80"), "housing_benefit": D("250"),
                                 "monthly_resources": D("1400"), "unavoidable_expenses": D("300"), "occupants": 3}
    values.update(overrides)
    return Situation(**values)  # type: ignore[arg-type]


def test_situation_computes_the_three_indicators() -> None:
    situation = make_situation()
    assert (situation.reste_a_charge, situation.taux_effort, situation.reste_a_vivre) == (
        D("280.00"), D("20.00"), D("9.11"))
    assert not situation.benefit_exceeds_cost


def test_situation_with_a_benefit_larger_than_the_cost() -> None:
    # 400 > 300 + 50: RAC 0, TE 0 ÷ 1400 = 0, RAV (1400 − 300) ÷ 90 = 12.222… → 12.22
    situation = make_situation(rent=D("300"), charges=D("50"), housing_benefit=D("400"))
    assert situation.benefit_exceeds_cost
    assert (situation.reste_a_charge, situation.taux_effort, situation.reste_a_vivre) == (
        D("0.00"), D("0.00"), D("12.22"))


@pytest.mark.parametrize("field", ["rent", "charges", "housing_benefit", "monthly_resources", "unavoidable_expenses"])
def test_situation_refuses_negative_money(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        make_situation(**{field: D("-0.01")})


def test_situation_refuses_zero_occupants() -> None:
    with pytest.raises(ValueError, match="occupant"):
        make_situation(occupants=0)


# --- verdicts -----------------------------------------------------------------------------------

def with_rav(rav: str, rac: str = "200", resources: str = "1000") -> Situation:
    """One person, rent = RAC, expenses chosen so the "reste à vivre" is exactly `rav`.

    RAV = (resources − RAC − expenses) ÷ 30, so expenses = resources − RAC − 30 × RAV. TE = RAC ÷ resources.
    """
    expenses = D(resources) - D(rac) - 30 * D(rav)
    situation = Situation(rent=D(rac), charges=D("0"), housing_benefit=D("0"), monthly_resources=D(resources),
                          unavoidable_expenses=expenses, occupants=1)
    assert situation.reste_a_vivre == D(rav)
    return situation


OK, WATCH, NOT = Verdict.OK, Verdict.WATCH, Verdict.NOT_AFFORDABLE
FALLS, WORSE = Reason.RAV_FALLS_BELOW_THRESHOLD, Reason.RAV_WORSE_BELOW_THRESHOLD
RAV, TE, NO_TE = Reason.RAV_ALERT, Reason.EFFORT_RATE_ALERT, Reason.EFFORT_RATE_UNKNOWN


@pytest.mark.parametrize(
    ("situation", "verdict", "reasons"),
    [
        (with_rav("9.00"), OK, ()),  # TE 200 ÷ 1000 = 20 %, RAV 9 €
        (with_rav("9.00", rac="350"), WATCH, (TE,)),  # TE 35 %
        (with_rav("9.00", rac="300"), WATCH, (TE,)),  # TE exactly 30 %
        (with_rav("9.00", rac="299.90"), OK, ()),  # TE 29.99 %
        (with_rav("6.50"), WATCH, (RAV,)),  # RAV exactly 6.50 €
        (with_rav("6.51"), OK, ()),
        (with_rav("4.00", rac="400"), WATCH, (RAV, TE)),  # both alerts
        (with_rav("-2.00"), WATCH, (RAV,)),  # expenses exceed resources
        (make_situation(monthly_resources=D("0"), unavoidable_expenses=D("100"), occupants=2),
         WATCH, (RAV, NO_TE)),  # no resources: RAV −6.33 €, no rate
    ],
)
def test_single_situation_verdict(situation: Situation, verdict: Verdict, reasons: tuple[Reason, ...]) -> None:
    assert assess_situation(situation) == Assessment(verdict, reasons)


def test_a_single_situation_is_never_not_affordable() -> None:
    """Without a "before" there is no rule to break, only alerts."""
    worst = make_situation(rent=D("2000"), monthly_resources=D("500"), unavoidable_expenses=D("900"))
    assert assess_situation(worst).verdict is WATCH


@pytest.mark.parametrize(
    ("before", "after", "verdict", "reasons"),
    [
        # above 6.50 € before: must not fall below after
        (with_rav("10.00"), with_rav("12.00"), OK, ()),  # better
        (with_rav("10.00"), with_rav("7.00"), OK, ()),  # worse but still above: rule kept, no alert
        (with_rav("10.00"), with_rav("7.00", rac="350"), WATCH, (TE,)),  # TE 35 % after
        (with_rav("10.00"), with_rav("6.50"), WATCH, (RAV,)),  # down to exactly 6.50 €: not below
        (with_rav("10.00"), with_rav("6.49"), NOT, (FALLS,)),  # below: rule broken
        (with_rav("10.00"), with_rav("6.49", rac="350"), NOT, (FALLS, TE)),  # broken, and TE alert too
        (with_rav("6.51"), with_rav("6.50"), WATCH, (RAV,)),  # just above → exactly at the threshold
        (with_rav("6.51"), with_rav("6.49"), NOT, (FALLS,)),  # just above → just below
        # at or below 6.50 € before: must not be made worse
        (with_rav("5.00"), with_rav("8.00"), OK, ()),  # lifted above the threshold
        (with_rav("5.00"), with_rav("6.00"), WATCH, (RAV,)),  # better, still under
        (with_rav("5.00"), with_rav("5.00"), WATCH, (RAV,)),  # the same: not made worse
        (with_rav("5.00"), with_rav("4.99"), NOT, (WORSE,)),  # one cent worse
        (with_rav("5.00"), with_rav("4.00", rac="400"), NOT, (WORSE, TE)),
        (with_rav("6.50"), with_rav("6.50"), WATCH, (RAV,)),  # exactly at the threshold, unchanged
        (with_rav("6.50"), with_rav("6.49"), NOT, (WORSE,)),  # at the threshold, then below
        (with_rav("6.50"), with_rav("7.00"), OK, ()),
        (with_rav("-2.00"), with_rav("-1.00"), WATCH, (RAV,)),  # negative, but less so
        (with_rav("-2.00"), with_rav("-2.01"), NOT, (WORSE,)),
        # the effort rate before does not matter; only the proposed flat's rate is an alert
        (with_rav("9.00", rac="400"), with_rav("9.00"), OK, ()),
        (with_rav("9.00", rac="250"), with_rav("9.00", rac="300"), WATCH, (TE,)),  # 25 % → exactly 30 %
    ],
)
def test_move_verdict(before: Situation, after: Situation, verdict: Verdict, reasons: tuple[Reason, ...]) -> None:
    assert assess_move(before, after) == Assessment(verdict, reasons)


def test_move_without_resources() -> None:
    # one person, no resources, no expenses: RAV −300 ÷ 30 = −10.00 before, −250 ÷ 30 = −8.33 after
    before = make_situation(rent=D("300"), charges=D("0"), housing_benefit=D("0"), monthly_resources=D("0"),
                            unavoidable_expenses=D("0"), occupants=1)
    after = make_situation(rent=D("250"), charges=D("0"), housing_benefit=D("0"), monthly_resources=D("0"),
                           unavoidable_expenses=D("0"), occupants=1)
    assert (before.reste_a_vivre, after.reste_a_vivre) == (D("-10.00"), D("-8.33"))
    assert assess_move(before, after) == Assessment(WATCH, (RAV, NO_TE))
    assert assess_move(after, before) == Assessment(NOT, (WORSE, NO_TE))


def test_worked_example_before_and_after() -> None:
    """A family of 4: a proposed flat with a higher rent but a larger benefit."""
    before = make_situation(rent=D("520.40"), charges=D("95.10"), housing_benefit=D("198"),
                            monthly_resources=D("1250"), unavoidable_expenses=D("410.25"), occupants=4)
    # after: 560 + 110 − 262.50 = 407.50; TE 407.50 ÷ 1250 = 32.6 %; RAV (1250 − 817.75) ÷ 120 = 3.60208… → 3.60
    after = make_situation(rent=D("560"), charges=D("110"), housing_benefit=D("262.50"),
                           monthly_resources=D("1250"), unavoidable_expenses=D("410.25"), occupants=4)
    assert (before.reste_a_charge, before.taux_effort, before.reste_a_vivre) == (D("417.50"), D("33.40"), D("3.52"))
    assert (after.reste_a_charge, after.taux_effort, after.reste_a_vivre) == (D("407.50"), D("32.60"), D("3.60"))
    assert assess_move(before, after) == Assessment(WATCH, (RAV, TE))

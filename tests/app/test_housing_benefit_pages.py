"""The housing benefit estimate on the pages: the public simulator (and, below, a proposal on /my).

Expected amounts come from the hand computation of tests/unit/test_housing_benefit.py (the published scale).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from guide.core import housing_benefit as hb
from guide.core.extensions import db
from guide.models import BudgetFacts, Household, Proposal, Role
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import _post_form, log_in
from tests.conftest import Page, get_page, visible_text
from tests.factories import make_budget, make_household, make_operation, make_proposal, make_staff
from tests.unit.test_housing_benefit import by_hand

# A couple with 2 children, 1 800 € of salaries, in a Lille HLM flat at 550 €, offered one in Roubaix at 600 €.
COUPLE = {"people": "4", "resources": "1800", "adults": "2", "children": "2", "salary": "1800",
          "rent_now": "550", "charges_now": "90", "commune_now": "Lille",
          "rent_new": "600", "charges_new": "100", "commune_new": "roubaix", "hlm_new": "1"}


def simulate(client, lang: str = "fr", **figures: str) -> Page:
    return get_page(client, "/simulator/all?" + urlencode(figures), lang)


def attr(page: Page, name: str) -> str:
    found = page.soup.select_one(f"[data-{name}]")
    assert found is not None, f"no element carries data-{name}"
    return str(found[f"data-{name}"])


@pytest.fixture(scope="module", autouse=True)
def loaded() -> None:
    hb.model()  # pages wait at most 0.25 s for the model; the tests load it first


@pytest.fixture(autouse=True)
def patient(app) -> None:
    """Pages wait for the estimate here (production: 0.25 s, then "not ready yet"), so that a busy test machine
    does not change what they show; `test_a_slow_estimate_is_not_waited_for` checks the short wait."""
    app.config["HOUSING_BENEFIT_WAIT"] = 60


def test_the_estimate_feeds_the_verdict(client) -> None:
    page = simulate(client, **COUPLE)
    apl_now, rls_now = by_hand(2, 2, 550, "59350", True, salary=1800)
    apl_new, rls_new = by_hand(2, 2, 600, "59512", True, salary=1800)
    assert attr(page, "benefit-source-now") == "estimate"
    assert Decimal(attr(page, "benefit-now")) == apl_now + rls_now, "APL + RLS counted for today's flat"
    assert Decimal(attr(page, "benefit-new")) == apl_new + rls_new
    assert Decimal(attr(page, "reste-a-charge-avant")) == 550 + 90 - apl_now - rls_now, "the RAC uses the estimate"
    text = visible_text(page.soup)
    assert f"Aide au logement estimée : {apl_now},00 € par mois" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Ce n'est pas une décision de la CAF" in text
    assert page.soup.select_one(f'a[href="{hb.CAF_SIMULATOR}"]'), "the official CAF simulator is linked"


def test_a_typed_figure_overrides_the_estimate_and_says_so(client) -> None:
    page = simulate(client, **COUPLE, benefit_new="250")
    assert attr(page, "benefit-source-new") == "typed" and attr(page, "benefit-new") == "250.00"
    assert attr(page, "benefit-source-now") == "estimate"
    assert "Il remplace l'estimation" in visible_text(page.soup)


def test_without_a_commune_the_page_works_and_says_why(client) -> None:
    figures = {k: v for k, v in COUPLE.items() if k != "commune_new"}
    page = simulate(client, **figures)
    assert page.status == 200
    assert attr(page, "benefit-source-new") == "none" and attr(page, "benefit-new") == "0.00"
    assert "écrivez la commune du logement" in visible_text(page.soup)
    assert attr(page, "verdict"), "the verdict is still given, with the benefit left out"


def test_an_unknown_commune_is_a_field_error(client) -> None:
    page = simulate(client, **{**COUPLE, "commune_new": "Atlantis"})
    assert page.soup.select_one("#field-commune-new-error"), "the commune field carries its error"
    assert "Nous ne trouvons pas cette commune" in visible_text(page.soup)


def test_resources_by_kind_are_needed(client) -> None:
    figures = {k: v for k, v in COUPLE.items() if k != "salary"}
    page = simulate(client, **figures)
    assert attr(page, "benefit-source-now") == "none"
    assert "vos ressources par type" in visible_text(page.soup)


def test_a_model_not_ready_or_broken_is_no_500(client, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_ready(wait: float | None = None) -> dict:
        raise hb.Unavailable("loading")
    monkeypatch.setattr(hb, "model", not_ready)
    page = simulate(client, **COUPLE)
    assert page.status == 200 and attr(page, "benefit-source-now") == "none"
    assert "Rechargez la page dans un instant" in visible_text(page.soup)


def test_a_slow_estimate_is_not_waited_for(client, app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production's short wait: a simulation still running is shown as "not ready", and lands in the cache."""
    release = threading.Event()
    real = hb._simulate

    def slow(households, month):
        release.wait(10)
        return real(households, month)
    monkeypatch.setattr(hb, "_simulate", slow)
    app.config["HOUSING_BENEFIT_WAIT"] = 0.05
    figures = {**COUPLE, "salary": "1811"}  # inputs no other test computed
    page = simulate(client, **figures)
    assert page.status == 200 and attr(page, "benefit-source-now") == "none"
    assert "Rechargez la page dans un instant" in visible_text(page.soup)
    release.set()
    hb._pool[0].submit(lambda: None).result(10)  # the background simulation has finished
    assert attr(simulate(client, **figures), "benefit-source-now") == "estimate", "the next visit gets it"


@pytest.mark.parametrize("lang", ["en", "ar", "tr", "pt"])
def test_the_estimate_is_said_in_every_language(client, lang: str) -> None:
    page = simulate(client, lang, **COUPLE)
    text = visible_text(page.soup)
    assert "estimée" not in text and "décision de la CAF" not in text, f"French left on the {lang} page"


# --- a proposal on /my, and the staff household budget -------------------------------------------------------

def _family(app):
    """A couple with 2 children (8 and 5), 1 800 € of salaries, in a Lille HLM flat at 550 €; a Roubaix offer."""
    with app.app_context():
        operation = make_operation(commune="Lille", depcom="59350")
        household = make_household(occupants=4, operation_id=operation.id)
        make_budget(household, monthly_resources=Decimal("1800"), rent=Decimal("550"), charges=Decimal("90"),
                    housing_benefit=None, adults=2, children_ages=[8, 5], resources_by_kind={"salary": "1800"})
        proposal = make_proposal(household, rent=Decimal("600"), charges=Decimal("100"), commune="Roubaix",
                                 housing_benefit=None)
        return household, proposal


def test_a_proposal_on_my_shows_both_estimates_in_its_verdict(client, app, ctx) -> None:
    household, proposal = _family(app)
    sign_in_as(client, app, household)
    money = get_page(client, f"/my/proposals/{proposal.id}").soup.select_one("#money")
    apl_now, rls_now = by_hand(2, 2, 550, "59350", True, salary=1800)
    apl_new, rls_new = by_hand(2, 2, 600, "59512", True, salary=1800)
    assert money.select_one("[data-benefit-source-now]")["data-benefit-source-now"] == "estimate"
    assert Decimal(money.select_one("[data-reste-a-charge-avant]")["data-reste-a-charge-avant"]) == (
        550 + 90 - apl_now - rls_now), "today's flat counts the estimate"
    assert Decimal(money.select_one("[data-reste-a-charge-apres]")["data-reste-a-charge-apres"]) == (
        600 + 100 - apl_new - rls_new), "the proposal (commune found from its name) counts its estimate"
    assert "pas une décision de la CAF" in visible_text(money)


def test_a_figure_typed_by_staff_wins_on_my(client, app, ctx) -> None:
    household, proposal = _family(app)
    with app.app_context():
        db.session.get(Proposal, proposal.id).housing_benefit = Decimal("210")
        db.session.commit()
    sign_in_as(client, app, household)
    money = get_page(client, f"/my/proposals/{proposal.id}").soup.select_one("#money")
    assert money.select_one("[data-benefit-source-new]")["data-benefit-source-new"] == "typed"
    assert money.select_one("[data-reste-a-charge-apres]")["data-reste-a-charge-apres"] == "490.00"


def test_without_resources_by_kind_my_says_why(client, app, ctx) -> None:
    household, proposal = _family(app)
    with app.app_context():
        db.session.scalars(select(BudgetFacts)).one().resources_by_kind = None
        db.session.commit()
    sign_in_as(client, app, household)
    page = get_page(client, f"/my/proposals/{proposal.id}")
    assert "vos ressources par type" in visible_text(page.soup.select_one("#money"))


def test_staff_budget_records_people_and_resources_and_shows_the_estimates(client, app, ctx) -> None:
    household, proposal = _family(app)
    officer = make_staff()
    with app.app_context():
        db.session.get(Household, household.id).officer_id = officer.id
        db.session.commit()
    log_in(client, officer)
    page = get_page(client, f"/staff/households/{household.id}")
    version = page.soup.select_one("input[name='budget-version']")["value"]
    assert page.soup.select_one("[data-benefit-source-now]")["data-benefit-source-now"] == "estimate"
    assert page.soup.select_one(f"[data-benefit-source-proposal-{proposal.id}]")
    response = _post_form(client, household.id, "budget", version=version, monthly_resources="1500", rent="550",
                          charges="90", adults="1", children_ages="12, 3", resource_unemployment="900",
                          resource_salary="600")
    assert response.status_code == 303
    with app.app_context():
        budget = db.session.scalars(select(BudgetFacts)).one()
        assert (budget.adults, budget.children_ages) == (1, [12, 3])
        assert budget.resources_by_kind == {"salary": "600.00", "unemployment": "900.00"}
        assert budget.housing_benefit is None, "left empty: the estimate is used"


def test_staff_budget_refuses_unreadable_ages(client, app, ctx) -> None:
    household, _proposal = _family(app)
    officer = make_staff(role=Role.ADMIN) if hasattr(Role, "ADMIN") else make_staff()
    with app.app_context():
        db.session.get(Household, household.id).officer_id = officer.id
        db.session.commit()
    log_in(client, officer)
    response = _post_form(client, household.id, "budget", version="1", children_ages="huit ans")
    assert response.status_code == 422
    assert "Écrivez les âges en nombres" in response.get_data(as_text=True)


def test_the_model_is_not_loaded_at_app_start_nor_by_a_guide_page(tmp_path) -> None:
    """Cold start unchanged: create_app and a guide page do not import OpenFisca (a fresh interpreter)."""
    code = ("import sys; from guide import create_app; app = create_app(); c = app.test_client(); "
            "assert c.get('/').status_code == 200; assert c.get('/simulator').status_code == 200; "
            "print(sorted(m for m in sys.modules if m.startswith(('openfisca', 'numpy'))))")
    env = {**os.environ, "GUIDE_DATABASE_URL": f"sqlite:///{tmp_path}/cold.db", "GUIDE_SECRET_KEY": "cold-start",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", f"imported at start: {done.stdout[-500:]}"


def test_a_worker_forked_before_the_master_loaded_the_model_never_loads_it(tmp_path) -> None:
    """guide/core/prefork.py: a gunicorn worker forked while the master loads the model is replaced once the master
    holds it; meanwhile its estimates say "loading" and it loads nothing itself (a fresh interpreter)."""
    code = ("import sys, threading; from datetime import date; from guide.core import housing_benefit as hb; "
            "hb.leave_to_parent(); "
            "answers = [hb.estimate(hb.WARM_UP, date(2026, 12, 1), wait=0.5) for _ in range(2)]; "
            "print([getattr(a, 'reason', a) for a in answers], threading.active_count(), "
            "sorted(m for m in sys.modules if m.startswith(('openfisca', 'numpy'))))")
    env = {**os.environ, "GUIDE_DATABASE_URL": f"sqlite:///{tmp_path}/cold.db",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "['loading', 'loading'] 1 []", (
        f"the worker started loading the model itself: {done.stdout[-500:]}")

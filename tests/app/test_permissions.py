"""The permission table (guide/core/permissions.py): lists and single checks agree; the rules that matter most hold."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from guide.core import permissions as perms
from guide.core.extensions import db
from guide.features.requests import service as written
from guide.models import Household, Role, StaffUser
from tests.factories import make_household, signed_in
from tests.security.helpers import _staff

HOUSEHOLD_ACTIONS = sorted(perms.ACTIONS)


@pytest.fixture()
def world(app, ctx) -> dict[str, Any]:
    """Two officers and two mediators, each in charge of one household; a third household in mediation."""
    staff = {name: _staff(role) for name, role in (
        ("officer", Role.OFFICER), ("officer2", Role.OFFICER), ("mediator", Role.MEDIATOR),
        ("mediator2", Role.MEDIATOR), ("group", Role.MEDIATION_GROUP), ("admin", Role.ADMIN))}
    mine = make_household(officer_id=staff["officer"].id, mediator_id=staff["mediator"].id)
    theirs = make_household(officer_id=staff["officer2"].id, mediator_id=staff["mediator2"].id)
    in_mediation = make_household(officer_id=staff["officer2"].id)
    nobodys = make_household()
    with app.test_request_context():
        written.ask_mediation(db.session.get(Household, in_mediation.id), "Texte", "", "", [], "p" * 32, date.today())
        db.session.commit()
    return {"staff": {name: s.id for name, s in staff.items()},
            "households": {"mine": mine.id, "theirs": theirs.id, "in_mediation": in_mediation.id,
                           "nobodys": nobodys.id}}


def _load(world: dict[str, Any]) -> tuple[dict[str, StaffUser], dict[str, Household]]:
    return ({name: db.session.get(StaffUser, i) for name, i in world["staff"].items()},
            {name: db.session.get(Household, i) for name, i in world["households"].items()})


def test_lists_and_single_checks_agree(app, world) -> None:
    """For every person, right and household: `can` on the household says yes exactly when the list shows it."""
    with app.app_context():
        staff, households = _load(world)
        for name, person in staff.items():
            for action in HOUSEHOLD_ACTIONS:
                listed = set(db.session.scalars(select(Household.id).where(
                    perms.household_condition(person, action))))
                for label, household in households.items():
                    assert perms.can(person, action, household) == (household.id in listed), (
                        f"{name} {action} {label}: can() says {perms.can(person, action, household)}, "
                        f"the list {'shows' if household.id in listed else 'hides'} it")


def test_an_officer_never_sees_another_officers_household(app, world) -> None:
    with app.app_context():
        staff, households = _load(world)
        officer, mediator = staff["officer"], staff["mediator"]
        visible = {h.id for h in db.session.scalars(perms.visible_households(officer)).unique()}
        assert visible == {households["mine"].id}, f"the officer's caseload: {visible}"
        for action in (perms.SEE_HOUSEHOLD, perms.EDIT_HOUSEHOLD, perms.EXPORT_HOUSEHOLD_DATA, perms.SEE_MEDIATION):
            assert not perms.can(officer, action, households["theirs"]), f"officer {action} on another's household"
            assert not perms.can(officer, action, households["in_mediation"]), f"officer {action} (in mediation)"
        assert not perms.can(mediator, perms.SEE_HOUSEHOLD, households["theirs"]), "mediator on another's household"
        assert not perms.can(mediator, perms.EXPORT_HOUSEHOLD_DATA, households["mine"]), "a mediator exports data"
        assert not perms.can(officer, perms.WORK_ON_PLAN, households["mine"]), "an officer works on the plan"


def test_the_mediation_group_reaches_households_in_mediation_and_opens_no_file(app, world) -> None:
    with app.app_context():
        staff, households = _load(world)
        group = staff["group"]
        assert perms.can(group, perms.SEE_MEDIATION, households["in_mediation"]), "a household in mediation"
        assert not perms.can(group, perms.SEE_MEDIATION, households["mine"]), "a household not in mediation"
        assert db.session.scalars(perms.visible_households(group)).unique().all() == [], "the group's caseload"
        assert not any(perms.can(group, perms.SEE_HOUSEHOLD, h) for h in households.values()), "the group opens a file"


def test_admins_may_do_everything_on_every_household_but_have_no_caseload_alerts(app, world) -> None:
    with app.app_context():
        staff, households = _load(world)
        admin = staff["admin"]
        for action in perms.ACTIONS - {perms.CASELOAD_SIZE_ALERTS}:
            assert all(perms.can(admin, action, h) for h in households.values()), f"admin {action}"
        assert not perms.can(admin, perms.CASELOAD_SIZE_ALERTS), "admins have no caseload of their own"
        only_admins = (perms.ERASE_HOUSEHOLD, perms.SEE_ACCESS_LOG, perms.MANAGE_ACCOUNTS)
        for action in only_admins:
            assert perms.roles_with(action) == (Role.ADMIN,), f"{action}: {perms.roles_with(action)}"


def test_templates_ask_without_a_query(app, world) -> None:
    """The Jinja global answers from what the page has; a rule that would need the database says so instead."""
    with app.app_context():
        staff, households = _load(world)
        assert app.jinja_env.globals["can"] is perms.template_can
        assert perms.template_can(staff["officer"], perms.EXPORT_HOUSEHOLD_DATA, households["mine"])
        assert not perms.template_can(None, perms.SEE_HOUSEHOLD), "nobody signed in"
        with pytest.raises(ValueError, match="needs a query"):
            perms.template_can(staff["group"], perms.SEE_MEDIATION, households["in_mediation"])


def test_every_role_has_a_row_and_unknown_rights_fail_loudly(app, world) -> None:
    assert set(perms.RIGHTS) == set(Role), f"roles without a row: {set(Role) - set(perms.RIGHTS)}"
    assert all(set(rights) <= perms.ACTIONS for rights in perms.RIGHTS.values())
    with app.app_context():
        staff, _households = _load(world)
        with pytest.raises(KeyError, match="unknown action"):
            perms.can(staff["admin"], "see_housholds")
        stranger = StaffUser(id=999, role="auditor")  # a role this code does not know: no right at all
        assert not any(perms.can(stranger, action) for action in perms.ACTIONS)


NAV = {"refunds": "Remboursements en retard", "survey": "Enquête de satisfaction : résultats",
       "log": "Journal des accès", "accounts": "Comptes des équipes", "import": "Importer des ménages (CSV)"}
PAGES_BY_HAND = {  # the links each role sees, written out: templates ask can(), and what people see is unchanged
    "officer": {"refunds", "import", "project", "data"},
    "mediator": {"refunds", "plan"},
    "group": {"survey", "sms usage"},
    "admin": {"refunds", "survey", "log", "accounts", "import", "plan", "data", "sms usage", "erase"},
}


def test_each_role_sees_the_links_it_saw_before(app, world) -> None:
    for name, expected in PAGES_BY_HAND.items():
        client = app.test_client()
        signed_in(client, staff_id=world["staff"][name], app=app)
        caseload = client.get("/staff/").get_data(as_text=True)
        seen = {key for key, words in NAV.items() if words in caseload}
        if "SMS envoyés par mois" in client.get("/staff/sms/inbox").get_data(as_text=True):
            seen.add("sms usage")
        file = client.get(f"/staff/households/{world['households']['mine']}")
        if file.status_code == 200:
            page = file.get_data(as_text=True)
            seen |= {key for key, words in (("plan", "Plan d'actions (méthode Citéo)"),
                                            ("project", "Projet de relogement (méthode Citéo)"),
                                            ("data", "Données du ménage (droit d'accès, effacement)")) if words in page}
            if "data" in seen and "Effacer ce ménage" in client.get(
                    f"/staff/households/{world['households']['mine']}/data").get_data(as_text=True):
                seen.add("erase")
        assert seen == expected, f"{name} sees {sorted(seen)}, expected {sorted(expected)}"

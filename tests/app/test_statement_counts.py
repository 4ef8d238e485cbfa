"""Every household and staff page runs at most 10 SQL statements, whatever the number of households.

The GET routes are read from the app's URL map (a new page is counted without being listed here); the routes left
out are in `EXCLUDED`, each with its reason. Each page is fetched with 60 households seeded, then again with 600:
the count must be ≤ `LIMIT` and the same at both sizes (a count that grows with the rows is an N+1). Statements
are counted on the engine (`before_cursor_execute`) for the whole request: the session check, the view, the
render and the commit of the request's unit of work.

`pytest tests/app/test_statement_counts.py -s` prints the table of counts.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from guide.core.extensions import db
from guide.models import (
    Appointment,
    Household,
    MediationCase,
    MoveExpense,
    Operation,
    PlanItem,
    Proposal,
    Role,
    WrittenRequest,
)
from tests.conftest import Statements
from tests.factories import make_full_file, make_staff, signed_in

LIMIT = 10
SIZES = (60, 600)
# GET routes not counted, and why (the test fails when a route is neither counted nor listed here)
EXCLUDED = {
    "static": "files from disk, no database",
    "guide.public.healthz": "the health check reads the outbox's oldest due message by design",
    # a question page and the check page answer only inside a survey under way (else 303 to /my/survey, counted)
    "survey.household.question": "inside a survey under way only",
    "survey.household.check": "inside a survey under way only",
    "metrics": "the operator's scrape (bearer token): a few aggregate statements over the outbox, by design",
    "signin.household.personal_link": "a sign-in link: writes the session and redirects; not a page",
    "signin.household.sign_in": "anonymous sign-in form (no household or staff yet)",
    "signin.household.enter_code": "anonymous sign-in form (no household or staff yet)",
    "signin.household.signed_out": "anonymous page after sign-out",
    "signin.staff.login": "anonymous staff login form",
}
# the public guide, simulator and legal pages are anonymous (no household or staff rows): bench/floor.py measures them
ANONYMOUS_PREFIXES = ("guide.public.", "simulator.public.", "legal.public.")
# pages that store something at their first view, counted at their next views (the steady state): a letter's PDF
# is made and stored once (one INSERT more, once per letter; guide/features/requests/pdf_store.py)
STORED_AT_FIRST_VIEW = {"requests.household.letter_download", "mediation.staff.request_letter_pdf"}
# pages fetched as a browser would: the SMS template is an htmx fragment (without htmx it redirects to the file)
HEADERS = {"sms_replies.staff.sms_template": {"HX-Request": "true"}}


def _seed(app: Flask, staff: dict[Role, int], start: int, stop: int) -> None:
    with app.app_context():
        operation = db.session.scalars(db.select(Operation)).first()
        if operation is None:
            operation = Operation(name="Résidence test", commune="Lille", landlord="Bailleur",
                                  opened_on=date(2026, 1, 5))
            db.session.add(operation)
            db.session.flush()
        for n in range(start, stop):
            make_full_file(n, staff[Role.OFFICER], staff[Role.MEDIATOR], operation.id)
        db.session.commit()


def _target_values(app: Flask) -> dict[str, Any]:
    """The URL arguments for the first household's pages."""
    with app.app_context():
        household = db.session.scalars(db.select(Household).order_by(Household.id)).first()
        assert household is not None
        hid = household.id

        def first(model: Any, *where: Any) -> Any:
            return db.session.scalars(db.select(model).where(model.household_id == hid, *where)
                                      .order_by(model.id)).first()

        request = first(WrittenRequest, WrittenRequest.kind == "mediation")
        return {
            "household_id": hid,
            "proposal_id": first(Proposal, Proposal.rank == 1).id,
            "appointment_id": first(Appointment).id,
            "item_id": first(PlanItem, PlanItem.kind == "action").id,
            "expense_id": first(MoveExpense).id,
            "case_id": first(MediationCase).id,
            "reference": request.reference,
            "photo_id": request.photos[0].id,
            "kind": "phases",
            "number": 1,  # the survey's first question
        }


def _pages(app: Flask, values: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(household (URL, endpoint)s, staff (URL, endpoint)s) for every GET route of the app that is not excluded."""
    household: list[tuple[str, str]] = []
    staff: list[tuple[str, str]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in EXCLUDED:
            continue
        if rule.endpoint.startswith(ANONYMOUS_PREFIXES):
            continue
        missing = [name for name in rule.arguments if name not in values]
        assert not missing, f"{rule.rule} ({rule.endpoint}) needs {missing}: give a value or list it in EXCLUDED"
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)
        if rule.rule.startswith("/my"):
            household.append((url, rule.endpoint))
        elif rule.rule.startswith("/staff"):
            staff.append((url, rule.endpoint))
        else:
            raise AssertionError(f"{rule.rule} ({rule.endpoint}) is neither a household nor a staff page: "
                                 "count it or list it in EXCLUDED with a reason")
    return household, staff


def _count(client: FlaskClient, statements: Statements, url: str, endpoint: str) -> tuple[int, int]:
    if endpoint in STORED_AT_FIRST_VIEW:
        client.get(url, headers=HEADERS.get(endpoint, {}))
    statements.seen.clear()
    response = client.get(url, headers=HEADERS.get(endpoint, {}))
    return response.status_code, len(statements.seen)


def _measure(app: Flask, client: FlaskClient, statements: Statements, staff: dict[Role, int],
             household_id: int) -> dict[str, int]:
    values = _target_values(app)
    household_urls, staff_urls = _pages(app, values)
    counts: dict[str, int] = {}
    signed_in(client, household_id=household_id, app=app)
    for url, endpoint in household_urls:
        status, n = _count(client, statements, url, endpoint)
        assert status == 200, f"{url} gave {status} to its household"
        counts[url] = n
    for role in (Role.OFFICER, Role.MEDIATOR, Role.ADMIN):
        signed_in(client, staff_id=staff[role], app=app)
        for url, endpoint in staff_urls:
            status, n = _count(client, statements, url, endpoint)
            if status == 200:
                counts[f"{url} [{role.value}]"] = n
    for url, _endpoint in staff_urls:
        assert any(key.startswith(f"{url} [") for key in counts), f"{url} gave no 200 to an officer, mediator or admin"
    return counts


def test_every_page_runs_a_bounded_number_of_statements(app: Flask, client: FlaskClient, ctx: None,
                                                        statements: Statements) -> None:
    staff = {role: make_staff(role=role).id for role in (Role.OFFICER, Role.MEDIATOR, Role.ADMIN)}
    _seed(app, staff, 0, SIZES[0])
    household_id = _target_values(app)["household_id"]
    small = _measure(app, client, statements, staff, household_id)
    _seed(app, staff, SIZES[0], SIZES[1])
    large = _measure(app, client, statements, staff, household_id)
    print(f"\n{'page':<78} {SIZES[0]:>5} {SIZES[1]:>5}")
    for url, n in small.items():
        print(f"{url:<78} {n:>5} {large.get(url, -1):>5}")
    assert small.keys() == large.keys(), "a page answered differently with more households"
    too_many = {url: n for url, n in large.items() if n > LIMIT}
    assert not too_many, f"pages over {LIMIT} SQL statements: {too_many}"
    growing = {url: (small[url], large[url]) for url in small if small[url] != large[url]}
    assert not growing, f"statement counts that grow with the households ({SIZES}): {growing}"

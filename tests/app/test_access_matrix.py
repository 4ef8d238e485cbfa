"""Every household and staff route, tried with another household's identifiers: always refused, nothing changed."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import select

from guide.core.extensions import db
from guide.core.uploads import clean_photo
from guide.features.after_move.service import plan_courtesy_visits
from guide.features.requests import service as written
from guide.models import (
    Appointment,
    AuditEntry,
    CourtesyVisit,
    Household,
    HouseholdPhone,
    MediationCase,
    MoveExpense,
    PlanChange,
    PlanItem,
    Proposal,
    RequestAddition,
    Role,
    SmsInbound,
    SmsMessage,
    SurveyAnswer,
    SurveyInvitation,
    WrittenRequest,
)
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.app.test_written_requests import _jpeg_with_location
from tests.conftest import csrf_token, get_page
from tests.factories import (
    make_appointment,
    make_household,
    make_move_expense,
    make_plan_item,
    make_proposal,
    make_staff,
)

ID_ARGS = {"household_id", "proposal_id", "appointment_id", "phone_id", "reference", "case_id", "photo_id", "item_id"}
ID_ARGS |= {"inbound_id"}  # an SMS in the staff inbox
ID_ARGS |= {"expense_id", "visit_id"}  # after the move: a cost to refund, a courtesy visit
OTHER_ARGS = {"kind": "action", "key": "money-1", "choice": "yes"}  # plan routes: what to add, which idea


def _rules(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and ID_ARGS & set(rule.arguments):
            yield rule


def _records(app):
    owner = make_staff()
    theirs = make_household(officer_id=owner.id)
    ids = {"household_id": theirs.id, "proposal_id": make_proposal(theirs).id,
           "appointment_id": make_appointment(theirs).id,
           "item_id": make_plan_item(theirs, "action", {"what": "Leur action", "status": "todo"}).id, **OTHER_ARGS}
    with app.test_request_context():
        ids["phone_id"] = db.session.scalars(select(HouseholdPhone.id).where(
            HouseholdPhone.household_id == theirs.id)).first()
        sent = written.ask_mediation(db.session.get(Household, theirs.id), "Texte", "", "",
                                     [clean_photo(_jpeg_with_location())], "f" * 32, date.today())
        db.session.commit()
        ids["reference"] = sent.reference
        ids["photo_id"] = sent.photos[0].id
        ids["case_id"] = db.session.scalars(select(MediationCase.id)).one()
        ids["inbound_id"] = _their_inbound_sms(theirs.id)
        ids["expense_id"], ids["visit_id"] = _their_expense_and_visit(theirs)
    return ids


def _their_expense_and_visit(theirs) -> tuple[int, int]:
    household = db.session.get(Household, theirs.id)
    household.moved_on = date(2026, 11, 2)
    visits = plan_courtesy_visits(household)
    db.session.commit()
    return make_move_expense(theirs).id, visits[0].id


def _their_inbound_sms(household_id: int) -> int:
    inbound = SmsInbound(message_sid="SM-matrix", from_number="+33600000000", household_id=household_id,
                         body="Texte", inbox_status="open")
    db.session.add(inbound)
    db.session.commit()
    return inbound.id


def _snapshot(app):
    with app.app_context():
        return [(m.__name__, sorted((r.id, getattr(r, "version", None), getattr(r, "status", None),
                                     getattr(r, "inbox_status", None), getattr(r, "visited_on", None),
                                     getattr(r, "answered", None))
                                    for r in db.session.scalars(select(m)))) for m in
                (Household, Proposal, Appointment, HouseholdPhone, WrittenRequest, RequestAddition, MediationCase,
                 PlanItem, PlanChange, SmsInbound, SmsMessage, MoveExpense, CourtesyVisit, SurveyAnswer,
                 SurveyInvitation)]


def test_household_routes_refuse_another_households_ids(client, app, ctx) -> None:
    ids = _records(app)
    me = make_household()
    sign_in_as(client, app, me)
    token = csrf_token(get_page(client, "/my").soup)
    before = _snapshot(app)
    tried = 0
    for rule in _rules(app, "/my"):
        url = _build(app, rule, ids)
        for method in rule.methods & {"GET", "POST"}:
            response = client.open(url, method=method, data={"csrf_token": token, "note": "x", "text": "x"})
            assert response.status_code == 404, f"{method} {url} gave {response.status_code}"
            tried += 1
    assert tried >= 5 and _snapshot(app) == before


def test_staff_routes_refuse_households_of_others(client, app, ctx) -> None:
    ids = _records(app)
    for role in (Role.OFFICER, Role.MEDIATOR):  # the mediation group opens every case: see test_written_requests
        staff = make_staff(role=role)
        mine = make_household(officer_id=staff.id if role == Role.OFFICER else None,
                              mediator_id=staff.id if role == Role.MEDIATOR else None)
        session = app.test_client()
        log_in(session, staff)
        token = csrf_token(get_page(session, "/staff/").soup)
        before = _snapshot(app)
        tried = 0
        for rule in _rules(app, "/staff"):
            for target in ({**ids}, {**ids, "household_id": mine.id}):  # their ids, and their ids under my file
                if target["household_id"] == mine.id and set(rule.arguments) - set(OTHER_ARGS) == {"household_id"}:
                    continue
                url = _build(app, rule, target)
                for method in rule.methods & {"GET", "POST"}:
                    response = session.open(url, method=method, data={"csrf_token": token})
                    assert response.status_code in (403, 404), f"{role} {method} {url}: {response.status_code}"
                    tried += 1
        assert tried >= 10 and _snapshot(app) == before


def test_refused_reads_leave_no_read_entry(client, app, ctx) -> None:
    ids = _records(app)
    staff = make_staff()
    log_in(client, staff)
    client.get(f"/staff/households/{ids['household_id']}")
    with app.app_context():
        assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).all()


def _build(app, rule, ids) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: ids[k] for k in rule.arguments})


ROLE_PAGES = {  # staff pages without identifiers, open to some roles only (admins always)
    "/staff/sms/usage": {Role.OFFICER: 403, Role.MEDIATOR: 403, Role.MEDIATION_GROUP: 200, Role.ADMIN: 200},
    "/staff/import": {Role.OFFICER: 200, Role.MEDIATOR: 403, Role.MEDIATION_GROUP: 403, Role.ADMIN: 200},
    "/staff/survey": {Role.OFFICER: 403, Role.MEDIATOR: 403, Role.MEDIATION_GROUP: 200, Role.ADMIN: 200},
    "/staff/survey.csv": {Role.OFFICER: 403, Role.MEDIATOR: 403, Role.MEDIATION_GROUP: 200, Role.ADMIN: 200},
}


def test_role_restricted_staff_pages(app, ctx) -> None:
    for role in (Role.OFFICER, Role.MEDIATOR, Role.MEDIATION_GROUP, Role.ADMIN):  # one sign-in each (rate limit)
        session = app.test_client()
        log_in(session, make_staff(role=role))
        for url, expected in ROLE_PAGES.items():
            assert session.get(url).status_code == expected[role], f"{role} {url}"

"""Authorisation matrix: every route of the app × every role, with household A's identifiers.

ACCESS below says, for each route pattern of `app.url_map`, who may use it. A route missing from the table fails the
suite, so nobody adds a route without deciding who may use it. A staff route guarded by a right names that right
(`_right`): who may use it is then read from the permission table (guide/core/permissions.py RIGHTS), as the app reads
it; who is in charge of household A is written here by hand. `test_the_most_important_rules_by_hand` checks the
table itself against hand-written answers (an officer never opens another officer's household, and so on).

Each route is then tried by each role: GET (when the route has it) and POST with that person's own valid CSRF token
(when the route takes POST).

- allowed: the page answers (2xx/3xx; a POST with an incomplete form may also get its form back, 400/409/422);
- refused: 403 or 404 (existence is not revealed), or a redirect to the sign-in page of the right space — and
  nothing changed in the database, and nothing of household A shows in the answer;
- every GET, allowed or not, changes nothing but the access log (and the session cookie);
- every answer carries a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval'.

Roles: anonymous, household A (its own records), household B (A's identifiers), A's officer and mediator (in
charge), another officer and mediator (not in charge), the mediation group, an admin, and a deactivated admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask, Response, url_for
from sqlalchemy import select

from guide import CSP
from guide.core import permissions as perms
from guide.core.auth import HOUSEHOLD_KEY, STAFF_KEY
from guide.core.extensions import db, limiter
from guide.core.uploads import clean_photo
from guide.features.after_move.service import plan_courtesy_visits
from guide.features.requests import service as written
from guide.models import (
    AuditEntry,
    Household,
    HouseholdPhone,
    LetterPdf,
    MediationCase,
    Proposal,
    Role,
    SmsInbound,
    WrittenRequest,
)
from tests.app.test_written_requests import _jpeg_with_location
from tests.factories import (
    make_appointment,
    make_household,
    make_move_expense,
    make_plan_item,
    make_proposal,
    signed_in,
)
from tests.security.helpers import _staff, csrf

# --- roles ---------------------------------------------------------------------------------------------------

ANON, HH_A, HH_B = "anonymous", "household A", "household B"
OFFICER_IN, OFFICER_OUT = "officer in charge", "officer not in charge"
MEDIATOR_IN, MEDIATOR_OUT = "mediator in charge", "mediator not in charge"
GROUP, ADMIN = "mediation group", "admin"
DISABLED = "deactivated admin"  # an account switched off: its old session opens nothing
STAFF = (OFFICER_IN, OFFICER_OUT, MEDIATOR_IN, MEDIATOR_OUT, GROUP, ADMIN)
ROLES = (ANON, HH_A, HH_B, *STAFF, DISABLED)

# --- outcomes ------------------------------------------------------------------------------------------------

OK = "allowed"
DENIED = "403/404"
SIGN_IN = "redirect to /sign-in"
STAFF_LOGIN = "redirect to /staff/login"
UNSIGNED = "403 (no Twilio signature)"
STOP_POLLING = "286 (htmx stops polling)"


def _households(b: str) -> dict[str, str]:
    return {ANON: SIGN_IN, HH_A: OK, HH_B: b, **dict.fromkeys(STAFF, SIGN_IN), DISABLED: SIGN_IN}


def _staff_only(*allowed: str) -> dict[str, str]:
    return {ANON: STAFF_LOGIN, HH_A: STAFF_LOGIN, HH_B: STAFF_LOGIN, DISABLED: STAFF_LOGIN,
            **{role: OK if role in allowed else DENIED for role in STAFF}}


# Who each staff person of the world is, and whether household A is theirs under their role's scope (written by
# hand: A's officer and mediator are these two people, and A asked for mediation, so the group reaches it).
WORLD_STAFF: dict[str, tuple[Role, bool]] = {
    OFFICER_IN: (Role.OFFICER, True), OFFICER_OUT: (Role.OFFICER, False),
    MEDIATOR_IN: (Role.MEDIATOR, True), MEDIATOR_OUT: (Role.MEDIATOR, False),
    GROUP: (Role.MEDIATION_GROUP, True), ADMIN: (Role.ADMIN, True),
}


def _right(action: str, about_a: bool = True) -> dict[str, str]:
    """A staff route guarded by a right of guide/core/permissions.py, on household A's records (`about_a`) or on none:
    allowed to the people whose role has the right, for every household or for A as one of theirs."""
    def allowed(person: str) -> bool:
        role, a_is_theirs = WORLD_STAFF[person]
        reach = perms.RIGHTS[role].get(action)
        return reach is perms.ALL or (reach is perms.OWN and (a_is_theirs or not about_a))

    return _staff_only(*(person for person in STAFF if allowed(person)))


@dataclass(frozen=True)
class ByMethod:
    """A route whose GET and POST need different rights (reading a household's file, recording in it)."""

    get: dict[str, str]
    post: dict[str, str]

    def __call__(self, method: str) -> dict[str, str]:
        return self.post if method == "POST" else self.get


def _polled(access: dict[str, str]) -> dict[str, str]:
    """A live-update poll without a session answers 286 (htmx stops) instead of redirecting."""
    return {role: STOP_POLLING if outcome in (SIGN_IN, STAFF_LOGIN) else outcome for role, outcome in access.items()}


PUBLIC = dict.fromkeys(ROLES, OK)
MY_SPACE = _households(OK)  # the signed-in household's own space: B sees its own, not A's
MY_RECORD = _households(DENIED)  # a household route carrying A's identifiers: only A
STAFF_ANY = _staff_only(*STAFF)  # lists filtered to what each person may see
IN_CHARGE = ByMethod(_right(perms.SEE_HOUSEHOLD), _right(perms.EDIT_HOUSEHOLD))  # a household file
SMS_DONE = _right(perms.HANDLE_SMS)  # an inbound SMS of household A, marked handled
PLAN = _right(perms.WORK_ON_PLAN)  # the action plan (officers read the project once agreed: none here, 403)
MEDIATION = _right(perms.SEE_MEDIATION)  # a mediation case and its written requests
IMPORT = _right(perms.IMPORT_HOUSEHOLDS, about_a=False)  # the CSV import
SMS_USAGE = _right(perms.SEE_SMS_USAGE, about_a=False)
SURVEY = _right(perms.SEE_SURVEY, about_a=False)
DATA_EXPORT = _right(perms.EXPORT_HOUSEHOLD_DATA)  # a household's data export
ERASE = _right(perms.ERASE_HOUSEHOLD)
ACCESS_LOG = _right(perms.SEE_ACCESS_LOG, about_a=False)
ACCOUNTS = _right(perms.MANAGE_ACCOUNTS, about_a=False)
WEBHOOK = dict.fromkeys(ROLES, UNSIGNED)  # Twilio-signed: refused to everyone without a valid signature

ACCESS: dict[str, dict[str, str] | ByMethod] = {
    # public guide
    "/": PUBLIC,
    "/journey": PUBLIC,
    "/journey/<slug>": PUBLIC,
    "/pages": PUBLIC,
    "/pages/<slug>": PUBLIC,
    "/flows": PUBLIC,
    "/flows/<flow_id>": PUBLIC,
    "/glossary": PUBLIC,
    "/audio/<name>": PUBLIC,
    "/simulator": PUBLIC,
    "/simulator/<slug>": PUBLIC,
    "/simulator/all": PUBLIC,
    "/simulator/check": PUBLIC,
    "/simulator/result": PUBLIC,
    "/feedback": PUBLIC,
    "/language": PUBLIC,
    "/language/<code>": PUBLIC,
    "/healthz": PUBLIC,
    "/accessibility": PUBLIC,
    "/legal": PUBLIC,
    "/contact": PUBLIC,
    "/metrics": dict.fromkeys(ROLES, DENIED),  # the operator's scrape, by bearer token only (test_metrics.py)
    "/static/<path:filename>": PUBLIC,
    # signing in and out
    "/sign-in": PUBLIC,
    "/sign-in/code": PUBLIC,
    "/k/<token>": PUBLIC,
    "/sign-out": PUBLIC,
    "/signed-out": PUBLIC,
    "/staff/login": PUBLIC,
    "/staff/logout": PUBLIC,
    # the household space
    "/my": MY_SPACE,
    "/my/proposals": MY_SPACE,
    "/my/contacts": MY_SPACE,
    "/my/requests": MY_SPACE,
    "/my/papers": MY_SPACE,
    "/my/lost-phone": MY_SPACE,
    "/my/appointments/<int:appointment_id>.ics": MY_RECORD,
    "/my/appointments/<int:appointment_id>/change": MY_RECORD,
    "/my/appointments/<int:appointment_id>/confirm": MY_RECORD,
    "/my/proposals/<int:proposal_id>": MY_RECORD,
    "/my/proposals/<int:proposal_id>/answer": MY_RECORD,
    "/my/mediation": MY_SPACE,
    "/my/requests/<reference>": MY_RECORD,
    "/my/requests/<reference>/letter": MY_RECORD,
    "/my/requests/<reference>/letter.pdf": MY_RECORD,
    "/my/requests/<reference>/photos/<int:photo_id>": MY_RECORD,
    "/my/move": MY_SPACE,
    "/my/move/expenses/<int:expense_id>/photo": MY_RECORD,
    "/my/survey": MY_SPACE,
    "/my/survey/<int:number>": MY_SPACE,
    "/my/survey/check": MY_SPACE,
    "/my/data": MY_SPACE,
    "/my/data.json": MY_SPACE,
    "/my/plan": MY_SPACE,
    "/my/plan/profile": MY_SPACE,
    "/my/plan/visits": MY_SPACE,
    "/my/plan/project": MY_SPACE,
    "/my/plan/project/share/<choice>": MY_SPACE,
    "/my/plan/add/<kind>": MY_SPACE,
    "/my/plan/edit/<kind>": MY_SPACE,
    "/my/plan/suggestions/<key>": MY_SPACE,
    "/my/plan/updates": _polled(MY_SPACE),
    "/my/plan/items/<int:item_id>": MY_RECORD,
    "/my/plan/items/<int:item_id>/history": MY_RECORD,
    "/my/plan/items/<int:item_id>/move": MY_RECORD,
    "/my/plan/items/<int:item_id>/put-back": MY_RECORD,
    "/my/plan/items/<int:item_id>/remove": MY_RECORD,
    "/my/plan/items/<int:item_id>/restore": MY_RECORD,
    # staff: pages of their own
    "/staff/": STAFF_ANY,
    "/staff/mediation": STAFF_ANY,
    "/staff/refunds": STAFF_ANY,
    "/staff/sms/inbox": STAFF_ANY,
    "/staff/import": IMPORT,
    "/staff/sms/usage": SMS_USAGE,
    "/staff/survey": SURVEY,
    "/staff/survey.csv": SURVEY,
    "/staff/access-log": ACCESS_LOG,
    "/staff/accounts": ACCOUNTS,
    "/staff/accounts/<int:staff_id>/end-sessions": ACCOUNTS,
    # staff: a household's file
    "/staff/households/<int:household_id>": IN_CHARGE,
    "/staff/households/<int:household_id>/proposals": IN_CHARGE,
    "/staff/households/<int:household_id>/proposals/<int:proposal_id>": IN_CHARGE,
    "/staff/households/<int:household_id>/appointments": IN_CHARGE,
    "/staff/households/<int:household_id>/appointments/<int:appointment_id>": IN_CHARGE,
    "/staff/households/<int:household_id>/notes": IN_CHARGE,
    "/staff/households/<int:household_id>/facts": IN_CHARGE,
    "/staff/households/<int:household_id>/budget": IN_CHARGE,
    "/staff/households/<int:household_id>/consents": IN_CHARGE,
    "/staff/households/<int:household_id>/phones": IN_CHARGE,
    "/staff/households/<int:household_id>/phones/<int:phone_id>/delete": IN_CHARGE,
    "/staff/households/<int:household_id>/sms": IN_CHARGE,
    "/staff/households/<int:household_id>/sms/count": IN_CHARGE,
    "/staff/households/<int:household_id>/sms/template": IN_CHARGE,
    "/staff/sms/inbox/<int:inbound_id>/done": SMS_DONE,
    "/staff/households/<int:household_id>/after-move": IN_CHARGE,
    "/staff/households/<int:household_id>/expenses/<int:expense_id>/photo": IN_CHARGE,
    "/staff/households/<int:household_id>/expenses/<int:expense_id>/refund": IN_CHARGE,
    "/staff/households/<int:household_id>/visits/<int:visit_id>": IN_CHARGE,
    # staff: data protection (a household's data, its erasure)
    "/staff/households/<int:household_id>/data": DATA_EXPORT,
    "/staff/households/<int:household_id>/data.json": DATA_EXPORT,
    "/staff/households/<int:household_id>/erase": ERASE,
    # staff: the household's action plan
    "/staff/households/<int:household_id>/plan": PLAN,
    "/staff/households/<int:household_id>/plan/profile": PLAN,
    "/staff/households/<int:household_id>/plan/visits": PLAN,
    "/staff/households/<int:household_id>/plan/project": PLAN,
    "/staff/households/<int:household_id>/plan/project/share/<choice>": PLAN,
    "/staff/households/<int:household_id>/plan/add/<kind>": PLAN,
    "/staff/households/<int:household_id>/plan/edit/<kind>": PLAN,
    "/staff/households/<int:household_id>/plan/suggestions/<key>": PLAN,
    "/staff/households/<int:household_id>/plan/updates": _polled(PLAN),
    "/staff/households/<int:household_id>/plan/items/<int:item_id>": PLAN,
    "/staff/households/<int:household_id>/plan/items/<int:item_id>/history": PLAN,
    "/staff/households/<int:household_id>/plan/items/<int:item_id>/move": PLAN,
    "/staff/households/<int:household_id>/plan/items/<int:item_id>/put-back": PLAN,
    "/staff/households/<int:household_id>/plan/items/<int:item_id>/remove": PLAN,
    "/staff/households/<int:household_id>/plan/items/<int:item_id>/restore": PLAN,
    # staff: mediation
    "/staff/mediation/<int:case_id>": MEDIATION,
    "/staff/requests/<reference>/letter": MEDIATION,
    "/staff/requests/<reference>/letter.pdf": MEDIATION,
    "/staff/requests/<reference>/photos/<int:photo_id>": MEDIATION,
    # Twilio webhooks
    "/sms/inbound": WEBHOOK,
    "/sms/status": WEBHOOK,
}

# Arguments that are not identifiers of household A's records (a valid value, so an allowed role reaches the view).
PLAIN_ARGS = {"slug": "visit", "flow_id": "proposal", "code": "en", "token": "not-a-token", "kind": "action",
              "key": "money-1", "choice": "yes", "filename": "css/site.css", "number": 1,
              "name": "stages-visit.fr.0123456789abcdef.opus"}
ARGS_BY_ENDPOINT = {"guide.public.page": {"slug": "mediation"}, "simulator.public.step": {"slug": "household"},
                    "plan.household.edit_single": {"kind": "wishes"},
                    "plan.staff.edit_single": {"kind": "wishes"}}
POST_DATA = {"guide.public.feedback": {"page": "stages/visit", "useful": "yes"}}
ALSO_ALLOWED = {"/k/<token>": {410},  # an unknown personal link: "this link no longer works", to everyone
                "/audio/<name>": {404}}  # no spoken page is built here: "not found", to everyone

ENDS_SESSIONS = {"signin.household.sign_out_view", "signin.staff.logout"}  # the person's session record ends
SECRET_NAME = "Famille Alphonsine"  # household A's name: never in an answer to someone refused
SEES_A = {HH_A, OFFICER_IN, MEDIATOR_IN, GROUP, ADMIN}  # the others never see A's name, even on pages they may open


# --- the world -----------------------------------------------------------------------------------------------

@dataclass
class Person:
    cookie: str | None
    token: str


def _world(app: Flask) -> dict[str, Any]:
    """Household A with one record of every kind (and B beside it), and the staff around them."""
    staff = {OFFICER_IN: _staff(Role.OFFICER), OFFICER_OUT: _staff(Role.OFFICER),
             MEDIATOR_IN: _staff(Role.MEDIATOR), MEDIATOR_OUT: _staff(Role.MEDIATOR),
             GROUP: _staff(Role.MEDIATION_GROUP), ADMIN: _staff(Role.ADMIN)}
    a = make_household(officer_id=staff[OFFICER_IN].id, mediator_id=staff[MEDIATOR_IN].id, display_name=SECRET_NAME)
    b = make_household(officer_id=staff[OFFICER_OUT].id, mediator_id=staff[MEDIATOR_OUT].id)
    make_proposal(b)
    ids: dict[str, Any] = {"household_id": a.id, "proposal_id": make_proposal(a, status="visited").id,
                           "appointment_id": make_appointment(a).id,
                           "item_id": make_plan_item(a, "action", {"what": "Notre action", "status": "todo"}).id,
                           "expense_id": make_move_expense(a).id,
                           "staff_id": _staff(Role.OFFICER).id}  # whose sessions an admin ends: nobody of the roles
    with app.test_request_context():
        household = db.session.get(Household, a.id)
        sent = written.ask_mediation(household, "Texte de A", "", "", [clean_photo(_jpeg_with_location())],
                                     "a" * 32, date.today())
        household.moved_on = date.today() - timedelta(days=70)
        visits = plan_courtesy_visits(household)
        inbound = SmsInbound(message_sid="SM-matrix-a", from_number="+33600000001", household_id=a.id, body="Bonjour",
                             inbox_status="open")
        db.session.add(inbound)
        db.session.commit()
        ids.update(reference=sent.reference, photo_id=sent.photos[0].id, visit_id=visits[0].id,
                   inbound_id=inbound.id,
                   case_id=db.session.scalars(select(MediationCase.id).where(MediationCase.household_id == a.id)).one(),
                   phone_id=db.session.scalars(select(HouseholdPhone.id).where(
                       HouseholdPhone.household_id == a.id)).first())
        # a phone of A's for each person who may delete one: a deletion does not leave the next one a 404
        phones = {role: HouseholdPhone(household_id=a.id, number=f"+3375000000{n}") for n, role in
                  enumerate((OFFICER_IN, MEDIATOR_IN, ADMIN))}
        db.session.add_all(phones.values())
        db.session.commit()
        ids["own"] = {role: {"phone_id": phone.id} for role, phone in phones.items()}
    disabled = _staff(Role.ADMIN)
    with app.app_context():
        db.session.get(type(disabled), disabled.id).active = False
        db.session.commit()
    people = {ANON: _person(app, {}, "/sign-in"), DISABLED: _person(app, {STAFF_KEY: disabled.id}, "/sign-in"),
              HH_A: _person(app, {HOUSEHOLD_KEY: a.id}, "/my"),
              HH_B: _person(app, {HOUSEHOLD_KEY: b.id}, "/my")}
    for role, member in staff.items():
        people[role] = _person(app, {STAFF_KEY: member.id}, "/staff/")
    return {"ids": ids, "people": people}


def _person(app: Flask, session_values: dict[str, int], page: str) -> Person:
    client = app.test_client()
    if session_values:
        signed_in(client, household_id=session_values.get(HOUSEHOLD_KEY), staff_id=session_values.get(STAFF_KEY),
                  app=app)
    response = client.get(page)
    assert response.status_code == 200, f"{page}: {response.status_code}"
    token = csrf(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
    cookie = client.get_cookie("session")
    return Person(cookie.value if cookie else None, token)


def _as(app: Flask, person: Person):  # type: ignore[no-untyped-def]
    """A fresh client holding that person's session: a sign-out or a session change stays in this one request."""
    client = app.test_client()
    if person.cookie:
        client.set_cookie("session", person.cookie)
    return client


def _url(app: Flask, rule: Any, ids: dict[str, Any], role: str | None = None) -> str:
    values = {**PLAIN_ARGS, **ids, **ids["own"].get(role, {}), **ARGS_BY_ENDPOINT.get(rule.endpoint, {})}
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Every row of every table but the access log (reads are logged by design) and the stored letter PDFs (a
    cache: a letter's first view keeps the PDF it made, guide/features/requests/pdf_store.py), and without the time
    a session was last used (the server side of the session cookie: any request may note it)."""
    with app.app_context(), db.engine.connect() as conn:
        return {table.name: sorted(repr(tuple(row)) for row in conn.execute(
            select(*(c for c in table.columns if (table.name, c.name) != ("user_session", "last_seen_at")))))
                for table in db.metadata.sorted_tables
                if table.name not in (AuditEntry.__tablename__, LetterPdf.__tablename__)}


def _changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, int]:
    return {name: len(after[name]) - len(rows) or len(set(after[name]) ^ set(rows))
            for name, rows in before.items() if after[name] != rows}


def _rules(app: Flask) -> list[Any]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


# --- checks ----------------------------------------------------------------------------------------------------

INLINE = {"inline script": re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>", re.I),
          "style element": re.compile(rb"<style[\s>]", re.I),
          "style attribute": re.compile(rb"<[a-z][^>]*\sstyle\s*=", re.I),
          "event handler attribute": re.compile(rb"<[a-z][^>]*\son[a-z]+\s*=", re.I)}


def check_csp(response: Any, what: str) -> None:
    """A policy without 'unsafe-inline'/'unsafe-eval', and HTML that needs neither (nothing inline to be blocked)."""
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, f"{what}: no Content-Security-Policy"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{what}: {csp}"
    if response.mimetype == "text/html":
        body = response.get_data()
        for name, pattern in INLINE.items():
            found = pattern.search(body)
            assert found is None, f"{what}: {name} {found.group(0)[:80] if found else b''!r}"


def _login_redirect(response: Any) -> str | None:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        for prefix in ("/staff/login", "/sign-in"):
            if location.startswith(prefix) and not location.startswith("/sign-in/"):
                return prefix
    return None


def expected(rule: str, role: str, method: str) -> str:
    access = ACCESS[rule]
    return (access(method) if isinstance(access, ByMethod) else access)[role]


def check_outcome(response: Any, expected: str, method: str, rule: str, what: str, role: str) -> None:
    status = response.status_code
    body = response.get_data()
    if role not in SEES_A:  # lists and pages of one's own: nothing of household A
        assert SECRET_NAME.encode() not in body, f"{what}: household A's name shown"
    if expected == OK:
        assert ACCESS[rule] is PUBLIC or _login_redirect(response) is None, f"{what}: sent to sign in"
        allowed = set(range(200, 400)) | ALSO_ALLOWED.get(rule, set())
        if method == "POST":
            allowed |= {400, 409, 422}  # the form with only a CSRF token, answered with its messages
        assert status in allowed and status != 286, f"{what}: {status}"
        return
    # refused: nothing of household A in the answer
    assert SECRET_NAME.encode() not in body, f"{what}: household A's name in a refusal"
    if expected == DENIED:
        assert status in (403, 404), f"{what}: {status}, expected 403/404"
    elif expected == SIGN_IN:
        assert _login_redirect(response) == "/sign-in", f"{what}: {status} {response.headers.get('Location')}"
    elif expected == STAFF_LOGIN:
        assert _login_redirect(response) == "/staff/login", f"{what}: {status} {response.headers.get('Location')}"
    elif expected == UNSIGNED:
        assert status == 403, f"{what}: {status}"
    elif expected == STOP_POLLING:
        assert status == 286 and not body, f"{what}: {status}"
    else:
        raise AssertionError(expected)


# --- tests -----------------------------------------------------------------------------------------------------

def test_every_route_is_in_the_table(app) -> None:
    rules = {r.rule for r in app.url_map.iter_rules()}
    missing = sorted(rules - ACCESS.keys())
    assert not missing, f"routes nobody decided who may use (add them to ACCESS): {missing}"
    stale = sorted(ACCESS.keys() - rules)
    assert not stale, f"ACCESS lists routes that no longer exist: {stale}"
    for rule, access in ACCESS.items():
        for method in ("GET", "POST"):
            outcomes = access(method) if isinstance(access, ByMethod) else access
            assert set(outcomes) == set(ROLES), f"{rule} {method}: {sorted(set(ROLES) ^ set(outcomes))}"


def test_every_route_by_every_role(app, ctx) -> None:
    world = _world(app)
    ids, people = world["ids"], world["people"]
    state = snapshot(app)
    allowed_posts = []
    tried = 0
    # 1. every GET, and every refused POST: nothing may change but the access log
    for rule in _rules(app):
        url = _url(app, rule, ids)
        for role in ROLES:
            for method in sorted(rule.methods & {"GET", "POST"}):
                outcome = expected(rule.rule, role, method)
                if method == "POST" and outcome == OK:
                    allowed_posts.append((rule, _url(app, rule, ids, role), role))
                    continue
                response = _send(app, people[role], method, url, rule.endpoint)
                what = f"{role} {method} {url}"
                check_outcome(response, outcome, method, rule.rule, what, role)
                check_csp(response, what)
                after = snapshot(app)
                assert after == state, f"{what} changed {_changes(state, after)}"
                tried += 1
        limiter.reset()
    # 2. the allowed POSTs (last: they may change what the others see); signing out last of all, since it ends
    # the session record that the person's later requests would need
    failures = []
    for rule, url, role in sorted(allowed_posts, key=lambda post: post[0].endpoint in ENDS_SESSIONS):
        response = _send(app, people[role], "POST", url, rule.endpoint)
        what = f"{role} POST {url}"
        try:
            check_outcome(response, OK, "POST", rule.rule, what, role)
        except AssertionError as e:
            failures.append(str(e).splitlines()[0])
        check_csp(response, what)
        tried += 1
        limiter.reset()
    assert not failures, "\n".join(failures)
    assert tried > 8 * len(ACCESS)


def _send(app: Flask, person: Person, method: str, url: str, endpoint: str) -> Any:
    client = _as(app, person)
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": person.token, **POST_DATA.get(endpoint, {})},
                       headers={"Sec-Fetch-Site": "same-origin"})  # a browser on one of our pages


# --- the table itself, checked by hand ------------------------------------------------------------------------

BY_HAND = {  # who among the staff may use these routes, written out here, not read from guide/core/permissions.py
    # an officer never opens another officer's household (nor a mediator another's); the group opens no file
    ("/staff/households/<int:household_id>", "GET"): {OFFICER_IN, MEDIATOR_IN, ADMIN},
    ("/staff/households/<int:household_id>/notes", "POST"): {OFFICER_IN, MEDIATOR_IN, ADMIN},
    ("/staff/households/<int:household_id>/after-move", "GET"): {OFFICER_IN, MEDIATOR_IN, ADMIN},
    ("/staff/sms/inbox/<int:inbound_id>/done", "POST"): {OFFICER_IN, MEDIATOR_IN, ADMIN},
    ("/staff/households/<int:household_id>/plan", "GET"): {MEDIATOR_IN, ADMIN},  # the plan: not the officer
    ("/staff/households/<int:household_id>/data", "GET"): {OFFICER_IN, ADMIN},  # never the mediator
    ("/staff/households/<int:household_id>/erase", "POST"): {ADMIN},
    ("/staff/access-log", "GET"): {ADMIN},
    ("/staff/accounts", "GET"): {ADMIN},
    ("/staff/accounts/<int:staff_id>/end-sessions", "POST"): {ADMIN},
    ("/staff/mediation/<int:case_id>", "GET"): {OFFICER_IN, MEDIATOR_IN, GROUP, ADMIN},
    ("/staff/requests/<reference>/letter", "GET"): {OFFICER_IN, MEDIATOR_IN, GROUP, ADMIN},
    ("/staff/requests/<reference>/photos/<int:photo_id>", "GET"): {OFFICER_IN, MEDIATOR_IN, GROUP, ADMIN},
    ("/staff/import", "GET"): {OFFICER_IN, OFFICER_OUT, ADMIN},
    ("/staff/sms/usage", "GET"): {GROUP, ADMIN},
    ("/staff/survey", "GET"): {GROUP, ADMIN},
}


@pytest.mark.parametrize(("rule", "method"), sorted(BY_HAND))
def test_the_most_important_rules_by_hand(rule: str, method: str) -> None:
    allowed = {person for person in STAFF if expected(rule, person, method) == OK}
    assert allowed == BY_HAND[rule, method], (
        f"{method} {rule}: the permission table lets {sorted(allowed)} in, expected {sorted(BY_HAND[rule, method])}")


# --- the mediation group reaches households through their mediation requests only -------------------------------

@pytest.fixture()
def mediation_world(app, ctx) -> dict[str, Any]:
    """Household M asked for mediation (and also refused a proposal); household R only refused a proposal."""
    group = _staff(Role.MEDIATION_GROUP)
    m, r = make_household(display_name="Famille Médiation"), make_household(display_name=SECRET_NAME)
    with app.test_request_context():
        refs = {}
        for name, household in (("m", m), ("r", r)):
            found = db.session.get(Household, household.id)
            proposal = db.session.get(Proposal, make_proposal(household, status="visited",
                                                              visit_on=date.today()).id)
            refs[f"{name}_refusal"] = written.answer_proposal(found, proposal, False, ["size"], "Trop petit",
                                                              f"{name}" * 32, date.today()).reference
            db.session.commit()
        refs["m_mediation"] = written.ask_mediation(db.session.get(Household, m.id), "Texte", "", "", [], "c" * 32,
                                                    date.today()).reference
        db.session.commit()
        assert not db.session.scalars(select(MediationCase).where(MediationCase.household_id == r.id)).all()
        kinds = dict(db.session.execute(select(WrittenRequest.reference, WrittenRequest.kind)).all())
        assert kinds[refs["r_refusal"]] == "refusal" and kinds[refs["m_mediation"]] == "mediation"
    return {"group": _person(app, {STAFF_KEY: group.id}, "/staff/"), **refs}


def test_mediation_group_opens_requests_of_households_in_mediation_only(app, mediation_world) -> None:
    group = _as(app, mediation_world["group"])
    for ref in ("m_mediation", "m_refusal"):  # a mediation request; a refusal from a household in mediation
        for suffix in ("letter", "letter.pdf"):
            url = f"/staff/requests/{mediation_world[ref]}/{suffix}"
            assert group.get(url).status_code == 200, url
    for suffix in ("letter", "letter.pdf"):  # a household the mediation group has no case for
        response = group.get(f"/staff/requests/{mediation_world['r_refusal']}/{suffix}")
        assert response.status_code == 404 and SECRET_NAME.encode() not in response.get_data(), suffix


@pytest.mark.parametrize("html", [b"<script>alert(1)</script>", b"<p style='color:red'>x</p>", b"<style>p{}</style>",
                                  b'<a href="/" onclick="x()">x</a>', b"<SCRIPT type=module>x</SCRIPT>"])
def test_the_inline_check_catches_inline_markup(html: bytes) -> None:
    policy = "; ".join(f"{key} {value}" for key, value in CSP.items())
    fine = Response(b'<script src="/static/x.js"></script><p class="style">on=1</p>',
                    headers={"Content-Security-Policy": policy}, mimetype="text/html")
    check_csp(fine, "a page without inline markup")
    with pytest.raises(AssertionError):
        check_csp(Response(html, headers={"Content-Security-Policy": policy}, mimetype="text/html"), "inline")

"""Shared pieces of the security suite: a small world of records, forms read from the pages, input strategies."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

from guide.core.extensions import db, limiter
from guide.models import MediationCase, Role, SmsInbound, StaffUser, WrittenRequest
from tests import factories
from tests.app.test_household_home import sign_in_as
from tests.factories import make_appointment, make_budget, make_household, make_proposal

# Reproducible in CI: a fixed derivation of the examples, no example database, no time limit per example.
FUZZ = settings(max_examples=15, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def soup_of(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --- a world of records --------------------------------------------------------------------------------------

@dataclass
class World:
    """A household with a proposal, an appointment, a budget, a mediation request and an SMS waiting; clients
    signed in as the household, its officer, its mediator, the mediation group and an admin."""

    app: Flask
    household_id: int
    proposal_id: int
    appointment_id: int
    reference: str
    case_id: int
    inbound_id: int
    household: FlaskClient
    officer: FlaskClient
    mediator: FlaskClient
    group: FlaskClient
    admin: FlaskClient
    anonymous: FlaskClient
    extra: dict[str, Any] = field(default_factory=dict)


PHONE = "+33612345678"


def make_world(app: Flask, display_name: str = "Famille Test", language: str = "fr") -> World:
    officer, mediator, group, admin = (_staff(role) for role in (Role.OFFICER, Role.MEDIATOR, Role.MEDIATION_GROUP,
                                                                  Role.ADMIN))
    household = make_household(PHONE, officer_id=officer.id, mediator_id=mediator.id, display_name=display_name,
                               language=language)
    proposal = make_proposal(household, status="visited")
    appointment = make_appointment(household)
    make_budget(household)
    clients = {name: app.test_client() for name in ("household", "officer", "mediator", "group", "admin",
                                                     "anonymous")}
    sign_in_as(clients["household"], app, household)
    for name, staff in (("officer", officer), ("mediator", mediator), ("group", group), ("admin", admin)):
        signed_in_as_staff(clients[name], staff.id)
    reference = submit_mediation(clients["household"], "Premier texte")
    with app.app_context():
        case_id = db.session.scalars(select(MediationCase.id)).first()
        inbound = SmsInbound(message_sid=f"SM{household.id:032d}", household_id=household.id,
                             from_number=PHONE,
                             body="Je ne peux pas venir", inbox_status="open",
                             received_at=datetime.now(UTC) - timedelta(hours=1))
        db.session.add(inbound)
        db.session.commit()
        inbound_id = inbound.id
    return World(app, household.id, proposal.id, appointment.id, reference, case_id, inbound_id, **clients)


_staff_numbers = itertools.count(1)


def _staff(role: Role) -> StaffUser:
    """A staff account without an argon2 hash (0.7 s each): these accounts are signed in through the session."""
    n = next(_staff_numbers)
    return factories._save(StaffUser(email=f"fuzz{n}@example.org", name=f"Agent {n}", role=role,
                                     phone="+33320000000", password_hash="not-a-hash"))


def signed_in_as_staff(client: FlaskClient, staff_id: int) -> None:
    """What a successful login leaves in the session (the login form itself is fuzzed and tested elsewhere)."""
    factories.signed_in(client, staff_id=staff_id)


def submit_mediation(client: FlaskClient, what_happened: str, **fields: str) -> str:
    """A written mediation request through the household's form; returns its reference."""
    page = soup_of(client.get("/my/mediation"))
    data = {"csrf_token": csrf(page), "key": page.select_one("input[name=key]")["value"],
            "what_happened": what_happened, "disagreement": "", "wish": "", **fields}
    response = client.post("/my/mediation", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code
    return response.headers["Location"].rsplit("/", 1)[1].split("?")[0]


def csrf(soup: BeautifulSoup) -> str:
    found = soup.find("input", attrs={"name": "csrf_token"})
    assert found is not None, "no CSRF token on the page"
    return str(found["value"])


def reset_limits() -> None:
    """Rate limits answer 429 (fine) but would stop the fuzzing from reaching the form's own checks."""
    limiter.reset()


def request_reference(app: Flask) -> str:
    with app.app_context():
        return db.session.scalars(select(WrittenRequest.reference).order_by(WrittenRequest.id)).first()


# --- forms as the page shows them ------------------------------------------------------------------------------

@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, date, datetime-local, week, file, tel, email...
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class FormSpec:
    action: str
    method: str
    multipart: bool
    fields: dict[str, FormField]


def read_form(soup: BeautifulSoup, action: str) -> FormSpec:
    """The form whose action (without its #anchor) is `action`, with every named control and its options."""
    for form in soup.find_all("form"):
        if (form.get("action") or "").split("#")[0] != action:
            continue
        fields: dict[str, FormField] = {}
        for control in form.find_all(["input", "textarea", "select"]):
            name = control.get("name")
            if not name:
                continue
            if control.name == "select":
                options = [o.get("value", o.get_text()) for o in control.find_all("option")]
                fields[name] = FormField(name, "select", options[0] if options else "", options)
                continue
            kind = "textarea" if control.name == "textarea" else (control.get("type") or "text")
            if kind in ("checkbox", "radio"):
                fields.setdefault(name, FormField(name, kind)).options.append(control.get("value", "on"))
                continue
            value = control.get_text() if kind == "textarea" else control.get("value", "")
            fields[name] = FormField(name, kind, value)
        return FormSpec(action, (form.get("method") or "get").lower(),
                        form.get("enctype") == "multipart/form-data", fields)
    raise AssertionError(f"no form posts to {action}")


# --- input strategies ------------------------------------------------------------------------------------------

NASTY = [
    "", " ", "\x00", "a\x00b", "\r\n", "\t", "0", "-1", "-0", "00", "1e309", "-1e309", "1E+999999", "NaN", "sNaN",
    "inf", "-Infinity", "9" * 40, "0.0000000001", "1,5", "1 500,00", "٣٤٥", "۱۲", "²", "½", "1_000", "0x10",
    "'; DROP TABLE household; --", "\" OR 1=1 --", "<script>alert(1)</script>", "{{7*7}}", "{% raw %}", "%(x)s",
    "%s%s%s%n", "${7*7}", "\u202eevil", "\ufeff", "\u200b", "\U0001F3E0" * 30, "ﷺ" * 20, "x" * 6000,
    "2026-02-31", "0000-00-00", "0001-01-01", "9999-12-31", "9999-12-31T23:59", "0001-01-01T00:00",
    "2026-11-22T25:61", "2026-W53", "9999-W52", "0000-W00", "+33 6 12 34 56 78", "+999999999999999",
    "06" * 20, "javascript:alert(1)", "../../etc/passwd", "\\", "\ud7ff", "\U0010ffff",
]

any_text = st.text(max_size=80)
long_text = st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000)
control_text = st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20)
arabic_text = st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF) | st.sampled_from(
    " \u202e\u200f\u0640"), max_size=60)
numberish = st.from_regex(r"-?\d{0,14}([.,]\d{0,6})?([eE][+-]?\d{1,4})?", fullmatch=True)
fuzz_text = st.one_of(st.sampled_from(NASTY), any_text, long_text, control_text, arabic_text, numberish)
dates = st.dates().map(lambda d: d.isoformat())
datetimes = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))
weeks = st.builds(lambda y, w: f"{y:04d}-W{w:02d}", st.integers(0, 9999), st.integers(0, 60))


def value_strategy(spec: FormField) -> st.SearchStrategy[Any]:
    """What to send for one control: mostly nonsense, sometimes something the form expects, sometimes nothing."""
    missing = st.just(None)
    if spec.name.endswith("csrf_token"):
        return st.just(spec.value)
    if spec.kind == "hidden":
        return st.one_of(st.just(spec.value), st.just(spec.value), fuzz_text, missing)
    if spec.kind == "select":
        return st.one_of(st.sampled_from(spec.options or [""]), fuzz_text, missing)
    if spec.kind == "checkbox":
        return st.one_of(st.lists(st.sampled_from(spec.options), unique=True), st.lists(fuzz_text, max_size=3))
    if spec.kind == "radio":
        return st.one_of(st.sampled_from(spec.options), fuzz_text, missing)
    if spec.kind == "date":
        return st.one_of(dates, fuzz_text, missing)
    if spec.kind == "datetime-local":
        return st.one_of(datetimes, fuzz_text, missing)
    if spec.kind == "week":
        return st.one_of(weeks, fuzz_text, missing)
    if spec.kind == "file":
        return st.one_of(missing, st.lists(st.tuples(st.binary(max_size=2000), st.sampled_from(
            ["photo.jpg", "x.png", "a.csv", ""])), max_size=2).map(Files))
    return st.one_of(fuzz_text, numberish, missing)


def form_data(spec: FormSpec, overrides: dict[str, st.SearchStrategy[Any]] | None = None
              ) -> st.SearchStrategy[dict[str, Any]]:
    """A strategy for the whole form's data (controls sent as None are left out)."""
    strategies = {name: value_strategy(f) for name, f in spec.fields.items()}
    strategies.update(overrides or {})
    return st.fixed_dictionaries(strategies).map(lambda d: {k: v for k, v in d.items() if v is not None})


class Files(list):
    """Uploaded files as (content, name) pairs: opened afresh for each request (a sent stream is closed)."""


def send(client: FlaskClient, spec: FormSpec, data: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    data = {k: [(io.BytesIO(content), name) for content, name in v] if isinstance(v, Files) else v
            for k, v in data.items()}
    if spec.method == "get":
        return client.get(spec.action, query_string=data, headers=headers)
    return client.post(spec.action, data=data, headers=headers,
                       content_type="multipart/form-data" if spec.multipart else None)


def assert_answered(response: Any, what: str) -> None:
    """Never a server error; a refusal is a 4xx page (or the form again with a message), never a crash."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    assert response.status_code in (200, 204, 302, 303, 400, 403, 404, 405, 409, 410, 413, 422, 429), (
        f"{what}: unexpected {response.status_code}")
    if response.status_code == 422 and response.mimetype == "text/html":
        body = soup_of(response)
        assert body.select("[aria-invalid=true], .error, .error-message, [role=alert], .field-error, .errors") or \
            "error" in response.get_data(as_text=True).lower(), f"{what}: 422 without a message"


Check = Callable[[Any], None]

"""Open redirects: no `next=` (language choice, household sign-in, staff login), stored personal-link target or
pending sign-in target ever sends anyone to another site, and none gives an error page.

The corpus gathers the shapes that public open-redirect payload lists collect (PayloadsAllTheThings' "Open
Redirect" intruder list and the like): protocol-relative, backslashes, tabs and newlines that browsers drop,
encoded and double-encoded slashes, schemes, Unicode look-alikes, invisible characters. Each payload goes in two
ways: as written in a link (its %-escapes are decoded once by the server) and as a value encoded once more (its
%-escapes arrive as text). A browser's reading of the answer's Location decides whether it leaves the site.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from guide.core.extensions import db, limiter
from guide.core.security import same_site_path
from guide.features.signin import service as signin
from guide.models import SmsMessage
from tests.conftest import csrf_token, get_page
from tests.factories import make_household, make_staff

EVIL = "evil.test"
SITE, HERE = "http://localhost", ("http", "localhost")
CORPUS = [
    # protocol-relative and slash runs
    f"//{EVIL}", f"///{EVIL}", f"////{EVIL}", f"//{EVIL}/", f"//{EVIL}/%2f..", f"////{EVIL}/%2f%2e%2e",
    f"//{EVIL}@localhost", f"//;@{EVIL}", f"//{EVIL}%00.test", f"//{EVIL}%E3%80%82test",
    # backslashes, which browsers read as slashes
    f"/\\{EVIL}", f"\\/{EVIL}", f"\\\\{EVIL}", f"/\\/{EVIL}", f"//\\{EVIL}", f"///\\;@{EVIL}", f"\\/\\/{EVIL}/",
    # characters browsers drop (tab, newline) or strip at the ends, and header injection
    f"/%09/{EVIL}", f"/%0a/{EVIL}", f"/%0d/{EVIL}", f"/%0d%0a/{EVIL}", f"%09//{EVIL}", f"%20//{EVIL}",
    f"/%0a%0dLocation:%20https://{EVIL}", f"/%00/{EVIL}", "/%09/javascript:alert(1)", f"/%2509/{EVIL}",
    # encoded slashes and backslashes
    f"%2F%2F{EVIL}", f"/%2F/{EVIL}", f"/%2f%2f{EVIL}", f"/%5C{EVIL}", f"/%5c%5c{EVIL}", f"%5C%5C{EVIL}",
    f"/%252F%252F{EVIL}", f"/%255C{EVIL}", f"/%2e%2e%2f%2e%2e%2f{EVIL}",
    # schemes
    f"https://{EVIL}", f"http://{EVIL}", f"HtTpS://{EVIL}", f"https:{EVIL}", f"https:/{EVIL}",
    f"http:\\\\{EVIL}", f"https:%2F%2F{EVIL}", "%68%74%74%70%73%3a%2f%2fevil.test", f"ftp://{EVIL}",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java%0d%0ascript%0d%0a:alert(0)", "javascript://%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
    # no slash at all
    EVIL, f"{EVIL}/", f".{EVIL}", f"@{EVIL}", f"localhost@{EVIL}", f"localhost.{EVIL}",
    # Unicode look-alikes and invisible characters (fullwidth solidus and reverse solidus, ideographic full stop,
    # zero-width space, right-to-left override, Mongolian vowel separator, no-break space, line separator)
    f"/%EF%BC%8F{EVIL}", f"%EF%BC%8F%EF%BC%8F{EVIL}", f"/%EF%BC%BC{EVIL}", f"/\uff0f{EVIL}", f"\uff0f\uff0f{EVIL}",
    f"/\uff3c{EVIL}", f"\u3031{EVIL}", f"/%E2%80%8B/{EVIL}", f"/%E2%80%AE//{EVIL}", f"%E1%A0%8E//{EVIL}",
    f"/%C2%A0/{EVIL}", f"/%E2%80%A8/{EVIL}", f"//{EVIL}\u3002", f"/\u2024\u2024/{EVIL}",
    # what a lazy "starts with /" check lets through
    f"/?/{EVIL}", f"/#//{EVIL}", f"/https://{EVIL}", f"/<>//{EVIL}", f"/@{EVIL}",
]
SAFE = ["/", "/journey/visit", "/pages/costs#charges", "/sign-in?next=%2Fmy", "/flows/where?a=1&b=2",
        "/my/requests/MED-20261122-7K2Q", "/my/plan", "/staff/households/3?tab=sms", "/pages/café"]


def _typed(payload: str) -> str:
    """The payload as written in a link: its %-escapes stay escapes, what HTTP cannot carry raw is escaped."""
    return quote(payload, safe="!$'()*+,-./:;=?@[\\]^_`{|}~%")


DELIVERIES = {"typed": lambda p: "next=" + _typed(p), "encoded": lambda p: urlencode({"next": p})}


def lands_on(location: str) -> tuple[str, str]:
    """(scheme, host) a browser goes to with this Location on the test client's site, read as browsers do
    (WHATWG URL parsing): spaces and C0 controls at the ends dropped, tabs and newlines dropped anywhere,
    backslashes read as slashes."""
    cleaned = location.strip("".join(chr(n) for n in range(0x21)))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    parts = urlsplit(urljoin(SITE + "/page", cleaned))
    return parts.scheme, parts.netloc


def _check(response, default: str, payload: str, route: str, failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    if response.status_code != 303:
        failures.append(f"{route} {payload!r}: status {response.status_code}")
        return
    location = response.headers["Location"]
    if lands_on(location) != HERE:
        failures.append(f"{route} {payload!r}: Location {location!r} leaves the site")
    elif location != default and same_site_path(location) is None:
        failures.append(f"{route} {payload!r}: Location {location!r} is neither the default nor a plain path")


def _report(failures: list[str], tried: int) -> None:
    assert not failures, f"{len(failures)} of {tried} redirects went wrong:\n" + "\n".join(failures)


# --- the one check ---------------------------------------------------------------------------------------------

def test_the_corpus_is_big_enough() -> None:
    assert len(set(CORPUS)) == len(CORPUS) >= 40


@pytest.mark.parametrize("payload", CORPUS)
def test_no_payload_is_a_same_site_path_once_decoded_as_a_server_would(payload: str) -> None:
    """What reaches safe_next is the payload with its %-escapes decoded once (a query argument) or not at all."""

    kept = [value for value in (payload, unquote(payload)) if same_site_path(value) is not None]
    for value in kept:
        assert lands_on(value) == HERE, f"{value!r} kept though a browser leaves the site"


@pytest.mark.parametrize("target", SAFE)
def test_paths_of_the_site_are_kept(target: str) -> None:
    assert same_site_path(target) == target, f"{target!r} is a path of this site"


@pytest.mark.parametrize("target", [None, "", 42, "/" + "a" * 2048, "/\t/evil.test", "/\n/x", "//evil.test",
                                    "/\\evil.test", "/%2F/evil.test", "/\uff0fevil.test", "/a\u200bb"])
def test_other_targets_are_refused(target: object) -> None:
    assert same_site_path(target) is None, f"{target!r} must be refused"


# --- through the routes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("delivery", DELIVERIES)
def test_language_choice_never_leaves_the_site(client: FlaskClient, delivery: str) -> None:
    failures: list[str] = []
    for payload in CORPUS:
        response = client.get("/language/fr", query_string=DELIVERIES[delivery](payload))
        _check(response, "/", payload, "GET /language/fr", failures)
    _report(failures, len(CORPUS))


_phones = itertools.count(1)


def _sign_in_with_a_code(app: Flask, query: str) -> tuple[object, FlaskClient]:
    """The whole household sign-in, as a browser does it, with `next` on the phone form's address."""
    phone = f"+3361{next(_phones):07d}"
    household = make_household(phone=phone)
    limiter.reset()
    client = app.test_client()
    token = csrf_token(get_page(client, "/sign-in").soup)
    asked = client.post(f"/sign-in?{query}", data={"csrf_token": token, "phone": phone})
    assert asked.status_code == 303 and asked.headers["Location"] == "/sign-in/code", asked.status_code
    with app.app_context():
        body = db.session.scalars(select(SmsMessage.body).where(SmsMessage.household_id == household.id)).one()
    code = re.search(r"\b\d{6}\b", body).group(0)
    token = csrf_token(get_page(client, "/sign-in/code").soup)
    response = client.post("/sign-in/code", data={"csrf_token": token, "code": code})
    return response, client


@pytest.mark.parametrize("delivery", DELIVERIES)
def test_household_sign_in_never_leaves_the_site(app: Flask, ctx: None, delivery: str) -> None:
    failures: list[str] = []
    for payload in CORPUS:
        response, client = _sign_in_with_a_code(app, DELIVERIES[delivery](payload))
        _check(response, "/my", payload, "POST /sign-in/code", failures)
        if client.get("/my").status_code != 200:
            failures.append(f"POST /sign-in/code {payload!r}: not signed in afterwards")
    _report(failures, len(CORPUS))


def test_household_sign_in_still_goes_where_it_was_asked(app: Flask, ctx: None) -> None:
    response, _client = _sign_in_with_a_code(app, "next=/my/plan")
    assert response.headers["Location"] == "/my/plan"


def test_a_pending_target_in_the_session_is_checked_again(app: Flask, ctx: None) -> None:
    """The session is signed, but the target it carries is checked when it is used, not only when it was stored."""
    phone = "+33612345601"
    make_household(phone=phone)
    client = app.test_client()
    token = csrf_token(get_page(client, "/sign-in").soup)
    client.post("/sign-in", data={"csrf_token": token, "phone": phone})
    with client.session_transaction() as session:
        session["pending_next"] = f"/\t/{EVIL}"
    with app.app_context():
        body = db.session.scalars(select(SmsMessage.body)).one()
    token = csrf_token(get_page(client, "/sign-in/code").soup)
    response = client.post("/sign-in/code", data={"csrf_token": token, "code": re.search(r"\d{6}", body).group(0)})
    assert (response.status_code, response.headers["Location"]) == (303, "/my")


@pytest.mark.parametrize("target", [f"//{EVIL}", f"/\t/{EVIL}", f"https://{EVIL}", "/my/plan"])
def test_a_personal_link_goes_only_to_a_page_of_the_site(app: Flask, ctx: None, target: str) -> None:
    household = make_household(phone="+33612345602")
    with app.app_context():
        token = signin.create_link(db.session.merge(household), target=target)
        db.session.commit()
    client = app.test_client()
    form_token = csrf_token(get_page(client, f"/k/{token}").soup)
    response = client.post(f"/k/{token}", data={"csrf_token": form_token})
    expected = target if target == "/my/plan" else "/my"
    assert (response.status_code, response.headers["Location"]) == (303, expected), target


@pytest.mark.parametrize("delivery", DELIVERIES)
def test_staff_login_never_leaves_the_site(app: Flask, ctx: None, delivery: str) -> None:
    # the cheapest argon2 parameters (read back from the hash when checking): one check per payload stays quick
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse battery")
    make_staff(email="agent@example.org", password_hash=cheap)
    failures: list[str] = []
    for payload in CORPUS:
        limiter.reset()
        client = app.test_client()
        token = csrf_token(get_page(client, "/staff/login").soup)
        response = client.post(f"/staff/login?{DELIVERIES[delivery](payload)}",
                               data={"csrf_token": token, "email": "agent@example.org",
                                     "password": "correct horse battery"})
        _check(response, "/staff/", payload, "POST /staff/login", failures)
    _report(failures, len(CORPUS))

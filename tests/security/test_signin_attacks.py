"""Attacks on signing in, beyond tests/app/test_household_signin.py and tests/app/test_staff.py: guessing the
6-digit code from several sessions, codes asked beyond the per-number limit, rate limits answered with the 429 page,
account enumeration by page bytes and by timing (households and staff), lockout expiry, session cookie flags."""

from __future__ import annotations

import re
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from guide import create_app
from guide.core.auth import HOUSEHOLD_KEY, STAFF_KEY
from guide.core.extensions import db, limiter, talisman
from guide.features.signin import service as signin
from guide.models import Household, SignInCode, SignInTry, SmsMessage, StaffUser
from tests import factories
from tests.conftest import TEST_CONFIG, csrf_token
from tests.factories import PASSWORD, make_household, make_staff, signed_in
from tests.security.test_authz_matrix import check_csp

TOKEN = re.compile(rb'name="csrf_token"[^>]*value="[^"]*"')


def _soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _without_token(body: bytes) -> bytes:
    return TOKEN.sub(b'name="csrf_token" value=""', body)


def _ask_code(client, phone: str):  # type: ignore[no-untyped-def]
    token = csrf_token(_soup(client.get("/sign-in")))
    return client.post("/sign-in", data={"csrf_token": token, "phone": phone})


def _send_code(client, code: str):  # type: ignore[no-untyped-def]
    token = csrf_token(_soup(client.get("/sign-in/code")))
    return client.post("/sign-in/code", data={"csrf_token": token, "code": code})


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        return HOUSEHOLD_KEY in session


def _fixed_codes(monkeypatch, code: str = "123456") -> None:
    """The attacker's lucky guess, made certain: every code the app draws is this one (only the tests know it)."""
    monkeypatch.setattr(signin, "new_code", lambda: code)


# --- guessing the code -----------------------------------------------------------------------------------------

def test_after_the_maximum_tries_the_code_is_dead_even_from_other_sessions(app, ctx, monkeypatch) -> None:
    """An attacker who copies the pending session into several browsers shares one counter: the number's, for the
    address they all come from."""
    _fixed_codes(monkeypatch)
    make_household(phone="+33612340001")
    first = app.test_client()
    assert _ask_code(first, "0612340001").status_code == 303
    cookie = first.get_cookie("session").value
    tries = app.config["SIGNIN_WRONG_TRIES_PER_NUMBER_FROM_ONE_ADDRESS"]
    clients = [app.test_client() for _ in range(3)]
    for client in clients:
        client.set_cookie("session", cookie)
    for n in range(tries):
        assert _send_code(clients[n % 3], f"{n:06d}").status_code == 422
    for client in (*clients, first):
        response = _send_code(client, "123456")  # the right code, too late
        assert response.status_code == 422 and not _signed_in(client)
        assert "Trop d'essais avec ce numéro. Vous pourrez réessayer" in _soup(response).get_text()
    with app.app_context():
        assert db.session.scalars(select(SignInCode)).one().used_at is None


def test_codes_asked_beyond_the_per_number_limits_are_not_made(app, ctx) -> None:
    """Past the limits no code is made (none could reach the owner): asking again hands nobody a fresh code with
    fresh tries, and sends the owner no SMS."""
    make_household(phone="+33612340002")
    per_address = app.config["SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS"]
    for _n in range(per_address + 3):
        _ask_code(app.test_client(), "0612340002")
    with app.app_context():
        made = db.session.scalar(select(func.count()).select_from(SignInCode))
    assert made == per_address, f"{made} codes made from one address, at most {per_address} expected"


def test_a_code_asked_within_the_limit_still_works(app, ctx, monkeypatch) -> None:
    _fixed_codes(monkeypatch)
    make_household(phone="+33612340003")
    for _n in range(app.config["SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS"] - 1):
        _ask_code(app.test_client(), "0612340003")
    client = app.test_client()
    _ask_code(client, "0612340003")
    assert _send_code(client, "123456").status_code == 303 and _signed_in(client)


# --- rate limits answer with the 429 page ------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "limit", "lang"), [("/sign-in", "SIGNIN_REQUESTS_PER_ADDRESS", "ar"),
                                                      ("/sign-in/code", "SIGNIN_TRIES_PER_ADDRESS", "tr"),
                                                      ("/k/not-a-token", 30, "en"), ("/staff/login", 10, "fr")])
def test_too_many_tries_from_one_address_get_the_429_page(app, path: str, limit: int | str, lang: str) -> None:
    if isinstance(limit, str):  # "60 per hour" from the configuration
        limit = int(app.config[limit].removesuffix(" per hour"))
    limiter.reset()
    client = app.test_client()
    client.set_cookie("lang", lang)
    with client.session_transaction() as session:
        session["pending_phone"] = "+33612340009"
    token = csrf_token(_soup(client.get("/sign-in" if path.startswith("/k/") else path)))
    data = {"csrf_token": token, "phone": "0612000111", "code": "000000", "email": "x@example.org",
            "password": "wrong"}
    statuses = [client.post(path, data=data).status_code for _n in range(limit)]
    assert 429 not in statuses
    response = client.post(path, data=data)
    assert response.status_code == 429
    page = _soup(response)
    with app.test_request_context(), force_locale(lang):
        assert page.h1.get_text(strip=True) == _("Trop d'essais")
    assert page.html["lang"] == lang
    check_csp(response, path)
    limiter.reset()


# --- enumeration: households --------------------------------------------------------------------------------------

def test_known_and_unknown_numbers_get_byte_identical_pages(app, ctx) -> None:
    make_household(phone="+33612340004")
    pages = {}
    for kind, phone in (("known", "0612340004"), ("unknown", "0612349999")):
        client = app.test_client()
        asked = _ask_code(client, phone)
        code_page = client.get("/sign-in/code")
        wrong = _send_code(client, "000000")
        pages[kind] = [(r.status_code, r.headers.get("Location"), _without_token(r.get_data()))
                       for r in (asked, code_page, wrong)]
    assert pages["known"] == pages["unknown"]
    assert [status for status, _loc, _body in pages["known"]] == [303, 200, 422]


def test_known_and_unknown_numbers_take_the_same_time(app, ctx, monkeypatch) -> None:
    """20 numbers of each kind, interleaved; every known one really gets its SMS. Both answer after the same floor,
    so the medians differ by noise only, far less than half the floor."""
    floor = 0.15
    monkeypatch.setitem(app.config, "SIGNIN_MIN_RESPONSE_SECONDS", floor)
    numbers = {"known": [], "unknown": []}
    for n in range(20):
        make_household(phone=f"+3361235{n:04d}")
        numbers["known"].append(f"061235{n:04d}")
        numbers["unknown"].append(f"061236{n:04d}")
    durations: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(20):
        if n % 4 == 0:
            limiter.reset()  # 10 per hour per address: these are one person's tries, not an attack
        for kind in ("known", "unknown") if n % 2 else ("unknown", "known"):
            client = app.test_client()
            token = csrf_token(_soup(client.get("/sign-in")))
            started = time.perf_counter()
            response = client.post("/sign-in", data={"csrf_token": token, "phone": numbers[kind][n]})
            durations[kind].append(time.perf_counter() - started)
            assert response.status_code == 303
    limiter.reset()

    with app.app_context():
        assert len(db.session.scalars(select(SmsMessage)).all()) == 20
    assert min(durations["known"] + durations["unknown"]) >= floor
    gap = abs(statistics.median(durations["known"]) - statistics.median(durations["unknown"]))
    assert gap < floor / 2, f"medians differ by {gap:.3f} s: {durations}"


# --- enumeration and lockout: staff ---------------------------------------------------------------------------------

def _log_in(app: Flask, email: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = csrf_token(_soup(client.get("/staff/login")))
    started = time.perf_counter()
    response = client.post("/staff/login", data={"csrf_token": token, "email": email, "password": password})
    return response, time.perf_counter() - started


def _page(response, email: str) -> bytes:  # type: ignore[no-untyped-def]
    """The answer without what differs by construction: the CSRF token and the address typed back in the form."""
    return _without_token(response.get_data()).replace(email.encode(), b"EMAIL")


def test_unknown_address_wrong_password_and_locked_account_look_the_same(app, ctx) -> None:
    staff = make_staff(email="agent@example.org")
    unknown, _t = _log_in(app, "nobody@example.org", "wrong password")
    wrong, _t = _log_in(app, "agent@example.org", "wrong password")
    assert wrong.status_code == unknown.status_code == 422
    assert _page(wrong, "agent@example.org") == _page(unknown, "nobody@example.org")
    limiter.reset()
    for _n in range(app.config["STAFF_MAX_FAILED_LOGINS"]):
        _log_in(app, "agent@example.org", "wrong password")
    with app.app_context():
        assert db.session.get(StaffUser, staff.id).locked_until is not None
    locked, _t = _log_in(app, "agent@example.org", PASSWORD)  # the right password on a locked account
    assert locked.status_code == 422 and "Location" not in locked.headers
    assert _page(locked, "agent@example.org") == _page(unknown, "nobody@example.org")
    limiter.reset()


def test_unknown_address_and_wrong_password_take_the_same_time(app, ctx) -> None:
    """The unknown address is checked against a dummy argon2 hash: same work, so medians stay close (a shortcut
    that skipped the hash would answer about 100 times faster)."""
    make_staff(email="agent@example.org")
    durations: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(8):
        limiter.reset()
        for kind, email in (("known", "agent@example.org"), ("unknown", f"nobody{n}@example.org")):
            response, took = _log_in(app, email, "wrong password")
            assert response.status_code == 422
            durations[kind].append(took)
    limiter.reset()
    known, unknown = statistics.median(durations["known"]), statistics.median(durations["unknown"])
    assert 0.5 < known / unknown < 2, f"known {known:.3f} s, unknown {unknown:.3f} s"


def test_the_lock_lasts_its_time_then_the_right_password_works(app, ctx, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "STAFF_MAX_FAILED_LOGINS", 3)
    staff = make_staff(email="agent@example.org")
    for _n in range(2):
        _log_in(app, "agent@example.org", "wrong")
    with app.app_context():
        assert db.session.get(StaffUser, staff.id).locked_until is None
    _log_in(app, "agent@example.org", "wrong")
    assert _log_in(app, "agent@example.org", PASSWORD)[0].status_code == 422  # locked after the third
    with app.app_context():
        row = db.session.get(StaffUser, staff.id)
        assert row.locked_until is not None
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert _log_in(app, "agent@example.org", PASSWORD)[0].status_code == 303
    limiter.reset()


# --- session cookies ------------------------------------------------------------------------------------------------

def _cookie_flags(response, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            parts = [p.strip() for p in header.split(";")[1:]]
            return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}
    raise AssertionError(f"no {name} cookie set")


def _referer(page, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What a browser sends back to our own site when a form of `page` is posted, under the page's Referrer-Policy."""
    policy = page.headers.get("Referrer-Policy", "strict-origin-when-cross-origin")
    return {} if policy == "no-referrer" else {"Referer": url}


def _sign_ins(app: Flask, base_url: str) -> dict[str, object]:
    """The responses that start a household session (personal link) and a staff session (password), the forms
    posted as a browser would post them (behind TLS, flask-wtf also wants the Referer of our own page)."""
    household = make_household()
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id))
        db.session.commit()
    client = app.test_client()
    page = client.get(f"/k/{token}?lang=ar", base_url=base_url)
    assert page.status_code == 200, page.status_code
    household_answer = client.post(f"/k/{token}", data={"csrf_token": csrf_token(_soup(page))}, base_url=base_url,
                                   headers=_referer(page, f"{base_url}/k/{token}"))
    staff = make_staff()
    client = app.test_client()
    page = client.get("/staff/login", base_url=base_url)
    staff_answer = client.post("/staff/login", base_url=base_url, headers=_referer(page, f"{base_url}/staff/login"),
                               data={"csrf_token": csrf_token(_soup(page)), "email": staff.email,
                                     "password": PASSWORD})
    assert household_answer.status_code == staff_answer.status_code == 303
    return {"household": household_answer, "staff": staff_answer}


def test_session_cookies_are_httponly_and_samesite_lax(app, ctx) -> None:
    answers = _sign_ins(app, "http://localhost")
    for who in ("household", "staff"):
        flags = _cookie_flags(answers[who], "session")
        assert "httponly" in flags and flags["samesite"] == "Lax" and "secure" not in flags, (who, flags)
    with app.test_client() as client:
        flags = _cookie_flags(client.get("/?lang=ar"), "lang")
        assert "httponly" in flags and flags["samesite"] == "Lax"


def test_behind_tls_every_cookie_is_secure(app, database_url) -> None:
    settings = dict(vars(talisman))  # one Talisman for the process: the last app built sets its options
    secure = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "FORCE_HTTPS": True})
    factories.APP = secure
    try:
        answers = _sign_ins(secure, "https://localhost")
        for who in ("household", "staff"):
            flags = _cookie_flags(answers[who], "session")
            assert {"secure", "httponly"} <= flags.keys() and flags["samesite"] == "Lax", (who, flags)
            assert "max-age=" in answers[who].headers["Strict-Transport-Security"]
        flags = _cookie_flags(secure.test_client().get("/?lang=ar", base_url="https://localhost"), "lang")
        assert {"secure", "httponly"} <= flags.keys() and flags["samesite"] == "Lax"
        plain = secure.test_client().get("/", base_url="http://localhost")
        assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
    finally:
        factories.APP = app
        vars(talisman).clear()
        vars(talisman).update(settings)


def test_a_sign_in_starts_a_new_session(app, ctx) -> None:
    """No fixation: what an attacker planted in a session before the sign-in does not survive it."""
    household = make_household()
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id))
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "x"
        session[STAFF_KEY] = 1
        session["seen_at"] = int(time.time())
    page = client.get(f"/k/{token}")
    client.post(f"/k/{token}", data={"csrf_token": csrf_token(_soup(page))})
    with client.session_transaction() as session:
        assert session.get(HOUSEHOLD_KEY) == household.id
        assert "planted" not in session and STAFF_KEY not in session


@pytest.mark.parametrize("stale", ["household", "staff"])
def test_a_personal_link_works_on_a_phone_whose_old_session_went_idle(app, ctx, stale: str) -> None:
    """The old session ends while the link's page is drawn: the form on that page must still post (not a 400)."""
    household = make_household()
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id))
        db.session.commit()
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=24), tick=False):  # a session record of yesterday
        if stale == "staff":
            signed_in(client, staff_id=make_staff().id)
        else:
            signed_in(client, household_id=household.id)
    page = client.get(f"/k/{token}")
    response = client.post(f"/k/{token}", data={"csrf_token": csrf_token(_soup(page))})
    assert response.status_code == 303 and _signed_in(client)


# --- a stranger cannot lock the owner out ---------------------------------------------------------------------------

OWNER_NUMBER, OWNER_TYPED = "+33612340055", "06 12 34 00 55"
DAY_START = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # a Tuesday, 08:00 in Lille


class Browser:
    """One browser at one address: asks for codes and types them, as the sign-in pages are used."""

    def __init__(self, app: Flask, address: str) -> None:
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.token = csrf_token(_soup(self.client.get("/sign-in")))

    def ask(self, typed: str = OWNER_TYPED):  # type: ignore[no-untyped-def]
        response = self.client.post("/sign-in", data={"csrf_token": self.token, "phone": typed})
        assert response.status_code == 303, response.status_code
        return self.client.get("/sign-in/code")

    def type(self, code: str):  # type: ignore[no-untyped-def]
        return self.client.post("/sign-in/code", data={"csrf_token": self.token, "code": code})


def _codes_sent_to(app: Flask, number: str) -> list[str]:
    with app.app_context():
        bodies = db.session.scalars(select(SmsMessage.body).where(SmsMessage.to_number == number)
                                    .order_by(SmsMessage.id)).all()
    return [re.search(r"\b\d{6}\b", body).group(0) for body in bodies]


@pytest.fixture()
def even_codes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Codes drawn in order, all even: `_wrong(code)` and the strangers' "000000"/"999999" are never a live code."""
    drawn = iter(range(100000, 999998, 2))
    monkeypatch.setattr(signin, "new_code", lambda: str(next(drawn)))


def _wrong(code: str) -> str:
    return f"{int(code) + 1:06d}"


def test_a_code_stays_valid_whatever_a_stranger_asks_after_it(app, ctx, even_codes) -> None:
    """The reported bug: three requests by anyone made the code on the owner's phone "wrong or expired"."""
    make_household(phone=OWNER_NUMBER)
    owner = Browser(app, "192.0.2.10")
    owner.ask()
    code = _codes_sent_to(app, OWNER_NUMBER)[-1]
    for n in range(8):
        Browser(app, f"198.51.100.{n % 2 + 1}").ask()
    response = owner.type(code)
    assert response.status_code == 303 and _signed_in(owner.client), "the owner's code must still sign in"


def test_any_unexpired_unused_code_of_the_number_signs_in(app, ctx) -> None:
    make_household(phone=OWNER_NUMBER)
    owner = Browser(app, "192.0.2.10")
    owner.ask()
    owner.ask()  # "no SMS? ask for a new code": then the first SMS arrives after all
    first, second = _codes_sent_to(app, OWNER_NUMBER)
    assert owner.type(first).status_code == 303 and _signed_in(owner.client)
    again = Browser(app, "192.0.2.10")
    with again.client.session_transaction() as session:
        session["pending_phone"] = OWNER_NUMBER
    assert again.type(first).status_code == 422, "a code works once"
    assert again.type(second).status_code == 303, "the other code is still unused"


def test_past_the_limits_the_page_says_no_sms_went_the_same_for_known_and_unknown_numbers(app, ctx) -> None:
    """The truthful "no SMS was sent, ask again at HH:MM" reveals nothing: unknown numbers are counted alike."""
    make_household(phone="+33612340004")
    limit = app.config["SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS"]
    pages = {}
    with time_machine.travel(DAY_START, tick=False):
        for kind, typed in (("known", "0612340004"), ("unknown", "0612349999")):
            browser = Browser(app, "192.0.2.20")
            for _n in range(limit):
                browser.ask(typed)
            held = browser.ask(typed)
            wrong = browser.type("000000")
            pages[kind] = [(r.status_code, _without_token(r.get_data())) for r in (held, wrong)]
    assert pages["known"] == pages["unknown"], "a held answer must not tell a known number from an unknown one"
    text = BeautifulSoup(pages["known"][0][1], "html.parser").get_text(" ", strip=True)
    assert "Nous n'avons pas envoyé de nouveau SMS" in text and "demain à partir de 08:00" in text, text
    assert "Si ce numéro est connu, un SMS arrive" not in text, "no promise of an SMS that will not come"
    assert "lien personnel" in text


def test_a_strangers_wrong_guesses_from_two_addresses_do_not_spend_the_owners_tries(app, ctx, even_codes) -> None:
    make_household(phone=OWNER_NUMBER)
    owner = Browser(app, "192.0.2.10")
    owner.ask()
    code = _codes_sent_to(app, OWNER_NUMBER)[-1]
    for address in ("198.51.100.1", "198.51.100.2"):
        stranger = Browser(app, address)
        stranger.ask()
        answers = [stranger.type(_wrong(code)).status_code for _n in range(10)]
        assert answers == [422] * 10
        assert not _signed_in(stranger.client)
    assert owner.type(code).status_code == 303 and _signed_in(owner.client)


def test_wrong_tries_in_all_are_limited_per_number_whatever_the_addresses(app, ctx, even_codes) -> None:
    """Guessing from many addresses: at most SIGNIN_WRONG_TRIES_PER_NUMBER a window, then even the right code is
    refused, and the page says until when (the price: a stranger with that many addresses locks the owner out of
    codes for the window; the personal link still works)."""
    make_household(phone=OWNER_NUMBER)
    per_address = app.config["SIGNIN_WRONG_TRIES_PER_NUMBER_FROM_ONE_ADDRESS"]
    in_all = app.config["SIGNIN_WRONG_TRIES_PER_NUMBER"]
    owner = Browser(app, "192.0.2.10")
    owner.ask()
    code = _codes_sent_to(app, OWNER_NUMBER)[-1]
    with time_machine.travel(datetime.now(UTC), tick=False):
        for n in range(in_all // per_address):
            guesser = Browser(app, f"203.0.113.{n + 1}")
            guesser.ask()
            for _try in range(per_address):
                assert guesser.type(_wrong(code)).status_code == 422
        refused = owner.type(code)
    assert refused.status_code == 422 and not _signed_in(owner.client)
    assert "Trop d'essais avec ce numéro. Vous pourrez réessayer" in _soup(refused).get_text()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInTry)) == in_all


def test_a_stranger_sending_30_requests_an_hour_from_two_addresses_never_stops_the_owner(app, ctx, even_codes,
                                                                                         monkeypatch) -> None:
    """24 hours: every 2 minutes a stranger (two addresses in turn) asks a code for the owner's number and types a
    wrong one. Every 8 hours the owner asks a code from home, a stranger's request and guess land while the owner
    reads the SMS, and the owner types the code received: every one of the owner's sign-ins works."""
    monkeypatch.setitem(app.config, "SIGNIN_MIN_RESPONSE_SECONDS", 0)
    make_household(phone=OWNER_NUMBER)
    strangers = [Browser(app, "198.51.100.1"), Browser(app, "198.51.100.2")]
    owner_sign_ins, stranger_actions, stranger_sign_ins = [], 0, 0
    with time_machine.travel(DAY_START, tick=False) as clock:
        for minute in range(0, 24 * 60, 2):
            stranger = strangers[stranger_actions % 2]
            stranger.ask()
            answer = stranger.type("000000" if stranger_actions % 3 else "999999")
            stranger_sign_ins += answer.status_code == 303
            stranger_actions += 1
            if minute % (8 * 60) == 30:  # 08:30, 16:30, 00:30 in Lille
                owner = Browser(app, "192.0.2.10")
                owner.ask()
                code = _codes_sent_to(app, OWNER_NUMBER)[-1]
                clock.shift(timedelta(seconds=40))
                strangers[0].ask()
                strangers[1].type(_wrong(code))
                clock.shift(timedelta(seconds=40))
                response = owner.type(code)
                owner_sign_ins.append(response.status_code == 303 and _signed_in(owner.client))
                clock.shift(timedelta(seconds=-80))
            clock.shift(timedelta(minutes=2))
    sms = len(_codes_sent_to(app, OWNER_NUMBER))
    print(f"\nstranger: {stranger_actions} code requests and {stranger_actions + len(owner_sign_ins)} wrong codes "
          f"in 24 h from 2 addresses; owner: {sum(owner_sign_ins)} of {len(owner_sign_ins)} sign-ins worked; "
          f"SMS to the owner's phone: {sms}")
    assert stranger_actions == 720 and stranger_sign_ins == 0
    assert owner_sign_ins == [True] * 3, f"the owner was stopped: {owner_sign_ins}"
    per_address = app.config["SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS"]
    assert sms == 3 * per_address, f"{sms} SMS: 2 stranger addresses and the owner's, {per_address} each at most"

"""CSRF on every route that changes something, with the app's CSRF protection on (as in production).

Every rule taking POST/PUT/PATCH/DELETE, tried by someone allowed to use it (ACCESS in test_authz_matrix.py):
without a token, with another session's token, or with a made-up one, the answer is 400 — the app's own error page
in the person's language — and nothing changed. The signed Twilio webhooks take no CSRF token: they refuse
unsigned requests instead (403, for everyone: see the matrix). A GET on a route that only takes POST is a 405 page
that changes nothing either (every GET route, run by every role, is checked the same way in the matrix).
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from guide.core.extensions import csrf
from guide.core.i18n import LANGUAGES
from tests.security.test_authz_matrix import (
    ACCESS,
    OK,
    POST_DATA,
    ROLES,
    WEBHOOK,
    _as,
    _rules,
    _url,
    _world,
    check_csp,
    expected,
    snapshot,
)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SIGNED_WEBHOOKS = {rule for rule, access in ACCESS.items() if access is WEBHOOK}
# forms on pages cached for every reader (guide/core/page_cache.py) carry no token: the browser's Sec-Fetch-Site /
# Origin / Referer must say the request comes from this site (guide/core/security.same_origin_request)
ORIGIN_CHECKED = {"/feedback"}


def _changing_rules(app: Flask) -> list:
    return [r for r in _rules(app) if r.methods & STATE_CHANGING]


def _expired_form_title(app: Flask, lang: str) -> str:
    with app.test_request_context(), force_locale(lang):
        return _("Le formulaire a expiré")


def _someone_allowed(rule: str) -> str:
    """A person allowed to use the route (so only the missing token stands between the request and a change)."""
    return next(role for role in ROLES if expected(rule, role, "POST") == OK)


def test_every_state_changing_route_refuses_a_missing_or_foreign_token(app, ctx) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True), "the test app checks CSRF tokens, as in production"
    world = _world(app)
    ids, people = world["ids"], world["people"]
    before = snapshot(app)
    languages = list(LANGUAGES)
    tried = 0
    for n, rule in enumerate(r for r in _changing_rules(app) if r.rule not in SIGNED_WEBHOOKS | ORIGIN_CHECKED):
        assert rule.methods & STATE_CHANGING <= {"POST"}, f"{rule.rule}: only POST is expected to change things"
        role = _someone_allowed(rule.rule)
        person = people[role]
        url = _url(app, rule, ids, role)
        lang = languages[n % len(languages)]
        title = _expired_form_title(app, lang)
        data = POST_DATA.get(rule.endpoint, {})
        foreign = people["household B" if role == "anonymous" else "anonymous"].token  # valid for another session
        for token in (None, foreign, "not-a-token", person.token + "x"):
            client = _as(app, person)
            client.set_cookie("lang", lang)
            sent = {**data} if token is None else {**data, "csrf_token": token}
            response = client.post(url, data=sent)
            what = f"{role} POST {url} with token {token!r:.20}"
            assert response.status_code == 400, f"{what}: {response.status_code}"
            page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            assert page.html["lang"] == lang and page.html["dir"] == LANGUAGES[lang].direction, what
            assert page.h1.get_text(strip=True) == title, f"{what}: {page.h1}"
            check_csp(response, what)
            tried += 1
        assert snapshot(app) == before, f"{rule.rule}: a refused request changed something"
    assert tried >= 4 * 40


def test_origin_checked_routes_refuse_another_site_and_change_nothing(app, ctx) -> None:
    before = snapshot(app)
    for rule in ORIGIN_CHECKED:
        endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)
        for lang in LANGUAGES:
            for headers in ({}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"},
                            {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"}):
                client = app.test_client()
                client.set_cookie("lang", lang)
                response = client.post(rule, data=POST_DATA.get(endpoint, {}), headers=headers)
                what = f"POST {rule} [{lang}] with {headers}"
                assert response.status_code == 403, f"{what}: {response.status_code}"
                page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
                assert page.html["lang"] == lang, what
                check_csp(response, what)
    assert snapshot(app) == before, "a request from another site changed something"


def test_the_signed_webhooks_are_the_only_routes_without_a_token(app) -> None:
    """What flask-wtf was told to leave alone: the two Twilio webhooks, which check a signature instead, and the
    origin-checked forms of cached pages."""

    exempt = {f"{view}" for view in csrf._exempt_views} | set(csrf._exempt_blueprints)
    exempt_rules = {r.rule for r in app.url_map.iter_rules()
                    if f"{app.view_functions[r.endpoint].__module__}.{app.view_functions[r.endpoint].__name__}"
                    in exempt or r.endpoint.split(".")[0] in exempt}
    assert SIGNED_WEBHOOKS == {"/sms/inbound", "/sms/status"}
    assert exempt_rules == SIGNED_WEBHOOKS | ORIGIN_CHECKED


def test_a_get_on_a_post_only_route_is_refused_and_changes_nothing(app, ctx) -> None:
    world = _world(app)
    ids, people = world["ids"], world["people"]
    before = snapshot(app)
    post_only = [r for r in _changing_rules(app) if "GET" not in r.methods]
    for rule in post_only:
        for role in ("anonymous", "household A", "admin"):
            response = _as(app, people[role]).get(_url(app, rule, ids, role))
            assert response.status_code == 405, f"{role} GET {rule.rule}: {response.status_code}"
            check_csp(response, rule.rule)
    assert len(post_only) > 20 and snapshot(app) == before


def test_a_body_over_the_limit_gets_the_413_page_and_changes_nothing(app, ctx) -> None:
    world = _world(app)
    person = world["people"]["household A"]
    before = snapshot(app)
    client = _as(app, person)
    client.set_cookie("lang", "pt")
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/my/mediation", data={"csrf_token": person.token, "what_happened": big.decode()})
    assert response.status_code == 413
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    with app.test_request_context(), force_locale("pt"):
        assert page.html["lang"] == "pt" and page.h1.get_text(strip=True) == _("Fichier trop gros")
    check_csp(response, "413")
    assert snapshot(app) == before

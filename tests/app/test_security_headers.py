"""Security headers on every kind of response."""

from __future__ import annotations

import pytest

from tests.app.test_household_home import sign_in_as
from tests.factories import make_household, make_staff
from tests.security.helpers import signed_in_as_staff


@pytest.mark.parametrize("url", ["/", "/journey/visit", "/flows/proposal", "/nope"])
def test_security_headers(client, url: str) -> None:
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"  # tests/security/test_signin_attacks.py says why
    assert headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_in_pages(client) -> None:
    body = client.get("/journey/visit").get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    assert "onclick" not in body


def test_static_assets_are_served_by_the_app_and_compressed(client) -> None:
    for url in ("/static/vendor/htmx-2.0.11.min.js", "/static/css/site.css", "/journey/visit"):
        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == "br", url


def test_health_endpoint_checks_the_database(client) -> None:
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["outbox"] == "ok", health


def test_pages_of_a_signed_in_household_are_not_kept_in_the_browser_cache(client, app, ctx) -> None:
    """A shared phone: after "not my phone", the back button must not bring the household's file back."""

    assert "no-store" not in client.get("/journey/visit").headers.get("Cache-Control", "")
    sign_in_as(client, app, make_household())
    for url in ("/my", "/journey/visit"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store", url
    static = client.get("/static/css/site.css").headers.get("Cache-Control", "")
    assert "no-store" not in static, "static files are not personal: they stay cacheable"


def test_staff_pages_are_not_kept_in_the_browser_cache(client, app, ctx) -> None:
    signed_in_as_staff(client, make_staff().id)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"

"""Anonymous guide pages rendered once and served as stored, compressed bytes (guide/core/page_cache.py): the same
bytes as a fresh render, cacheable by a proxy (Cache-Control, ETag, 304, Vary), never a signed-in page, no
per-reader secret in them, and a new content version renders again."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request, request_started

from guide.core.content import ContentStore
from guide.core.page_cache import PageCache
from tests.factories import make_household, signed_in

GZIP = {"Accept-Encoding": "gzip"}
PAGES = ["/", "/journey", "/journey/visit", "/pages", "/pages/costs", "/glossary", "/flows", "/flows/proposal"]


def cache(app: Flask) -> PageCache:
    return app.extensions["page_cache"]


@pytest.fixture()
def flask_calls(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests that reached Flask (a page served from the cache does not)."""
    calls: list[str] = []

    def started(_sender: Flask, **_extra: object) -> None:
        calls.append(request.path)

    request_started.connect(started, app)
    yield calls
    request_started.disconnect(started, app)


def html(response) -> str:  # type: ignore[no-untyped-def]
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode()


@pytest.mark.parametrize("path", PAGES)
def test_the_stored_page_is_the_fresh_render(app, client, flask_calls, path) -> None:  # type: ignore[no-untyped-def]
    first = client.get(path, headers=GZIP)
    second = client.get(path, headers=GZIP)
    assert first.status_code == second.status_code == 200
    assert flask_calls == [path], f"the second request should not reach Flask: {flask_calls}"
    assert second.headers["Content-Encoding"] == "gzip" and second.get_data() == first.get_data()
    assert dict(second.headers) == dict(first.headers), "the stored answer keeps every header the app set"
    app.config["PAGE_CACHE"] = False
    try:
        fresh = client.get(path, headers=GZIP)
    finally:
        app.config["PAGE_CACHE"] = True
    assert html(fresh) == html(second), "the stored page differs from what Flask renders now"
    assert fresh.headers["ETag"] == second.headers["ETag"]


def test_a_guide_page_can_be_kept_by_a_proxy_and_revalidated(app, client, flask_calls) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/journey/visit", headers=GZIP)
    assert page.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    vary = {v.strip().lower() for v in page.headers["Vary"].split(",")}
    assert {"cookie", "accept-language", "accept-encoding"} <= vary, f"Vary: {page.headers['Vary']}"
    etag = page.headers["ETag"]
    assert etag.startswith('"') and etag.endswith(':gzip"'), f"a strong ETag per encoding: {etag}"
    again = client.get("/journey/visit", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"", "from the cache: 304 without a body"
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"].startswith("public")
    assert client.get("/journey/visit", headers={**GZIP, "If-None-Match": '"other:gzip"'}).status_code == 200
    app.config["PAGE_CACHE"] = False
    try:
        fresh = client.get("/journey/visit", headers={**GZIP, "If-None-Match": etag})
    finally:
        app.config["PAGE_CACHE"] = True
    assert fresh.status_code == 304, "Flask itself answers 304 to the same ETag"
    plain = client.get("/journey/visit")
    assert "Content-Encoding" not in plain.headers and plain.headers["ETag"] != etag, "each encoding its own ETag"


@pytest.mark.parametrize(("headers", "lang"), [
    ({"Accept-Language": "ar,fr;q=0.5"}, "ar"),
    ({"lang cookie": "tr", "Accept-Language": "ar"}, "tr"),  # the remembered choice wins
    ({"Accept-Language": "de"}, "fr"),
    ({"Accept-Language": "pt-BR,pt;q=0.9"}, "pt"),
])
def test_each_language_its_own_page(app, client, headers, lang) -> None:  # type: ignore[no-untyped-def]
    client.get("/journey/visit", headers=GZIP)  # French stored first
    headers = dict(headers)
    if "lang cookie" in headers:
        client.set_cookie("lang", headers.pop("lang cookie"))
    for _ in range(2):  # rendered, then from the cache
        page = html(client.get("/journey/visit", headers={**GZIP, **headers}))
        assert f'<html lang="{lang}"' in page, f"{headers} should give {lang}"


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_pages_carry_no_token_nor_nonce(client, path) -> None:  # type: ignore[no-untyped-def]
    page = html(client.get(path)).lower()
    assert "csrf" not in page and "nonce" not in page, f"{path} carries a per-reader secret"


def test_stage_pages_load_no_htmx(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client.get("/journey/visit"))
    assert 'action="/feedback"' in page and "htmx" not in page.replace("htmx-config", ""), "htmx is not needed here"


def test_a_signed_in_page_is_neither_public_nor_kept(app, client, ctx) -> None:  # type: ignore[no-untyped-def]
    household = make_household()
    signed_in(client, household_id=household.id)
    for _ in range(2):
        page = client.get("/journey/visit", headers=GZIP)
        assert page.headers["Cache-Control"] == "private, no-store" and "ETag" not in page.headers
    assert "session-bar" in html(page)
    assert not cache(app).entries, "a signed-in person's page was stored"
    client.delete_cookie("session")
    assert "session-bar" not in html(client.get("/journey/visit", headers=GZIP))


def test_a_page_with_a_flashed_message_is_not_kept(app, client) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Vous êtes sorti.")]
    page = client.get("/journey/visit", headers=GZIP)
    assert "public" not in page.headers.get("Cache-Control", "") and "ETag" not in page.headers
    assert not cache(app).entries


def test_choosing_a_language_in_the_address_is_not_served_from_the_cache(app, client, flask_calls) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        page = client.get("/journey/visit?lang=ar", headers=GZIP)
        assert "lang=ar" in page.headers.get("Set-Cookie", ""), "the choice is remembered each time"
        assert "public" not in page.headers.get("Cache-Control", ""), "a proxy must not keep a Set-Cookie"
        client.delete_cookie("lang")
    assert flask_calls == ["/journey/visit", "/journey/visit"]


def test_a_new_content_version_renders_again(app, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = client.get("/journey/visit", headers=GZIP)
    content = tmp_path / "content"
    shutil.copytree(app.config["CONTENT_DIR"], content)
    stage = content / "fr" / "stages" / "visit.md"
    stage.write_text(stage.read_text().replace("title:", "title: Nouveau titre —", 1))
    original = app.extensions["content"]
    app.extensions["content"] = ContentStore.load(app.config["LANGUAGES"], content)
    try:
        after = client.get("/journey/visit", headers=GZIP)
    finally:
        app.extensions["content"] = original
    assert "Nouveau titre" in html(after) and "Nouveau titre" not in html(before)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/journey/visit", headers=GZIP).get_data() == before.get_data(), "back to the first version"


def test_the_cache_keeps_a_bounded_number_of_pages(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("guide.core.page_cache.MAX_ENTRIES", 3)
    for rank in range(1, 6):
        assert client.get(f"/flows/proposal?rank={rank}").status_code == 200
    assert len(cache(app).entries) == 3

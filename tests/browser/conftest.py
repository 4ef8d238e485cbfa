"""Real Chromium through Playwright at phone size, against the app served on a local port."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("GUIDE_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium' (bin/test does)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (lazy: ~0.25 s, only when a browser test runs)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_phone(browser, live_server: str, lang: str | None = None, javascript: bool = True):
    """A fresh phone-sized context (own cookies); the language chosen as a household would, by the menu."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  java_script_enabled=javascript, base_url=live_server)
    page = context.new_page()
    if lang:
        page.goto(f"/language/{lang}?next=/")
    return context, page


@pytest.fixture()
def phone(browser, live_server):
    contexts = []

    def make(lang: str | None = None, javascript: bool = True):
        context, page = new_phone(browser, live_server, lang, javascript)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def phone_ctx(phone):
    """The `phone` fixture, named for tests that also use the `ctx` factories fixture."""
    return phone


def sign_in_household(page, app, household_id: int, target: str = "/my"):
    """The household's way in: its personal link, as sent by SMS, then the link page's one button."""
    from guide.core.extensions import db  # noqa: PLC0415  (the app is built by then)
    from guide.features.signin import service as signin  # noqa: PLC0415
    from guide.models import Household  # noqa: PLC0415

    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household_id), target=target)
        db.session.commit()
    page.goto(f"/k/{token}")
    click_through(page.locator("main form button[type=submit]"))
    return page


def sign_in_staff(page, email: str, password: str):
    """A staff member's way in: the sign-in form."""
    page.goto("/staff/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    click_through(page.locator("form button[type=submit]"))
    assert page.url.endswith("/staff/"), f"staff sign-in failed for {email}: {page.url}"
    return page


def click_through(locator):
    """Click what opens another page, and return once that page is parsed. A click returns when its navigation
    commits (the response's headers are in): `count()` and other reads that do not wait would still see a page
    half parsed, or the page before, on a busy machine. Every click in these tests that may open a page (a link, a
    submit button) goes through here; a plain `.click()` is left only where nothing is loaded (a label, a summary,
    a button handled by a script)."""
    locator.click()
    locator.page.wait_for_load_state()
    return locator.page

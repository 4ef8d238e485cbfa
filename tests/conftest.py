"""Shared fixtures: an app on SQLite (default) or PostgreSQL (GUIDE_TEST_DATABASE_URL), schema from migrations.

Under pytest-xdist (`-n 3`) each worker process has its own of everything the tests share: its own SQLite file (in
its own temporary folder), its own PostgreSQL database (`<database>_gw0`, ...: GUIDE_TEST_DATABASE_URL is rewritten
in the worker, made if missing, emptied at start), its own Redis database (GUIDE_TEST_REDIS_URL's number plus the
worker's), and ports asked of the system (port 0). `--only-database-tests` keeps the tests that use the database
(bin/test's PostgreSQL pass): the others run the same whatever the database, once is enough.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import flask_migrate
import pytest
import sqlalchemy as sa
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from guide import create_app
from guide.core.extensions import db, limiter
from guide.core.i18n import LANGUAGES
from tests import factories

ALL_LANGUAGES = list(LANGUAGES)


# "gw0", "gw1", ... in a pytest-xdist worker (set before this file is imported); None in a run without workers
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
REDIS_DATABASES = 16  # Redis's default number of databases (0-15)


def _psycopg(url: sa.URL) -> sa.URL:
    return url.set(drivername="postgresql+psycopg")


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(_psycopg(sa.make_url(url)))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _create_postgres_database(url: str, maintenance: str) -> None:
    """Makes the worker's database when it does not exist yet, connected to the one the run was given."""
    name = sa.make_url(url).database
    admin = sa.create_engine(_psycopg(sa.make_url(maintenance)), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
                return
            try:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            except sa.exc.ProgrammingError as error:  # two runs making it at once: the other one did
                if "already exists" not in str(error):
                    raise
    finally:
        admin.dispose()


def _worker_urls(worker: str) -> None:
    """Points this worker's GUIDE_TEST_DATABASE_URL and GUIDE_TEST_REDIS_URL at databases of its own. Rewritten in
    the environment, so a test (or a module constant) reading them, and a process it starts, finds the worker's."""
    index = int(worker.removeprefix("gw"))
    url = os.environ.get("GUIDE_TEST_DATABASE_URL")
    if url:
        os.environ["GUIDE_TEST_DATABASE_URL_SHARED"] = url  # the one given: where the workers' ones are made
        base = sa.make_url(url)
        os.environ["GUIDE_TEST_DATABASE_URL"] = base.set(database=f"{base.database}_{worker}").render_as_string(
            hide_password=False)
    redis_url = urlsplit(os.environ.get("GUIDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    number = int(redis_url.path.strip("/") or 0) + index
    if number >= REDIS_DATABASES:
        raise pytest.UsageError(f"worker {worker} would use Redis database {number}: Redis has {REDIS_DATABASES} "
                                "(0-15). Use fewer workers or a lower number in GUIDE_TEST_REDIS_URL.")
    os.environ["GUIDE_TEST_REDIS_URL"] = urlunsplit(redis_url._replace(path=f"/{number}"))


_TEST_CLOCK: list = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--only-database-tests", action="store_true",
                     help="run only the tests that use the database (the `database_url` fixture, through `app`, "
                          "`client`, `ctx`, ...): bin/test's second pass, on PostgreSQL")


@pytest.hookimpl(trylast=True)  # after the folders' own hooks, which may mark tests too
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test uses the database when `database_url` is among its fixtures (`app` asks for it, and so everything
    built on `app`); `@pytest.mark.database` says so for a test that reaches it another way."""
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)
    if not config.getoption("--only-database-tests"):
        return
    kept = [item for item in items if item.get_closest_marker("database")]
    deselected = [item for item in items if not item.get_closest_marker("database")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    if WORKER:
        _worker_urls(WORKER)
    _start_clock()


def _start_clock() -> None:
    """GUIDE_TEST_CLOCK=2027-06-15T10:00+02:00 runs the whole suite, collection included, as if it were then (the
    clock runs on from there): a test that only passes before some date shows up long before that date comes.
    Unset, the real clock. (Processes the tests start, gunicorn and dispatchers, keep the real clock.)"""
    when = os.environ.get("GUIDE_TEST_CLOCK")
    if when:
        traveller = time_machine.travel(when, tick=True)
        traveller.start()
        _TEST_CLOCK.append(traveller)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _TEST_CLOCK:
        _TEST_CLOCK.pop().stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("GUIDE_TEST_DATABASE_URL")
    if url:
        if WORKER:
            _create_postgres_database(url, os.environ["GUIDE_TEST_DATABASE_URL_SHARED"])
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "PUBLIC_BASE_URL": "http://localhost",
               "SIGNIN_MIN_RESPONSE_SECONDS": 0.05}


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with empty tables (the schema stays, built once by the migrations)."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    limiter.reset()
    app.extensions["page_cache"].clear()  # pages stored by one test are not served to the next
    app.extensions["personal_pages"].clear()
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def ctx(app: Flask) -> None:
    """Lets the factories (tests/factories.py) write to this app's database."""

    factories.APP = app


class Statements:
    """The SQL statements the engine sends, in order, whitespace collapsed (the `statements` fixture)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.seen.append(" ".join(statement.split()))


@pytest.fixture()
def statements(app: Flask) -> Iterator[Statements]:
    """Records every statement sent to the app's database while the test runs."""
    recorder = Statements()
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", recorder)
    yield recorder
    sa.event.remove(engine, "before_cursor_execute", recorder)


@dataclass
class Page:
    status: int
    soup: BeautifulSoup
    response: object

    def text(self, selector: str) -> str:
        found = self.soup.select_one(selector)
        assert found is not None, f"no element matches {selector!r}"
        return " ".join(found.get_text(" ").split())


def check_page(soup: BeautifulSoup, lang: str) -> None:
    """What every HTML page must hold: a title, the right lang/dir, unique ids, forms with an action, one h1."""
    html = soup.find("html")
    assert html is not None
    assert html.get("lang") == lang
    assert html.get("dir") == LANGUAGES[lang].direction
    title = soup.find("title")
    assert title is not None and title.get_text(strip=True), "page has no title"
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in soup.find_all("form"):
        assert form.get("action"), "a form has no action"
    assert len(soup.find_all("h1")) == 1, "a page needs exactly one h1"
    for label in soup.find_all("label"):
        target = label.get("for")
        assert target and soup.find(id=target), f"label for {target!r} points nowhere"


def get_page(client: FlaskClient, url: str, lang: str = "fr", status: int = 200, **kwargs) -> Page:
    """Fetch a page in a language (explicit choice) and run the common checks."""
    sep = "&" if "?" in url else "?"
    response = client.get(f"{url}{sep}lang={lang}", **kwargs)
    assert response.status_code == status, f"{url} [{lang}] gave {response.status_code}"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    check_page(soup, lang)
    return Page(response.status_code, soup, response)


def csrf_token(soup: BeautifulSoup) -> str:
    field = soup.find("input", attrs={"name": "csrf_token"})
    assert field is not None, "no CSRF token in the form"
    return str(field["value"])


def visible_text(soup: BeautifulSoup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" "))

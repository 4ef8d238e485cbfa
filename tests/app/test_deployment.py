"""Deployment: forwarded headers trusted only from the configured proxy, online backups, logs without personal data."""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator

import click
import flask_migrate
import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask, request, url_for
from flask_limiter.util import get_remote_address

from guide import create_app
from guide.cli import backup_database
from guide.core.extensions import db, limiter
from guide.core.logs import JsonHandler, configure_json_logging, mask_number
from guide.messaging import outbox
from guide.models import Household
from tests.conftest import TEST_CONFIG
from tests.factories import make_household
from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio, Fault
from tests.sms.conftest import CLOCK, MONDAY_10

DATABASE_KIND = "postgresql" if os.environ.get("GUIDE_TEST_DATABASE_URL") else "sqlite"


# -- behind a reverse proxy ------------------------------------------------------------------------------------

def _proxied_app(database_url: str, hops: int, **config: object) -> Flask:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "PROXY_HOPS": hops, **config})

    @app.route("/_whoami")
    def whoami() -> dict[str, str]:
        return {"remote_addr": request.remote_addr or "", "limiter_key": get_remote_address(),
                "external": url_for("whoami", _external=True)}

    @app.route("/_limited")
    @limiter.limit("2 per minute")
    def limited() -> str:
        return "ok"

    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "guide.example.org"}


def test_without_a_configured_proxy_forwarded_headers_are_ignored(app, database_url) -> None:
    assert app.config["PROXY_HOPS"] == 0, "the default trusts no forwarded header"
    client = _proxied_app(database_url, 0).test_client()
    seen = client.get("/_whoami", headers=FORWARDED, environ_base={"REMOTE_ADDR": "198.51.100.1"}).get_json()
    assert seen == {"remote_addr": "198.51.100.1", "limiter_key": "198.51.100.1",
                    "external": "http://localhost/_whoami"}


def test_behind_one_proxy_its_forwarded_headers_are_used(app, database_url) -> None:
    client = _proxied_app(database_url, 1).test_client()
    headers = {**FORWARDED, "X-Forwarded-For": "192.0.2.66, 203.0.113.7"}  # a client-forged value, then the proxy's
    seen = client.get("/_whoami", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_json()
    assert seen == {"remote_addr": "203.0.113.7", "limiter_key": "203.0.113.7",
                    "external": "https://guide.example.org/_whoami"}


def test_a_client_cannot_dodge_the_rate_limit_with_a_forwarded_header(app, database_url) -> None:
    direct = _proxied_app(database_url, 0).test_client()
    codes = [direct.get("/_limited", headers={"X-Forwarded-For": f"192.0.2.{n}"},
                        environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code for n in range(3)]
    assert codes == [200, 200, 429]
    limiter.reset()
    proxied = _proxied_app(database_url, 1).test_client()
    codes = [proxied.get("/_limited", headers={"X-Forwarded-For": f"192.0.2.{n}"},
                         environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code for n in range(3)]
    assert codes == [200, 200, 200], "behind the proxy each client has its own counter"


@pytest.fixture()
def https_app(database_url: str) -> Iterator[Callable[[int], Flask]]:
    """Apps with GUIDE_FORCE_HTTPS=true. flask-talisman is one object that keeps the settings of the app made last:
    an app with the test settings is made again afterwards, so the next tests are not redirected to https."""
    yield lambda hops: _proxied_app(database_url, hops, FORCE_HTTPS=True)
    create_app({**TEST_CONFIG, "DATABASE_URL": database_url})


def test_with_forced_https_and_no_proxy_a_forged_forwarded_scheme_still_gets_the_redirect(https_app) -> None:
    client = https_app(0).test_client()
    for forged in ({"X-Forwarded-Proto": "https"}, {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"},
                   {"Forwarded": "proto=https"}, FORWARDED):
        response = client.get("/pages/costs", headers=forged)
        assert response.status_code in (301, 302), f"{forged}: the page was served over plain HTTP"
        assert response.headers["Location"] == "https://localhost/pages/costs", response.headers["Location"]
        assert "Strict-Transport-Security" not in response.headers, "HSTS over plain HTTP"
    assert client.get("/pages/costs", base_url="https://localhost").status_code == 200, "over TLS the page is served"


def test_with_forced_https_behind_one_proxy_only_the_proxys_scheme_counts(https_app) -> None:
    client = https_app(1).test_client()
    served = client.get("/pages/costs", headers={"X-Forwarded-Proto": "https"})
    assert served.status_code == 200 and served.headers["Strict-Transport-Security"].startswith("max-age=")
    # a client wrote https, the proxy appended what it really saw: http
    forged = client.get("/pages/costs", headers={"X-Forwarded-Proto": "https, http"})
    assert forged.status_code in (301, 302) and forged.headers["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in forged.headers


def test_forwarded_headers_do_not_reach_the_views(app, database_url) -> None:
    """Whatever ProxyFix does not take is gone before any view or extension could read it."""
    for hops in (0, 1):
        test_app = _proxied_app(database_url, hops)

        @test_app.route("/_headers")
        def headers() -> dict[str, list[str]]:
            return {"forwarded": sorted(k for k in request.headers.keys() if "forward" in k.lower())}

        seen = test_app.test_client().get("/_headers", headers={**FORWARDED, "Forwarded": "for=192.0.2.1"})
        assert seen.get_json() == {"forwarded": []}, (hops, seen.get_json())


# -- Server-Timing only when asked -------------------------------------------------------------------------------

def test_server_timing_is_sent_only_when_switched_on(app, client) -> None:
    assert app.config["SERVER_TIMING"] is False, "off by default"
    assert "Server-Timing" not in client.get("/journey/visit").headers
    app.config["SERVER_TIMING"] = True
    try:
        timing = client.get("/journey/visit").headers.get("Server-Timing", "")
    finally:
        app.config["SERVER_TIMING"] = False
    assert timing.startswith("app;dur="), timing


# -- backups ---------------------------------------------------------------------------------------------------

def _names(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.text("SELECT display_name FROM household ORDER BY id")).scalars())


@pytest.mark.parametrize("kind", [DATABASE_KIND])  # one test, on the database the suite runs on
def test_a_backup_taken_while_the_app_writes_restores_the_committed_rows(kind, app, ctx, tmp_path) -> None:
    with app.app_context():
        make_household(display_name="Famille Martin")
        make_household(display_name="Famille Haddad")
        assert db.engine.dialect.name == kind
    target = tmp_path / "backups" / "guide.backup"
    with app.app_context(), db.engine.connect() as writer:
        writer.begin()  # another connection holds a write transaction open during the backup
        writer.execute(sa.update(Household.__table__).values(display_name="Pas encore validé"))
        if kind == "sqlite":  # the write lock is really held: no other writer gets in
            probe = sqlite3.connect(db.engine.url.database, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                probe.execute("BEGIN IMMEDIATE")
            probe.close()
        outcome = app.test_cli_runner().invoke(args=["backup", str(target)])
        writer.rollback()
    assert outcome.exit_code == 0, outcome.output
    assert f"{kind} backup written to" in outcome.output
    assert not target.with_name(target.name + ".partial").exists()
    if kind == "sqlite":
        copy = sqlite3.connect(target)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert [row[0] for row in copy.execute("SELECT display_name FROM household ORDER BY id")] == [
                "Famille Martin", "Famille Haddad"]
        finally:
            copy.close()
        return
    # PostgreSQL: the documented restore, into a scratch database beside the test one
    url = sa.engine.make_url(os.environ["GUIDE_TEST_DATABASE_URL"])
    scratch = f"{url.database}_restore"
    assert scratch != "test"
    admin = sa.create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    restored_url = url.set(drivername="postgresql", database=scratch)
    try:
        done = subprocess.run(["pg_restore", "--clean", "--if-exists", "-d",
                               restored_url.render_as_string(hide_password=False), str(target)],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        restored = sa.create_engine(restored_url.set(drivername="postgresql+psycopg"))
        with restored.connect() as conn:
            assert _names(conn) == ["Famille Martin", "Famille Haddad"]
            assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        restored.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        admin.dispose()


def test_without_pg_dump_the_backup_says_so(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("guide.core.maintenance.shutil.which", lambda _name: None)
    with pytest.raises(click.ClickException, match="pg_dump not found"):
        backup_database("postgresql+psycopg://guide:secret@127.0.0.1/guide", tmp_path / "dump")
    assert not list(tmp_path.iterdir())


def test_an_in_memory_database_cannot_be_backed_up(tmp_path) -> None:
    with pytest.raises(click.ClickException, match="in-memory"):
        backup_database("sqlite:///:memory:", tmp_path / "copy.sqlite3")


# -- structured logs without personal data ---------------------------------------------------------------------

@pytest.fixture()
def json_logs() -> Iterator[io.StringIO]:
    loggers = [logging.getLogger(name) for name in ("guide", "flask-limiter")]
    saved = [(list(logger.handlers), logger.level, logger.propagate) for logger in loggers]
    handler = configure_json_logging()
    stream = io.StringIO()
    handler.setStream(stream)
    yield stream
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_rate_limit_storage_failures_are_logged_as_json_without_the_limit_key(database_url, json_logs) -> None:
    """Redis gone: the fallback to per-process counters is an operational fact ops must see in the same stream;
    the line Flask-Limiter writes on each refusal names the key (an IP address here) and stays out."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
                      "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
                      "SIGNIN_REQUESTS_PER_ADDRESS": "10 per hour"})
    client = app.test_client()
    try:
        statuses = [client.post("/sign-in", data={"phone": "not a number"},
                                environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for _ in range(12)]
    finally:
        # the limiter is one object: the app made last gives it its storage; give it back the in-memory one
        create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    assert 500 not in statuses and statuses[-1] == 429, statuses  # limited per process meanwhile
    logging.getLogger("flask-limiter").info("ratelimit 10 per 1 minute (198.51.100.7) exceeded at endpoint: x")
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    fallback = [line for line in lines if line["logger"] == "flask-limiter" and "falling back" in line["message"]]
    assert fallback and fallback[0]["level"] == "WARNING"
    assert "198.51.100.7" not in json_logs.getvalue()


def test_json_logs_are_one_object_per_line_with_the_request_id(app, json_logs) -> None:
    log = logging.getLogger("guide.test")
    with app.test_request_context("/", headers={"X-Request-ID": "b7f3c2a9e1d04f6a"}):
        log.info("plan %s updated", 42)
    log.warning("outside a request")
    with app.test_request_context("/", headers={"X-Request-ID": "not an id <script>"}):
        log.error("forged id")
    first, second, third = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    assert first["message"] == "plan 42 updated" and first["level"] == "INFO" and first["logger"] == "guide.test"
    assert first["request_id"] == "b7f3c2a9e1d04f6a" and first["time"].endswith("+00:00")
    assert "request_id" not in second and second["level"] == "WARNING"
    assert "request_id" not in third


def test_json_logging_is_switched_on_by_the_setting(database_url) -> None:
    logger = logging.getLogger("guide")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    try:
        create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "LOG_JSON": True})
        create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "LOG_JSON": True})
        assert sum(isinstance(h, JsonHandler) for h in logger.handlers) == 1, "one handler, however many apps"
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])
        logger.propagate = saved[2]


def test_phone_numbers_are_masked() -> None:
    assert mask_number("+33612345678") == "+33******78"
    assert mask_number("+212612345678") == "+21******78"
    assert mask_number("") == "" and mask_number("1234") == "******"


@pytest.fixture()
def twilio_app(app: Flask, database_url: str) -> Iterator[tuple[Flask, FakeTwilio]]:
    with FakeTwilio() as fake:
        sms_app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "SMS_BACKEND": "twilio",
                              "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
                              "TWILIO_FROM": "+33700000000", "TWILIO_API_URL": fake.base_url})
        with sms_app.app_context():
            flask_migrate.upgrade()
        # alembic's env.py (logging.config.fileConfig) disables the loggers that exist when migrations run in-process
        for name in ("guide", "guide.messaging", "guide.messaging.twilio_http", "twilio.http_client"):
            logging.getLogger(name).disabled = False
        yield sms_app, fake


def test_dispatched_sms_leave_no_number_or_text_in_the_logs(twilio_app, caplog) -> None:
    sms_app, fake = twilio_app
    # our loggers and the SDK's at their most talkative (urllib3's own DEBUG request lines, off in production,
    # are the HTTP library's business: the deployment logs at INFO)
    caplog.set_level(logging.INFO)
    for name in ("guide", "twilio"):
        caplog.set_level(logging.DEBUG, logger=name)
    numbers = ["+33612345678", "+33698765412", "+33655500011"]
    bodies = ["Votre code de connexion : 482913", "Rendez-vous mardi 14 h au 3 rue Pasteur",
              "Famille Haddad, votre visite est confirmée"]
    fake.inject(Fault.lost(), Fault.permanent(21211))  # a lookup after a lost answer, a refused number, a send
    with time_machine.travel(CLOCK, tick=True), sms_app.app_context():  # queued before MONDAY_10, whatever the date
        for number, body in zip(numbers, bodies, strict=True):
            outbox.enqueue(number, "test", body)
        db.session.commit()
        result = outbox.dispatch_once(now=MONDAY_10)
    assert (result.reconciled, result.failed, result.sent) == (1, 1, 1)
    assert any(r.name.startswith("guide") for r in caplog.records), "dispatching is logged"
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    for number in numbers:
        assert number not in logged and number[1:] not in logged
        assert mask_number(number) in logged
    for body in bodies:
        assert body not in logged
    for secret in ("482913", "Pasteur", "Haddad"):
        assert secret not in logged

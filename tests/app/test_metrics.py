"""/metrics (guide/core/metrics.py) for the operator only, with what the issue asks: request latency by route, the
outbox by status and its oldest sendable message, SMS by final status and Twilio error code, sign-in failures and
limits hit, job runs; /healthz says whether the outbox is stuck; under gunicorn the workers' counts add up."""

from __future__ import annotations

import re
import tempfile
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from bench._server import gunicorn_process
from guide import jobs
from guide.core.extensions import db
from guide.models import SmsMessage
from tests.app.test_staff import log_in
from tests.factories import make_staff

TOKEN = "scrape-me-" + "x" * 20


@pytest.fixture()
def metrics_on(app):
    app.config["METRICS_TOKEN"] = TOKEN
    yield
    app.config["METRICS_TOKEN"] = None


def _scrape(client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def _value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` (labels in any order), 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
            if all(found.get(key) == value for key, value in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def _sms(to: str, status: str, minutes_ago: int, kind: str = "sign_in_code", **values) -> dict:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"to_number": to, "kind": kind, "body": "Votre code : 123456", "status": status, "segments": 1,
            "encoding": "GSM-7", "send_after": at, "created_at": at, "attempts": 0, **values}


def test_metrics_are_off_without_a_token_and_refused_without_the_right_one(app, client) -> None:
    assert client.get("/metrics").status_code == 404, "no token configured: the route does not exist"
    app.config["METRICS_TOKEN"] = TOKEN
    try:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    finally:
        app.config["METRICS_TOKEN"] = None


def test_what_the_metrics_show(app, client, ctx, metrics_on) -> None:
    before = _scrape(client)
    client.get("/healthz")
    client.get("/")
    staff = make_staff()
    log_in(client, staff, password="not the password at all")
    with app.app_context():
        db.session.execute(insert(SmsMessage), [
            _sms("+33611111111", "queued", 30), _sms("+33622222222", "queued", 1),
            _sms("+33633333333", "failed", 60, error_code="21211"), _sms("+33644444444", "sent", 10,
                                                                            provider_id="SM1",
                                                                            sent_at=datetime.now(UTC))])
        db.session.commit()
        db.session.remove()
    jobs.run_job(app, "optimize")
    text = _scrape(client)
    assert _value(text, "guide_http_request_duration_seconds_count", endpoint="guide.public.healthz",
                  method="GET") >= 1 + _value(before, "guide_http_request_duration_seconds_count",
                                              endpoint="guide.public.healthz", method="GET"), "latency by route"
    assert _value(text, "guide_signin_failures_total", kind="staff_password") >= 1 + _value(
        before, "guide_signin_failures_total", kind="staff_password"), "a wrong staff password is counted"
    assert _value(text, "guide_outbox_messages", status="queued") == 2
    assert 29 * 60 <= _value(text, "guide_outbox_oldest_due_seconds") <= 40 * 60, "the oldest sendable: 30 min"
    assert _value(text, "guide_sms_last_24h", status="failed", error_code="21211") == 1, "by Twilio error code"
    assert _value(text, "guide_sms_last_24h", status="sent", error_code="") == 1
    assert _value(text, "guide_job_runs_total", job="optimize", outcome="ok") >= 1
    assert "/k/" not in text and "+336" not in text, "no link token nor phone number in a label"


def test_pages_answered_from_the_page_cache_are_counted_by_their_route(app, client, metrics_on) -> None:
    """Anonymous guide pages are mostly answered from memory, outside Flask (core/page_cache.py): the latency by
    route must count those answers too, or the operator sees a handful of requests where thousands were served."""
    reader = app.test_client()
    count = {"endpoint": "guide.public.page", "method": "GET"}
    before = _value(_scrape(client), "guide_http_request_duration_seconds_count", **count)
    for _ in range(3):
        assert reader.get("/pages/proposals").status_code == 200
    cache = app.extensions["page_cache"]
    assert any(entry.endpoint == "guide.public.page" for entry in cache.entries.values()), "the page was not cached"
    after = _value(_scrape(client), "guide_http_request_duration_seconds_count", **count)
    assert after - before == 3, f"3 readings of a cached page counted as {after - before}"


def test_healthz_says_when_the_outbox_is_stuck(app, client) -> None:
    with app.app_context():  # a code waits for 30 minutes and nothing went out: no dispatcher is running
        db.session.execute(insert(SmsMessage), [_sms("+33611111111", "queued", 30)])
        db.session.commit()
        db.session.remove()
    health = client.get("/healthz")
    assert health.status_code == 200, "the web process itself is fine"
    assert health.get_json()["outbox"] == "stuck" and health.get_json()["outbox_oldest_due_seconds"] >= 1800
    with app.app_context():  # a dispatcher is working through a backlog: behind, not stuck
        db.session.execute(insert(SmsMessage), [_sms("+33622222222", "sent", 31, provider_id="SM2",
                                                     sent_at=datetime.now(UTC) - timedelta(minutes=1))])
        db.session.commit()
        db.session.remove()
    assert client.get("/healthz").get_json()["outbox"] == "ok"


def test_under_gunicorn_the_workers_counts_add_up(database_url) -> None:
    """2 gunicorn workers in multi-process mode: the requests served by either are all in one scrape."""
    with tempfile.TemporaryDirectory() as directory, gunicorn_process(
            workers=2, threads=1, database_url=database_url,
            extra_env={"PROMETHEUS_MULTIPROC_DIR": directory, "GUIDE_METRICS_TOKEN": TOKEN}) as (base, _process):
        hits = 40
        for _ in range(hits):
            urllib.request.urlopen(base + "/healthz", timeout=10).read()  # a new connection each: both workers
        request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        text = urllib.request.urlopen(request, timeout=10).read().decode()
    served = _value(text, "guide_http_request_duration_seconds_count", endpoint="guide.public.healthz",
                    method="GET")
    assert served >= hits, f"{served} of {hits} requests counted: the workers' files were not added up"

"""An app wired to a local fake Twilio server through the real SDK (the only fake: the far end of the network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import flask_migrate
import pytest
import time_machine
from flask import Flask

from guide import create_app
from guide.messaging import outbox
from tests.conftest import TEST_CONFIG
from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Monday, inside the sending hours
# The wall clock of every SMS test: the Friday before MONDAY_10, at 13:00 in Paris. The dates written in these tests
# (a Sunday in quiet hours, an appointment next Thursday, a deadline) stay ahead of "now" whatever the day they run:
# a message queued "now" is due at each of them, so "nothing was sent" means the rule held, not that the date passed.
CLOCK = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def sms_clock() -> Iterator[time_machine.Coordinates]:
    """The clock starts at CLOCK and runs on (tick): timeouts and backoffs behave as in real life."""
    with time_machine.travel(CLOCK, tick=True) as traveller:
        yield traveller


@pytest.fixture()
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture()
def sms_app(app: Flask, database_url: str, fake: FakeTwilio) -> Iterator[Flask]:
    """Same database as `app` (cleaned after each test), SMS through Twilio's SDK to the fake."""
    sms_app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "SMS_BACKEND": "twilio",
                          "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
                          "TWILIO_FROM": "+33700000000", "TWILIO_API_URL": fake.base_url,
                          "PUBLIC_BASE_URL": "http://localhost"})
    with sms_app.app_context():
        flask_migrate.upgrade()
    yield sms_app


def drain(now: datetime | None = None) -> int:
    """Dispatch rounds until one claims nothing, as `flask sms dispatch --once`; how many SMS went out. (A round
    sends at most one SMS per number: two due to one number go in two rounds.)"""

    sent = 0
    while (result := outbox.dispatch_once(now=now)).claimed:
        sent += result.sent
    return sent

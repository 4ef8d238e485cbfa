"""An app wired to a local fake Twilio server through the real SDK (the only fake: the far end of the network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import flask_migrate
import pytest
from flask import Flask

from guide import create_app
from tests.conftest import TEST_CONFIG
from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Monday, inside the sending hours


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

"""Writing outgoing SMS in the caller's transaction; the `log` backend prints them at once for development."""

from __future__ import annotations

import logging

from flask import current_app

from guide.extensions import db
from guide.models import SmsMessage

log = logging.getLogger("guide.sms")


def enqueue(to_number: str, kind: str, body: str, household_id: int | None = None) -> SmsMessage:
    """Add an SMS to the outbox in the current transaction (committed with the change that causes it)."""
    message = SmsMessage(household_id=household_id, to_number=to_number, kind=kind, body=body)
    db.session.add(message)
    if current_app.config["SMS_BACKEND"] == "log":
        message.status = "logged"
        log.warning("SMS to %s [%s]: %s", to_number, kind, body)
        print(f"[SMS to {to_number}] {body}", flush=True)  # noqa: T201 - the log backend's whole job
    return message

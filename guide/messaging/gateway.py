"""Sending SMS: the official Twilio SDK in production, a `log` gateway for development.

The SDK's API address can be overridden (GUIDE_TWILIO_API_URL) so the test suite talks real HTTP to a local fake
Twilio server; nothing else in the code knows about it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import Flask

log = logging.getLogger("guide.messaging")
# the SDK logs each request at INFO, lookups with the phone number in the query string: only its warnings go out
_sdk_log = logging.getLogger("guide.messaging.twilio_http")
_sdk_log.setLevel(logging.WARNING)

# Twilio error codes that no retry can fix (https://www.twilio.com/docs/api/errors)
PERMANENT_CODES = {21211, 21212, 21408, 21610, 21612, 21614, 21606, 21617, 30004, 30005, 30006}
UNSUBSCRIBED = 21610


class SendError(Exception):
    """A send that did not go through. `permanent`: never retry; `unknown`: the outcome is not known."""

    def __init__(self, message: str, code: int | None = None, permanent: bool = False, unknown: bool = False):
        super().__init__(message)
        self.code, self.permanent, self.unknown = code, permanent, unknown


@dataclass(frozen=True)
class Sent:
    provider_id: str
    status: str


class Gateway(Protocol):
    def send(self, to: str, body: str, status_callback: str | None) -> Sent: ...

    def lookup(self, to: str, body: str, since: datetime) -> list[Sent]: ...


class LogGateway:
    """Development: print the SMS; every send succeeds."""

    def __init__(self) -> None:
        self.counter = 0

    def send(self, to: str, body: str, status_callback: str | None) -> Sent:
        self.counter += 1
        log.warning("SMS to %s: %s", to, body)
        return Sent(f"LOG{self.counter:08d}", "sent")

    def lookup(self, to: str, body: str, since: datetime) -> list[Sent]:
        return []


class TwilioGateway:
    """The official SDK. Either a Messaging Service SID, or a sender (number or alphanumeric ID)."""

    def __init__(self, account_sid: str, auth_token: str, sender: str | None = None,
                 messaging_service_sid: str | None = None, api_url: str | None = None, connections: int = 10) -> None:
        # lazy: the Twilio SDK (~0.1 s to import) loads only where the twilio backend runs, not with `log`
        from requests.adapters import HTTPAdapter  # noqa: PLC0415
        from twilio.http.http_client import TwilioHttpClient  # noqa: PLC0415
        from twilio.rest import Client  # noqa: PLC0415

        http = TwilioHttpClient(timeout=10, logger=_sdk_log)
        if http.session is not None:  # one kept-alive connection per concurrent send (SMS_SENDERS), none dropped
            http.session.mount("https://", HTTPAdapter(pool_maxsize=max(10, connections)))
        self.client = Client(account_sid, auth_token, http_client=http)
        if api_url:  # the SDK rebuilds each URL from api.base_url; edge/region would rewrite the host
            self.client.edge = None
            self.client.region = None
            self.client.api.base_url = api_url.rstrip("/")
        self.sender, self.messaging_service_sid = sender, messaging_service_sid

    def send(self, to: str, body: str, status_callback: str | None) -> Sent:
        import requests  # noqa: PLC0415  (lazy: the Twilio SDK's own HTTP library, as above)
        from twilio.base.exceptions import TwilioException, TwilioRestException  # noqa: PLC0415

        kwargs: dict[str, str] = {"to": to, "body": body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.sender or ""
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as error:
            code = int(error.code) if error.code else None
            if code in PERMANENT_CODES or (400 <= error.status < 500 and error.status != 429):
                raise SendError(str(error.msg), code, permanent=True) from error
            raise SendError(str(error.msg), code) from error  # 429 and 5xx: Twilio answered, nothing was sent
        except (requests.exceptions.RequestException, TwilioException, OSError) as error:
            raise SendError(str(error), unknown=True) from error  # no answer: it may have been accepted
        return Sent(message.sid, message.status or "queued")

    def lookup(self, to: str, body: str, since: datetime) -> list[Sent]:
        """The messages Twilio accepted to `to` with exactly this text since `since` (give or take a minute of clock
        difference), newest first. Which of them belongs to which outbox row is the outbox's decision."""
        import requests  # noqa: PLC0415  (lazy: the Twilio SDK, as above)
        from twilio.base.exceptions import TwilioException  # noqa: PLC0415

        try:
            recent = self.client.messages.list(to=to, limit=50)  # newest first; a queued one has no DateSent
        except (requests.exceptions.RequestException, TwilioException, OSError) as error:
            raise SendError(f"lookup failed: {error}", unknown=True) from error
        return [Sent(message.sid, message.status or "queued") for message in recent
                if message.body == body and (message.date_created is None
                                             or message.date_created >= since - timedelta(minutes=1))]


def make_gateway(app: Flask) -> Gateway:
    config = app.config
    if config["SMS_BACKEND"] == "twilio":
        return TwilioGateway(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                             sender=config.get("TWILIO_FROM"),
                             messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
                             api_url=config.get("TWILIO_API_URL"), connections=config["SMS_SENDERS"])
    return LogGateway()

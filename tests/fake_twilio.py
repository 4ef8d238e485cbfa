"""A local fake of Twilio's Messages API (2010-04-01) that the REAL `twilio` SDK talks to over HTTP.

Only the far end of the network is fake: tests build a genuine `twilio.rest.Client` with `make_client(base_url)`
and every request goes through the SDK's own `TwilioHttpClient` (requests) to this server on 127.0.0.1.

How the SDK is pointed elsewhere (read from twilio 9.x source):

* `twilio/rest/api/ApiBase.py`: the `Api` domain is a `twilio.base.domain.Domain` built with the public attribute
  `base_url = "https://api.twilio.com"`. `Domain.absolute_url()` reads `self.base_url` on *every* request
  (`"{}/{}".format(self.base_url.strip("/"), uri.strip("/"))`), and `Version` / `Page.next_page_url` go through it,
  so `client.api.base_url = "http://127.0.0.1:PORT"` re-targets create, fetch, list and pagination. `client.api` is
  created once and cached by the `Client`, so setting it once is enough.
* `twilio/base/client_base.py` `get_hostname()`: when `client.edge` / `client.region` are set (constructor args or the
  TWILIO_EDGE / TWILIO_REGION environment variables) the host is rewritten as product.edge.region.twilio.com, which
  would mangle "127.0.0.1:PORT". `make_client` clears both. (Passing `environment={}` does not help: the constructor
  does `environment or os.environ`, so an empty mapping falls back to the real environment.)
* `Client(..., http_client=...)` accepts any `twilio.http.HttpClient`; `TwilioHttpClient(timeout=...)` exposes its
  `requests.Session` as `.session`. `make_client` sets `session.trust_env = False` so an HTTP(S)_PROXY in the
  environment cannot divert calls to 127.0.0.1, and a small subclass refuses any URL outside `base_url`, so a test
  can never reach the real Twilio by accident (e.g. another domain such as messaging.twilio.com).

Production code only needs the first two points:

    client = Client(account_sid, auth_token)
    client.edge = client.region = None
    client.api.base_url = settings["GUIDE_TWILIO_API_URL"]   # e.g. "https://api.twilio.com"

Fault injection (`inject`, `fail_randomly`, `fail_to`) reproduces what the SDK sees from the real service:
an HTTP error with Twilio's error JSON (-> `TwilioRestException` with `.status` and `.code`), or a connection closed
or reset without a response (-> `requests.exceptions.ConnectionError`, not wrapped by the SDK), or a reply slower
than the client's timeout (-> `requests.exceptions.ReadTimeout`).
"""

from __future__ import annotations

import base64
import json
import random
import re
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "test"
API_VERSION = "2010-04-01"


# --------------------------------------------------------------------------------------------------------------------
# The real SDK client, pointed at the fake


class _PinnedHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, refusing any URL that is not under `base_url` (no real Twilio call from tests)."""

    def __init__(self, base_url: str, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        if self.session is not None:
            self.session.trust_env = False  # no proxy / netrc from the environment between the SDK and the fake

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if url != self.base_url and not url.startswith(self.base_url + "/"):
            raise RuntimeError(f"SDK request to {url!r} is outside the fake Twilio at {self.base_url!r}")
        return super().request(method, url, *args, **kwargs)


def make_client(
    base_url: str,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    auth_token: str = DEFAULT_AUTH_TOKEN,
    *,
    timeout: float | None = 5.0,
) -> Client:
    """A real `twilio.rest.Client` whose requests all go to `base_url` (e.g. `FakeTwilio.base_url`)."""
    base_url = base_url.rstrip("/")
    client = Client(account_sid, auth_token, http_client=_PinnedHttpClient(base_url, timeout))
    client.edge = None  # get_hostname() would otherwise rewrite the host from TWILIO_EDGE / TWILIO_REGION
    client.region = None
    client.api.base_url = base_url  # Domain.absolute_url() reads it on every request
    return client


# --------------------------------------------------------------------------------------------------------------------
# Faults


@dataclass(frozen=True)
class Fault:
    """One injected failure.

    kind: "http" (status + Twilio error JSON), "drop" (close without a response), "reset" (TCP RST without a response),
    "lost" (message stored as accepted, then the connection is closed before the response), "delay" (sleep `delay`
    seconds, then answer normally: a client with a shorter timeout sees a ReadTimeout, the message is stored).
    """

    kind: str
    status: int | None = None
    code: int | None = None
    message: str | None = None
    retry_after: int | None = None
    delay: float = 0.0

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        code, message = _SERVER_ERRORS.get(status, (20500, "An internal server error has occurred"))
        return cls("http", status=status, code=code, message=message)

    @classmethod
    def rate_limited(cls, retry_after: int | None = None) -> Fault:
        return cls("http", status=429, code=20429, message="Too Many Requests", retry_after=retry_after)

    @classmethod
    def permanent(cls, code: int, message: str | None = None) -> Fault:
        """A 400 Twilio error such as 21211 (invalid To), 21610 (unsubscribed), 21614 (not a mobile number)."""
        return cls("http", status=400, code=code, message=message)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")

    @classmethod
    def reset(cls) -> Fault:
        return cls("reset")

    @classmethod
    def lost(cls) -> Fault:
        return cls("lost")

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls("delay", delay=delay)

    @property
    def label(self) -> str:
        return str(self.status) if self.kind == "http" else self.kind


_SERVER_ERRORS = {
    500: (20500, "An internal server error has occurred"),
    502: (20502, "Bad Gateway"),
    503: (20503, "Service is unavailable. Please try again"),
    504: (20504, "Gateway Timeout"),
}

_PERMANENT_MESSAGES = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21602: "Message body is required.",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}

INVALID_TO = Fault.permanent(21211)
UNSUBSCRIBED = Fault.permanent(21610)
NOT_MOBILE = Fault.permanent(21614)
SERVER_ERROR = Fault.server_error(500)
SERVICE_UNAVAILABLE = Fault.server_error(503)
TOO_MANY_REQUESTS = Fault.rate_limited()
DROPPED = Fault.drop()
RESET = Fault.reset()
LOST_AFTER_ACCEPTANCE = Fault.lost()

#: The default mix for `fail_randomly`: 5xx, 429 and connection errors.
TRANSIENT_MIX: tuple[Fault, ...] = (SERVER_ERROR, SERVICE_UNAVAILABLE, TOO_MANY_REQUESTS, DROPPED, RESET)

#: Which requests a fault applies to: "create" (POST Messages.json), "fetch", "list", or "any".
MATCHES = ("create", "fetch", "list", "any")


# --------------------------------------------------------------------------------------------------------------------
# Records


@dataclass
class RecordedRequest:
    method: str
    path: str
    endpoint: str  # "create" | "fetch" | "list" | "other"
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    authenticated: bool
    fault: str | None = None  # Fault.label when one was applied
    status: int | None = None  # HTTP status sent, None when the connection was closed without a response
    message_sid: str | None = None  # set when the request stored a message


@dataclass(frozen=True)
class StatusCallback:
    """A Twilio status callback ready to send: `url`, `form` fields and `headers` (with X-Twilio-Signature)."""

    url: str
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class _Message:
    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    messaging_service_sid: str | None
    status_callback: str | None
    status: str
    created: datetime
    updated: datetime
    sent: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    form: dict[str, str] = field(default_factory=dict)

    def resource(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": _rfc2822(self.created),
            "date_sent": _rfc2822(self.sent) if self.sent else None,
            "date_updated": _rfc2822(self.updated),
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(num_segments(self.body)),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {
                "media": uri.removesuffix(".json") + "/Media.json",
                "feedback": uri.removesuffix(".json") + "/Feedback.json",
            },
            "to": self.to,
            "uri": uri,
        }


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC))  # "Thu, 24 Aug 2023 05:01:45 +0000", as Twilio writes dates


_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def num_segments(body: str) -> int:
    """SMS segments as Twilio counts them: GSM-7 (160, or 153 per part) unless a character needs UCS-2 (70 / 67)."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in body):
        units, single, multi = sum(2 if c in _GSM7_EXTENDED else 1 for c in body), 160, 153
    else:
        units, single, multi = sum(2 if ord(c) > 0xFFFF else 1 for c in body), 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


# --------------------------------------------------------------------------------------------------------------------
# What Twilio posts to the incoming-message webhook

# Twilio's default keywords (twilio.com/docs/messaging/tutorials/advanced-opt-out; support article 223134027): a
# message that is one of them (one word, any case, spaces around it ignored) makes Twilio block, unblock or answer
# the number, and Twilio still forwards it to the webhook; with Advanced Opt-Out on the Messaging Service, the
# forwarded request carries OptOutType (STOP, START or HELP). A deployment may add keywords of its own there.
DEFAULT_KEYWORDS = {
    "STOP": ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
    "START": ("START", "YES", "UNSTOP"),
    "HELP": ("HELP", "INFO"),
}


def inbound_form(body: str, from_: str, to: str, sid: str, account_sid: str = DEFAULT_ACCOUNT_SID, *,
                 advanced_opt_out: bool = False,
                 keywords: dict[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS; OptOutType when Advanced Opt-Out is on and the body is a keyword
    (`keywords`: the Messaging Service's lists, Twilio's defaults unless given)."""
    form = {"MessageSid": sid, "SmsSid": "", "AccountSid": account_sid, "From": from_, "To": to, "Body": body,
            "NumMedia": "0", "NumSegments": str(num_segments(body))}
    if advanced_opt_out:
        word = body.strip().upper()
        for kind, words in (keywords or DEFAULT_KEYWORDS).items():
            if word in words:
                form["OptOutType"] = kind
    return form


_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json$")
_MESSAGE = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json$")


def _error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _parse_date_filter(value: str) -> datetime | date:
    value = value.strip()
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date_matches(moment: datetime, op: str, bound: datetime | date) -> bool:
    left: datetime | date = moment.astimezone(UTC)
    if not isinstance(bound, datetime):
        left = left.date()
    if op == ">":
        return left >= bound
    if op == "<":
        return left <= bound
    return left == bound


# --------------------------------------------------------------------------------------------------------------------
# The server


class FakeTwilio:
    """A threaded HTTP server on 127.0.0.1 answering like Twilio's Messages API; use as a context manager.

    with FakeTwilio() as fake:
        client = make_client(fake.base_url)
        client.messages.create(to="+33612345678", from_="+33700000000", body="Hi")
        assert fake.accepted()[0]["to"] == "+33612345678"
    """

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        clock: Callable[[], datetime] | None = None,
        service_from: str = "+15005550006",
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock or (lambda: datetime.now(UTC))
        self.service_from = service_from  # the sender a Messaging Service picks, shown once the message is sent
        self._lock = threading.RLock()
        self._messages: dict[str, _Message] = {}
        self._requests: list[RecordedRequest] = []
        self._faults: deque[tuple[Fault, str]] = deque()
        self._fail_to: dict[str, Fault] = {}
        self._random: tuple[float, random.Random, tuple[Fault, ...], str] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._meeting = threading.Condition()
        self._meeting_plan: tuple[int, float, float] | None = None  # (count, deadline, longest single hold)
        self._in_flight = 0
        self.met = False

    # -- lifecycle ---------------------------------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTwilio is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs: Any) -> Client:
        """A real SDK client for this fake with its credentials (kwargs go to `make_client`)."""
        kwargs.setdefault("account_sid", self.account_sid)
        kwargs.setdefault("auth_token", self.auth_token)
        return make_client(self.base_url, **kwargs)

    # -- fault control -----------------------------------------------------------------------------------------------

    def inject(self, *faults: Fault, match: str = "create") -> None:
        """Queue faults: each is used once, in order, by the next request of kind `match` (see MATCHES)."""
        if match not in MATCHES:
            raise ValueError(f"match must be one of {MATCHES}")
        with self._lock:
            self._faults.extend((fault, match) for fault in faults)

    def fail_randomly(
        self, rate: float, *, seed: int, mix: Iterable[Fault] = TRANSIENT_MIX, match: str = "create"
    ) -> None:
        """Fail `rate` (0..1) of the matching requests with a fault drawn from `mix`, reproducibly from `seed`.

        Queued faults (`inject`) take precedence. `fail_randomly(0, seed=...)` or `clear_faults()` stops it.
        """
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        if match not in MATCHES:
            raise ValueError(f"match must be one of {MATCHES}")
        mix = tuple(mix)
        if not mix:
            raise ValueError("mix must not be empty")
        with self._lock:
            self._random = (rate, random.Random(seed), mix, match) if rate else None

    def hold_until_concurrent(self, count: int = 2, *, within: float = 45.0, each: float = 8.0) -> None:
        """Hold each message creation until `count` of them are in flight at once, then stop holding (`met`).

        A client that sends one message at a time (each dispatcher does) has one in flight at most, so `count`
        at once proves `count` clients send at the same time, whenever each starts. A hold lasts at most `each`
        seconds (below the SDK's 10 s read timeout: the request is then answered normally) and holding stops
        `within` seconds after this call, met or not.
        """
        with self._meeting:
            self._meeting_plan = (count, time.monotonic() + within, each)
            self.met = False

    def _meet(self) -> None:
        with self._meeting:
            if self._meeting_plan is None or self.met:
                return
            count, deadline, each = self._meeting_plan
            self._in_flight += 1
            try:
                if self._in_flight >= count:
                    self.met = True
                    self._meeting.notify_all()
                    return
                self._meeting.wait_for(lambda: self.met, timeout=max(0.0, min(each, deadline - time.monotonic())))
            finally:
                self._in_flight -= 1

    def fail_to(self, to: str, fault: Fault) -> None:
        """Answer every message creation to `to` with `fault` (e.g. UNSUBSCRIBED), until `clear_faults()`."""
        with self._lock:
            self._fail_to[to] = fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._fail_to.clear()
            self._random = None

    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return [fault for fault, _ in self._faults]

    def reset(self) -> None:
        """Forget messages, requests and faults."""
        with self._lock:
            self._messages.clear()
            self._requests.clear()
            self.clear_faults()

    def _next_fault(self, endpoint: str, to: str | None) -> Fault | None:
        with self._lock:
            for i, (fault, match) in enumerate(self._faults):
                if match in ("any", endpoint):
                    del self._faults[i]
                    return fault
            if endpoint == "create" and to in self._fail_to:
                return self._fail_to[to]
            if self._random is not None:
                rate, rng, mix, match = self._random
                if match in ("any", endpoint) and rng.random() < rate:
                    return rng.choice(mix)
            return None

    # -- inspection --------------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def accepted(self) -> list[dict[str, Any]]:
        """Stored messages (Twilio JSON resources), oldest first."""
        with self._lock:
            return [message.resource() for message in self._messages.values()]

    def message(self, sid: str) -> dict[str, Any]:
        with self._lock:
            return self._messages[sid].resource()

    # -- status callbacks --------------------------------------------------------------------------------------------

    def build_status_callback(
        self, sid: str, status: str, *, error_code: int | None = None, url: str | None = None
    ) -> StatusCallback:
        """Move message `sid` to `status` and return the signed callback Twilio would POST (without sending it).

        Useful with Flask's test client: `client.post(cb.url, data=cb.form, headers=cb.headers)`.
        """
        with self._lock:
            message = self._messages[sid]
            target = url or message.status_callback
            if not target:
                raise ValueError(f"message {sid} was sent without a StatusCallback and no url was given")
            now = self.clock()
            message.status = status
            message.updated = now
            if status in ("sent", "delivered", "undelivered", "failed", "read") and message.sent is None:
                message.sent = now
            if message.from_ is None and status not in ("accepted", "queued", "scheduled", "canceled"):
                message.from_ = self.service_from
            if error_code is not None:
                message.error_code = error_code
                message.error_message = None
            form = {
                "AccountSid": message.account_sid,
                "ApiVersion": API_VERSION,
                "MessageSid": message.sid,
                "MessageStatus": status,
                "SmsSid": message.sid,
                "SmsStatus": status,
                "To": message.to,
            }
            if message.from_:
                form["From"] = message.from_
            if message.messaging_service_sid:
                form["MessagingServiceSid"] = message.messaging_service_sid
            if error_code is not None:
                form["ErrorCode"] = str(error_code)
        signature = RequestValidator(self.auth_token).compute_signature(target, form)
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": "TwilioProxy/1.1",
        }
        return StatusCallback(url=target, form=form, headers=headers)

    def send_status_callback(
        self,
        sid: str,
        status: str,
        *,
        error_code: int | None = None,
        url: str | None = None,
        timeout: float = 5.0,
    ) -> tuple[int, bytes]:
        """POST a signed Twilio status callback to the message's StatusCallback URL; returns (status, body)."""
        callback = self.build_status_callback(sid, status, error_code=error_code, url=url)
        data = urllib.parse.urlencode(callback.form).encode()
        request = urllib.request.Request(callback.url, data=data, headers=callback.headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    # -- request handling (called from server threads) ---------------------------------------------------------------

    def _authenticated(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.account_sid and password == self.auth_token

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(record)

    def _create(self, account: str, form: dict[str, str]) -> tuple[int, dict[str, Any], str | None]:
        to = form.get("To", "")
        sender = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        body = form.get("Body", "")
        if not _E164.match(to):
            return 400, _error_body(400, 21211, _PERMANENT_MESSAGES[21211].format(to=to)), None
        if not sender and not service:
            return 400, _error_body(400, 21603, _PERMANENT_MESSAGES[21603]), None
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            return 400, _error_body(400, 21602, _PERMANENT_MESSAGES[21602]), None
        now = self.clock()
        message = _Message(
            sid="SM" + uuid.uuid4().hex,
            account_sid=account,
            to=to,
            from_=sender,
            body=body,
            messaging_service_sid=service,
            status_callback=form.get("StatusCallback") or None,
            status="queued" if sender else "accepted",  # Twilio answers "accepted" when a Messaging Service picks
            created=now,
            updated=now,
            form=dict(form),
        )
        with self._lock:
            self._messages[message.sid] = message
        return 201, message.resource(), message.sid

    def _fetch(self, account: str, sid: str, path: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            message = self._messages.get(sid)
            if message is None or message.account_sid != account:
                return 404, _error_body(404, 20404, f"The requested resource {path} was not found")
            return 200, message.resource()

    def _list(self, account: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            filters = [
                (op, _parse_date_filter(query[key]))
                for key, op in (("DateSent", "="), ("DateSent>", ">"), ("DateSent<", "<"))
                if query.get(key)
            ]
            page_size = max(1, min(int(query.get("PageSize", 50)), 1000))
            page = max(0, int(query.get("Page", 0)))
        except ValueError as error:
            return 400, _error_body(400, 20001, f"Invalid parameter: {error}")
        with self._lock:
            messages = [m for m in self._messages.values() if m.account_sid == account]
        if query.get("To"):
            messages = [m for m in messages if m.to == query["To"]]
        if query.get("From"):
            messages = [m for m in messages if m.from_ == query["From"]]
        # Twilio filters on date_sent; a message still queued has none yet, so the fake uses its creation date.
        messages = [m for m in messages if all(_date_matches(m.sent or m.created, op, b) for op, b in filters)]
        messages.reverse()  # newest first, as Twilio lists them
        start = page * page_size
        chunk = messages[start : start + page_size]

        def page_uri(number: int) -> str:
            params = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}
            params.update({"PageSize": str(page_size), "Page": str(number)})
            return f"{path}?{urllib.parse.urlencode(params)}"

        has_next = start + page_size < len(messages)
        return 200, {
            "end": start + max(len(chunk), 1) - 1,
            "first_page_uri": page_uri(0),
            "messages": [m.resource() for m in chunk],
            "next_page_uri": page_uri(page + 1) if has_next else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": page_uri(page),
        }


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1.0"
    protocol_version = "HTTP/1.0"  # one request per connection: a dropped connection never poisons a pooled one

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr logging
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake: FakeTwilio = self.server.fake  # type: ignore[attr-defined]
        record = self._read_and_record(fake)
        path, form = record.path, record.form
        create, fetch = _MESSAGES.match(path), _MESSAGE.match(path)
        if create and self.command == "POST":
            record.endpoint = "create"
        elif fetch and self.command == "GET":
            record.endpoint = "fetch"
        elif create and self.command == "GET":
            record.endpoint = "list"
        match = create or fetch
        if self._refused(fake, record, match):
            return
        account = match.group("account")  # type: ignore[union-attr]

        if record.endpoint == "create":
            fake._meet()
        fault = fake._next_fault(record.endpoint, form.get("To"))
        if fault is not None and self._faulted(record, fault):
            return

        if record.endpoint == "create":
            status, body, sid = fake._create(account, form)
            record.message_sid = sid
            if fault is not None and fault.kind == "lost" and sid is not None:
                self._hang_up(reset=False)
                return
        elif record.endpoint == "fetch":
            status, body = fake._fetch(account, fetch.group("sid"), path)  # type: ignore[union-attr]
        else:
            status, body = fake._list(account, path, record.query)
        self._reply(record, status, body)

    def _read_and_record(self, fake: FakeTwilio) -> RecordedRequest:
        """The request as the fake records it (its endpoint still "other": the caller names it)."""
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""  # read it all before any fault, as Twilio would
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True)) if raw else {}
        record = RecordedRequest(
            method=self.command,
            path=parsed.path,
            endpoint="other",
            query=query,
            form=form,
            headers=dict(self.headers.items()),
            authenticated=fake._authenticated(self.headers.get("Authorization")),
        )
        fake._record(record)
        return record

    def _refused(self, fake: FakeTwilio, record: RecordedRequest, match: re.Match[str] | None) -> bool:
        """Answer what Twilio refuses before looking at the message (credentials, method, path, account)."""
        if not record.authenticated:
            self._reply(
                record, 401, _error_body(401, 20003, "Authenticate"), {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            )
            return True
        not_found = _error_body(404, 20404, f"The requested resource {record.path} was not found")
        if record.endpoint == "other" or match is None:
            if match is not None:
                self._reply(record, 405, _error_body(405, 20004, "Method not allowed"))
            else:
                self._reply(record, 404, not_found)
            return True
        if match.group("account") != fake.account_sid:
            self._reply(record, 404, not_found)
            return True
        return False

    def _faulted(self, record: RecordedRequest, fault: Fault) -> bool:
        """Play the planned fault; True when it ended the exchange (an error answer, a dropped connection)."""
        record.fault = fault.label
        if fault.kind == "delay":
            time.sleep(fault.delay)
        elif fault.kind == "http":
            assert fault.status is not None and fault.code is not None
            text = fault.message or _PERMANENT_MESSAGES.get(fault.code, f"Twilio error {fault.code}")
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            body = _error_body(fault.status, fault.code, text.format(to=record.form.get("To", "")))
            self._reply(record, fault.status, body, extra)
            return True
        elif fault.kind in ("drop", "reset"):
            self._hang_up(reset=fault.kind == "reset")
            return True
        return False

    def _reply(
        self, record: RecordedRequest, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        record.status = status  # before the last byte leaves: the client may read the record as soon as it has it
        try:
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout) before a delayed answer: nothing was delivered
            record.status = None
            self.close_connection = True

    def _hang_up(self, *, reset: bool) -> None:
        """Close the connection without a byte of response: FIN (drop) or RST (reset)."""
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

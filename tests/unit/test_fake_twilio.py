"""The fake Twilio server, driven by the REAL twilio SDK: what each fault looks like from the sender's side."""

from __future__ import annotations

import base64
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fake_twilio import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DROPPED,
    INVALID_TO,
    LOST_AFTER_ACCEPTANCE,
    NOT_MOBILE,
    RESET,
    SERVER_ERROR,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    UNSUBSCRIBED,
    FakeTwilio,
    Fault,
    make_client,
    num_segments,
)

TO = "+33612345678"
FROM = "+33700000000"
SERVICE = "MG" + "1" * 32


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def client(fake: FakeTwilio) -> Client:
    return make_client(fake.base_url)


def send(client: Client, to: str = TO, body: str = "Bonjour", **kwargs):
    kwargs.setdefault("from_", FROM)
    return client.messages.create(to=to, body=body, **kwargs)


# -- pointing the SDK at the fake -------------------------------------------------------------------------------------


def test_make_client_points_the_api_domain_at_the_fake(fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "dublin")  # would rewrite the host to api.dublin.ie1.twilio.com
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would divert requests to a dead proxy
    client = make_client(fake.base_url + "/")

    assert client.api.base_url == fake.base_url
    assert client.edge is None and client.region is None
    message = send(client)
    assert fake.requests[-1].path == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"
    assert message.account_sid == DEFAULT_ACCOUNT_SID


def test_make_client_refuses_any_url_outside_the_fake(client: Client) -> None:
    with pytest.raises(RuntimeError, match="outside the fake Twilio"):
        client.messaging.v1.services.list()  # messaging.twilio.com is another domain, never rebased


def test_fake_starts_on_a_free_port_and_stops() -> None:
    with FakeTwilio() as first, FakeTwilio() as second:
        assert first.port != second.port
        assert first.base_url.startswith("http://127.0.0.1:")
        base_url = first.base_url
    with pytest.raises(requests.exceptions.ConnectionError):
        send(make_client(base_url, timeout=1))


# -- the Messages API -------------------------------------------------------------------------------------------------


def test_send_then_read_back(fake: FakeTwilio, client: Client) -> None:
    message = send(client, body="Votre rendez-vous est demain", status_callback="https://guide.example/sms/status")

    assert message.sid.startswith("SM") and len(message.sid) == 34
    int(message.sid[2:], 16)
    assert message.status == "queued"
    assert (message.to, message.from_, message.body) == (TO, FROM, "Votre rendez-vous est demain")
    assert message.num_segments == "1"
    assert message.error_code is None
    assert message.direction == "outbound-api"
    assert isinstance(message.date_created, datetime)

    again = client.messages(message.sid).fetch()
    assert (again.sid, again.to, again.body, again.status) == (message.sid, TO, message.body, "queued")

    [stored] = fake.accepted()
    assert stored["sid"] == message.sid
    [request, _fetch] = fake.requests
    assert request.method == "POST" and request.endpoint == "create" and request.authenticated
    assert request.form == {
        "To": TO,
        "From": FROM,
        "Body": "Votre rendez-vous est demain",
        "StatusCallback": "https://guide.example/sms/status",
    }
    assert request.status == 201 and request.message_sid == message.sid and request.fault is None


def test_messaging_service_send_is_accepted_without_a_sender_yet(fake: FakeTwilio, client: Client) -> None:
    message = client.messages.create(to=TO, body="Bonjour", messaging_service_sid=SERVICE)
    assert message.status == "accepted"
    assert message.messaging_service_sid == SERVICE
    assert message.from_ is None
    assert fake.requests[0].form["MessagingServiceSid"] == SERVICE


def test_num_segments_gsm7_and_ucs2() -> None:
    assert num_segments("a" * 160) == 1
    assert num_segments("a" * 161) == 2
    assert num_segments("€" * 80) == 1  # extension characters count twice
    assert num_segments("€" * 81) == 2
    assert num_segments("é" * 160) == 1  # é is in the GSM-7 basic set
    assert num_segments("ê" * 70) == 1  # ê is not: UCS-2
    assert num_segments("ê" * 71) == 2
    assert num_segments("موعدك غدا" * 10) == 2


def test_num_segments_reported_through_the_sdk(client: Client) -> None:
    assert send(client, body="x" * 161).num_segments == "2"


def test_real_validation_errors(fake: FakeTwilio, client: Client) -> None:
    with pytest.raises(TwilioRestException) as bad_to:
        send(client, to="0612345678")
    assert (bad_to.value.status, bad_to.value.code) == (400, 21211)

    with pytest.raises(TwilioRestException) as no_sender:
        client.messages.create(to=TO, body="Bonjour")
    assert (no_sender.value.status, no_sender.value.code) == (400, 21603)
    assert fake.accepted() == []


def test_wrong_credentials_give_401(fake: FakeTwilio) -> None:
    client = make_client(fake.base_url, auth_token="wrong")
    with pytest.raises(TwilioRestException) as raised:
        send(client)
    assert (raised.value.status, raised.value.code) == (401, 20003)
    assert fake.accepted() == []
    assert fake.requests[0].authenticated is False

    with pytest.raises(TwilioRestException) as fetched:
        client.messages("SM" + "0" * 32).fetch()
    assert fetched.value.status == 401
    # The SDK's list() does not build a TwilioRestException: Page raises a bare TwilioException(msg, response).
    with pytest.raises(TwilioException) as listed:
        client.messages.list(to=TO)
    assert not isinstance(listed.value, TwilioRestException)
    assert listed.value.args[1].status_code == 401


def test_other_account_is_not_found(fake: FakeTwilio) -> None:
    client = make_client(fake.base_url)
    client.account_sid = "AC" + "9" * 32  # authenticates as the fake's account, but addresses another one
    with pytest.raises(TwilioRestException) as raised:
        send(client)
    assert raised.value.status == 404


def test_fetch_unknown_message_is_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "f" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


# -- fault injection --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (SERVER_ERROR, 500, 20500),
        (SERVICE_UNAVAILABLE, 503, 20503),
        (Fault.server_error(502), 502, 20502),
        (TOO_MANY_REQUESTS, 429, 20429),
        (INVALID_TO, 400, 21211),
        (UNSUBSCRIBED, 400, 21610),
        (NOT_MOBILE, 400, 21614),
    ],
    ids=lambda value: value.label if isinstance(value, Fault) else str(value),
)
def test_http_faults_surface_as_twilio_rest_exception(
    fake: FakeTwilio, client: Client, fault: Fault, status: int, code: int
) -> None:
    fake.inject(fault)
    with pytest.raises(TwilioRestException) as raised:
        send(client)
    assert (raised.value.status, raised.value.code) == (status, code)
    assert raised.value.method == "POST"
    assert fake.accepted() == []
    assert fake.requests[-1].fault == str(status) and fake.requests[-1].status == status

    assert send(client).status == "queued"  # a queued fault is used once
    assert len(fake.accepted()) == 1


def test_rate_limit_can_carry_retry_after(fake: FakeTwilio) -> None:
    fake.inject(Fault.rate_limited(retry_after=3))
    url = f"{fake.base_url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"
    token = base64.b64encode(f"{DEFAULT_ACCOUNT_SID}:{DEFAULT_AUTH_TOKEN}".encode()).decode()
    data = urllib.parse.urlencode({"To": TO, "From": FROM, "Body": "x"}).encode()
    request = urllib.request.Request(url, data=data, headers={"Authorization": f"Basic {token}"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5)
    assert raised.value.code == 429
    assert raised.value.headers["Retry-After"] == "3"


@pytest.mark.parametrize(
    ("fault", "cause"),
    [(DROPPED, "RemoteDisconnected"), (RESET, "ConnectionResetError")],
    ids=["drop", "reset"],
)
def test_connection_faults_surface_as_requests_connection_error(
    fake: FakeTwilio, client: Client, fault: Fault, cause: str
) -> None:
    fake.inject(fault)
    # TwilioHttpClient calls requests directly: the requests exception reaches the caller unwrapped.
    with pytest.raises(requests.exceptions.ConnectionError) as raised:
        send(client)
    assert not isinstance(raised.value, TwilioException)
    assert cause in repr(raised.value)
    assert fake.accepted() == []
    assert fake.requests[-1].status is None
    assert send(client).status == "queued"


def test_lost_after_acceptance_is_found_by_the_list_endpoint(fake: FakeTwilio, client: Client) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    send(client, to="+33611111111", body="someone else")
    fake.inject(LOST_AFTER_ACCEPTANCE)

    with pytest.raises(requests.exceptions.ConnectionError):
        send(client, body="Votre dossier est complet")

    [stored] = [m for m in fake.accepted() if m["to"] == TO]
    assert stored["body"] == "Votre dossier est complet"
    assert fake.requests[-1].message_sid == stored["sid"] and fake.requests[-1].status is None

    found = client.messages.list(to=TO, date_sent_after=before)
    assert [(m.sid, m.body) for m in found] == [(stored["sid"], "Votre dossier est complet")]
    assert fake.requests[-1].query["DateSent>"] == before.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_slow_answer_times_out_but_the_message_is_stored(fake: FakeTwilio) -> None:
    client = make_client(fake.base_url, timeout=0.2)
    fake.inject(Fault.slow(0.6))
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(client)
    deadline = time.monotonic() + 5
    while not fake.accepted() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(fake.accepted()) == 1


def test_hold_until_concurrent_waits_for_a_second_sender(fake: FakeTwilio) -> None:
    """One sender alone is held (up to `each` seconds a send); a second sender arriving later releases both."""
    fake.hold_until_concurrent(2, within=10, each=0.4)
    client = make_client(fake.base_url)
    started = time.monotonic()
    send(client)  # alone: held the full 0.4 s, then answered normally
    assert time.monotonic() - started >= 0.35 and not fake.met
    first = threading.Thread(target=send, args=(make_client(fake.base_url),), kwargs={"body": "first"})
    first.start()
    time.sleep(0.1)  # the first one is now held
    send(client, body="second")
    first.join(timeout=5)
    assert fake.met
    started = time.monotonic()
    send(client, body="third")  # met: no more holding
    assert time.monotonic() - started < 0.3
    assert sorted(m["body"] for m in fake.accepted())[-3:] == ["first", "second", "third"]


def test_fail_to_rejects_one_recipient_every_time(fake: FakeTwilio, client: Client) -> None:
    fake.fail_to(TO, UNSUBSCRIBED)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as raised:
            send(client)
        assert raised.value.code == 21610
    assert send(client, to="+33622222222").status == "queued"
    fake.clear_faults()
    assert send(client).status == "queued"


def test_faults_can_target_fetch_and_list(fake: FakeTwilio, client: Client) -> None:
    fake.inject(SERVICE_UNAVAILABLE, match="fetch")
    fake.inject(TOO_MANY_REQUESTS, match="list")
    sid = send(client).sid  # creation is not affected by faults aimed elsewhere

    with pytest.raises(TwilioRestException) as raised:
        client.messages(sid).fetch()
    assert (raised.value.status, raised.value.code) == (503, 20503)
    with pytest.raises(TwilioException):
        client.messages.list(to=TO)
    assert fake.pending_faults() == []

    assert client.messages(sid).fetch().sid == sid
    assert [m.sid for m in client.messages.list(to=TO)] == [sid]


def test_list_fault_surfaces_as_plain_twilio_exception(fake: FakeTwilio, client: Client) -> None:
    send(client)
    fake.inject(SERVER_ERROR, match="list")
    with pytest.raises(TwilioException) as raised:
        client.messages.list(to=TO)
    assert raised.value.args[1].status_code == 500
    assert len(client.messages.list(to=TO)) == 1


def _classify(error: Exception | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, TwilioRestException):
        return str(error.status)
    if isinstance(error, requests.exceptions.ConnectionError):
        return "connection"
    return type(error).__name__


def _send_many(client: Client, count: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for i in range(count):
        try:
            send(client, body=f"message {i}")
        except Exception as error:
            outcomes[_classify(error)] += 1
        else:
            outcomes["ok"] += 1
    return outcomes


def test_fail_randomly_yields_roughly_the_asked_share(fake: FakeTwilio, client: Client) -> None:
    fake.fail_randomly(0.3, seed=1234)
    outcomes = _send_many(client, 200)

    failed = 200 - outcomes["ok"]
    assert 40 <= failed <= 80, outcomes
    assert set(outcomes) == {"ok", "500", "503", "429", "connection"}, outcomes
    assert len(fake.accepted()) == outcomes["ok"]
    injected = Counter(r.fault for r in fake.requests if r.fault)
    assert sum(injected.values()) == failed
    assert injected["drop"] + injected["reset"] == outcomes["connection"]

    labels = [r.fault for r in fake.requests]
    fake.reset()
    fake.fail_randomly(0.3, seed=1234)
    _send_many(client, 200)
    assert [r.fault for r in fake.requests] == labels  # same seed, same faults in the same places


def test_fail_randomly_other_rates_and_stop(fake: FakeTwilio, client: Client) -> None:
    fake.fail_randomly(0.05, seed=1, mix=[SERVER_ERROR])
    low = _send_many(client, 200)
    assert 2 <= low["500"] <= 20 and set(low) <= {"ok", "500"}

    fake.fail_randomly(0, seed=1)
    assert _send_many(client, 20) == Counter(ok=20)

    with pytest.raises(ValueError):
        fake.fail_randomly(1.5, seed=1)


def test_concurrent_senders_are_all_recorded(fake: FakeTwilio) -> None:
    errors: list[Exception] = []

    def worker(n: int) -> None:
        client = make_client(fake.base_url)
        for i in range(10):
            try:
                send(client, to=f"+336000000{n:02d}", body=f"{n}-{i}")
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(fake.requests) == 80
    assert len({m["sid"] for m in fake.accepted()}) == 80


# -- the list endpoint ------------------------------------------------------------------------------------------------


def test_list_filters_and_pages_newest_first() -> None:
    clock = Clock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    with FakeTwilio(clock=clock) as fake:
        client = make_client(fake.base_url)
        sids = []
        for hour in range(5):
            clock.now = datetime(2025, 3, 3, 9 + hour, 0, tzinfo=UTC)
            sids.append(send(client, body=f"h{hour}").sid)
        clock.now = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
        other_day = send(client).sid
        send(client, to="+33699999999")

        assert [m.sid for m in client.messages.list(to=TO, page_size=2)] == [other_day, *reversed(sids)]
        pages = [r for r in fake.requests if r.endpoint == "list"]
        assert len(pages) == 3

        after_11 = client.messages.list(to=TO, date_sent_after=datetime(2025, 3, 3, 11, 0, tzinfo=UTC))
        assert [m.sid for m in after_11] == [other_day, sids[4], sids[3], sids[2]]

        before_10 = client.messages.list(to=TO, date_sent_before=datetime(2025, 3, 3, 10, 0, tzinfo=UTC))
        assert [m.sid for m in before_10] == [sids[1], sids[0]]

        that_day = client.messages.list(date_sent="2025-03-04")
        assert len(that_day) == 2

        assert client.messages.list(to=TO, limit=1)[0].sid == other_day


# -- status callbacks -------------------------------------------------------------------------------------------------


class _Receiver:
    """A tiny app standing in for the project's status-callback endpoint."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
                receiver.received.append((url, form, dict(self.headers.items())))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> _Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


def test_status_callback_is_signed_and_validates(fake: FakeTwilio, client: Client) -> None:
    with _Receiver() as app:
        callback_url = app.url("/sms/status?household=42")
        sid = send(client, status_callback=callback_url).sid

        status, _ = fake.send_status_callback(sid, "delivered")
        assert status == 204

        [(url, form, headers)] = app.received
        assert url == callback_url
        assert form["MessageSid"] == sid and form["MessageStatus"] == "delivered"
        assert (form["To"], form["From"], form["AccountSid"]) == (TO, FROM, DEFAULT_ACCOUNT_SID)
        assert "ErrorCode" not in form
        signature = headers["X-Twilio-Signature"]
        assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, form, signature)
        assert not RequestValidator("another-token").validate(url, form, signature)
        assert not RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, {**form, "MessageStatus": "failed"}, signature)

    fetched = client.messages(sid).fetch()
    assert fetched.status == "delivered" and fetched.date_sent is not None


def test_failed_status_callback_carries_the_error_code(fake: FakeTwilio, client: Client) -> None:
    with _Receiver() as app:
        sid = client.messages.create(
            to=TO, body="x", messaging_service_sid=SERVICE, status_callback=app.url("/sms/status")
        ).sid
        fake.send_status_callback(sid, "undelivered", error_code=30003)
        [(url, form, headers)] = app.received
    assert form["ErrorCode"] == "30003" and form["MessageStatus"] == "undelivered"
    assert form["MessagingServiceSid"] == SERVICE and form["From"] == fake.service_from
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, form, headers["X-Twilio-Signature"])
    message = client.messages(sid).fetch()
    assert (message.status, message.error_code) == ("undelivered", 30003)


def test_build_status_callback_for_a_flask_test_client(fake: FakeTwilio, client: Client) -> None:
    sid = send(client, status_callback="http://localhost/sms/status").sid
    callback = fake.build_status_callback(sid, "sent")
    assert callback.url == "http://localhost/sms/status"
    validator = RequestValidator(DEFAULT_AUTH_TOKEN)
    assert validator.validate(callback.url, callback.form, callback.headers["X-Twilio-Signature"])

    bare = send(client).sid
    with pytest.raises(ValueError, match="without a StatusCallback"):
        fake.build_status_callback(bare, "sent")
    assert fake.build_status_callback(bare, "sent", url="http://localhost/other").url == "http://localhost/other"


def test_reset_forgets_everything(fake: FakeTwilio, client: Client) -> None:
    send(client)
    fake.inject(SERVER_ERROR)
    fake.fail_randomly(0.5, seed=3)
    fake.reset()
    assert fake.accepted() == [] and fake.requests == [] and fake.pending_faults() == []
    assert _send_many(client, 10) == Counter(ok=10)

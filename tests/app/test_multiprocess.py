"""Several app processes at once: real gunicorn (gunicorn.conf.py) with 2 workers on the test database.

Rate-limit counters shared through Redis count every worker's hits; when Redis is down nothing fails and each
process still limits on its own; the household sign-in counters live in the database; /healthz answers from
gunicorn; gunicorn believes no forwarded header by itself, and neither does the app; no Server banner, no
Server-Timing unless switched on; the housing benefit model loaded once, in the master, and shared by the
workers. And two `flask sms dispatch --once` processes on one outbox send each message once; and the deployment
in small: 2 web processes and 2 dispatchers on one database and Redis, households signing in on either, each
code sent once, everything stopped by SIGTERM.

Redis (GUIDE_TEST_REDIS_URL, default redis://127.0.0.1:6379/0; bin/test starts it when installed) must be
reachable: these tests fail without it, unless GUIDE_TEST_SKIP_REDIS=1.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
import redis
from sqlalchemy import func, insert, select

from guide import create_app
from guide.core.extensions import db
from guide.models import SignInCode, SmsMessage
from tests.conftest import TEST_CONFIG
from tests.factories import make_household
from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("GUIDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SIGN_IN_LIMIT = 10  # GUIDE_SIGNIN_REQUESTS_PER_ADDRESS for these servers: the per-address limit on POST /sign-in
NUMBER, TYPED = "+33612345678", "06 12 34 56 78"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("GUIDE_TEST_SKIP_REDIS") == "1":
            pytest.skip(f"Redis not reachable at {REDIS_URL} (GUIDE_TEST_SKIP_REDIS=1)")
        pytest.fail(f"Redis not reachable at {REDIS_URL} ({error}). Start it (bin/test does when it is installed), "
                    "set GUIDE_TEST_REDIS_URL, or set GUIDE_TEST_SKIP_REDIS=1.")
    yield client
    client.close()


@pytest.fixture()
def key_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A prefix of this run's own, so counters left by another run (or a live app) never count, then removed."""
    prefix = f"guide-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in redis_client.scan_iter(match=f"*{prefix}*"):
        redis_client.delete(key)


class Server:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port, self.process, self.log = port, process, log

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextlib.contextmanager
def gunicorn(tmp_path: Path, database_url: str, workers: int = 2, ready_status: int = 200,
             **settings: str) -> Iterator[Server]:
    """gunicorn -c gunicorn.conf.py on a free port, serving the app wrapped by tests/app/wsgi_probe.py."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GUIDE_", "GUNICORN_"))}
    env.update({"GUIDE_DATABASE_URL": database_url, "GUIDE_SECRET_KEY": "multiprocess-test",
                "GUIDE_BIND": f"127.0.0.1:{port}", "GUIDE_WORKERS": str(workers), "GUIDE_THREADS": "2",
                "GUIDE_SIGNIN_MIN_RESPONSE_SECONDS": "0.01", "GUIDE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                # no housing benefit model unless a test asks: its load ends with new workers (guide/core/prefork.py)
                "GUIDE_HOUSING_BENEFIT_WARMUP": "0"})
    env.update({f"GUIDE_{key}": value for key, value in settings.items()})
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        # --keep-alive 120: the tests hold one connection per worker and take turns; production's 5 s closed the
        # idle one while the other served a slow request on a busy machine (a broken pipe at the next request)
        process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                    "--keep-alive", "120", "tests.app.wsgi_probe:app"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    server = Server(port, process, log)
    try:
        deadline = time.monotonic() + 90  # a busy shared machine takes a while to import the app
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{server.output()}"
            try:
                conn = server.connect()
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == ready_status:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"gunicorn did not answer {ready_status}:\n{server.output()}"
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _get(conn: http.client.HTTPConnection, path: str,
         headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    return response


def _two_workers(server: Server) -> list[http.client.HTTPConnection]:
    """Two keep-alive connections, each held by a different worker process (gunicorn keeps a connection on the
    worker that accepted it), so the requests below are spread over both workers for sure."""
    held: dict[str, http.client.HTTPConnection] = {}
    for _ in range(100):
        conn = server.connect()
        pid = _get(conn, "/healthz").getheader("X-Test-Worker")
        if pid in held:
            conn.close()
            continue
        held[pid] = conn
        if len(held) == 2:
            return list(held.values())
    pytest.fail(f"100 connections, all served by one worker: {list(held)}")


class SignIn:
    """The household sign-in form, posted as a browser would (the session cookie and CSRF token work on every
    worker: both are signed with the shared secret key)."""

    def __init__(self, conn: http.client.HTTPConnection) -> None:
        conn.request("GET", "/sign-in")
        response = conn.getresponse()
        page = response.read().decode()
        assert response.status == 200
        cookie = response.getheader("Set-Cookie")
        assert cookie
        self.cookie = cookie.split(";", 1)[0]
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found
        self.token = found.group(1)

    def post(self, conn: http.client.HTTPConnection, phone: str = TYPED) -> tuple[int, str]:
        body = f"csrf_token={self.token}&phone={phone.replace(' ', '+')}"
        conn.request("POST", "/sign-in", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie})
        response = conn.getresponse()
        response.read()
        return response.status, str(response.getheader("X-Test-Worker"))


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        codes = db.session.scalar(select(func.count()).select_from(SignInCode))
        sms = db.session.scalar(select(func.count()).select_from(SmsMessage).where(SmsMessage.to_number == NUMBER))
        db.session.remove()
    return codes, sms


def test_two_workers_share_the_rate_limit_through_redis(app, ctx, database_url, tmp_path, redis_client,
                                                        key_prefix) -> None:
    make_household(phone=NUMBER)
    with gunicorn(tmp_path, database_url, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=key_prefix,
                  SIGNIN_REQUESTS_PER_ADDRESS=f"{SIGN_IN_LIMIT} per hour") as server:
        first, second = _two_workers(server)
        form = SignIn(first)
        answers = [form.post((first, second)[n % 2]) for n in range(SIGN_IN_LIMIT + 2)]
        # gunicorn's own forwarded handling is off: a client's X-Forwarded-Proto from 127.0.0.1 changes nothing
        forged = _get(first, "/healthz", {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"})
        health = _get(second, "/healthz")
        for conn in (first, second):
            conn.close()
    statuses = [status for status, _pid in answers]
    assert statuses == [303] * SIGN_IN_LIMIT + [429, 429], answers
    assert len({pid for _status, pid in answers[:SIGN_IN_LIMIT]}) == 2, "both workers served the accepted tries"
    counters = [key for key in redis_client.scan_iter(match=f"*{key_prefix}*")]
    assert len(counters) == 1 and b"signin.household.sign_in" in counters[0]
    assert int(redis_client.get(counters[0])) == SIGN_IN_LIMIT + 2, "every try went to the shared counter"
    # the per-number limits are kept in the database, shared by construction: 3 codes made and sent, from one address
    sent = app.config["SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS"]
    assert _counts(app) == (sent, sent)
    assert forged.status == 200 and forged.getheader("X-Test-Scheme") == "http"
    assert health.status == 200 and health.getheader("Cache-Control") == "no-store"


def test_with_redis_down_sign_in_still_answers_and_each_process_limits_on_its_own(app, ctx, database_url,
                                                                                   tmp_path) -> None:
    """Redis unreachable (nothing listens on its port): no error page, and each process counts in its own memory,
    which is also what memory:// does. Two workers then accept twice the limit: why production needs Redis."""
    make_household(phone=NUMBER)
    dead_redis = f"redis://127.0.0.1:{_free_port()}/0"
    with gunicorn(tmp_path, database_url, RATELIMIT_STORAGE_URI=dead_redis,
                  SIGNIN_REQUESTS_PER_ADDRESS=f"{SIGN_IN_LIMIT} per hour") as server:
        first, second = _two_workers(server)
        form = SignIn(first)
        answers = [form.post((first, second)[n % 2]) for n in range(2 * SIGN_IN_LIMIT + 2)]
        for conn in (first, second):
            conn.close()
        log = server.output()
    by_worker: dict[str, list[int]] = {}
    for status, pid in answers:
        by_worker.setdefault(pid, []).append(status)
    assert len(by_worker) == 2, answers
    for statuses in by_worker.values():
        accepted = statuses.count(303)
        assert accepted == SIGN_IN_LIMIT, answers
        assert statuses == [303] * accepted + [429] * (len(statuses) - accepted), answers
    assert "Traceback" not in log and " 500 " not in log
    sent = app.config["SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS"]
    assert _counts(app) == (sent, sent), "the per-number limits hold without Redis: they live in the database"


def test_gunicorn_names_no_server_and_sends_no_timings(app, database_url, tmp_path) -> None:
    """gunicorn.conf.py drops gunicorn's "Server: gunicorn" line; Server-Timing is off unless GUIDE_SERVER_TIMING."""
    with gunicorn(tmp_path, database_url, workers=1) as server:
        conn = server.connect()
        page = _get(conn, "/journey/visit")
        conn.close()
    assert page.status == 200 and page.getheader("Date"), "gunicorn's other headers still go"
    assert page.getheader("Server") is None, f"Server: {page.getheader('Server')}"
    assert page.getheader("Server-Timing") is None, f"Server-Timing: {page.getheader('Server-Timing')}"
    with gunicorn(tmp_path, database_url, workers=1, SERVER_TIMING="true") as server:
        conn = server.connect()
        timed = _get(conn, "/journey/visit")
        conn.close()
    assert (timed.getheader("Server-Timing") or "").startswith("app;dur="), "switched on, the timing is sent"


def test_gunicorn_with_forced_https_redirects_a_client_that_claims_https(app, database_url, tmp_path) -> None:
    """No proxy configured: a client's own X-Forwarded-Proto (or -Ssl) does not pass for TLS; it is redirected."""
    with gunicorn(tmp_path, database_url, workers=1, ready_status=302, FORCE_HTTPS="true") as server:
        conn = server.connect()
        forged = _get(conn, "/journey/visit", {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"})
        conn.close()
    assert forged.status == 302, f"served over plain HTTP with status {forged.status}"
    assert forged.getheader("Location") == f"https://127.0.0.1:{server.port}/journey/visit"
    assert forged.getheader("Strict-Transport-Security") is None and forged.getheader("Server") is None


def test_health_answers_503_when_the_database_is_unreachable(app) -> None:
    """(The 200 from gunicorn is what every server above waits for before its first request.)"""
    nowhere = f"postgresql://guide@127.0.0.1:{_free_port()}/guide"  # nothing listens there
    client = create_app({**TEST_CONFIG, "DATABASE_URL": nowhere}).test_client()
    down = client.get("/healthz")
    assert down.status_code == 503 and down.get_json() == {"status": "unavailable", "reason": "database"}
    assert down.headers["Cache-Control"] == "no-store"
    up = app.test_client().get("/healthz")
    assert up.status_code == 200 and up.get_json()["status"] == "ok", up.get_json()


def test_two_dispatcher_processes_send_each_message_exactly_once(app, database_url, tmp_path) -> None:
    """Two real `flask --app guide sms dispatch --once` processes drain one outbox through the fake Twilio.
    (Sign-in codes go at any hour, so the test does not depend on the clock; failures and retries are covered by
    tests/sms/test_outbox.py.)"""
    count = 300
    queued_at = datetime.now(UTC) - timedelta(minutes=1)
    with app.app_context():
        db.session.execute(insert(SmsMessage), [
            {"to_number": f"+3361{n:07d}", "kind": "sign_in_code", "body": f"Votre code : {n:06d}",
             "status": "queued", "segments": 1, "encoding": "GSM-7", "send_after": queued_at,
             "created_at": queued_at, "attempts": 0} for n in range(count)])
        db.session.commit()
        db.session.remove()
    with FakeTwilio() as fake:
        # sends are held until both processes have one in flight at once: whichever starts first waits with its
        # batch claimed, however late the other one starts (a busy machine), so both surely work on one outbox
        fake.hold_until_concurrent(2)
        env = {key: value for key, value in os.environ.items() if not key.startswith("GUIDE_")}
        env.update({"GUIDE_DATABASE_URL": database_url, "GUIDE_SECRET_KEY": "multiprocess-test",
                    "GUIDE_SMS_BACKEND": "twilio", "GUIDE_TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
                    "GUIDE_TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN, "GUIDE_TWILIO_FROM": "+33939000000",
                    "GUIDE_TWILIO_API_URL": fake.base_url,
                    "GUIDE_SMS_SENDERS": "1"})  # one send in flight per process: two at once are two processes
        command = [str(Path(sys.executable).parent / "flask"), "--app", "guide", "sms", "dispatch", "--once"]
        processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True) for _ in range(2)]
        outputs = [process.communicate(timeout=60)[0] for process in processes]
        accepted = Counter(message["body"] for message in fake.accepted())
    assert fake.met, ("the two processes never had a send in flight at the same time", outputs)
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert len(accepted) == count and max(accepted.values()) == 1, "every message sent, none twice"
    sent_by = [sum(int(n) for n in re.findall(r"^sent (\d+)", output, re.MULTILINE)) for output in outputs]
    assert sum(sent_by) == count and min(sent_by) > 0, (sent_by, outputs)
    with app.app_context():
        assert Counter(db.session.scalars(select(SmsMessage.status))) == {"sent": count}
        db.session.remove()


def test_two_web_processes_and_two_dispatchers_on_one_database_and_redis(app, ctx, database_url, tmp_path,
                                                                         redis_client, key_prefix) -> None:
    """The deployment in small (docs/scaling.md): two gunicorn servers (two web nodes) and two dispatcher processes,
    one database, one Redis. Households ask for a sign-in code on either node; each code reaches Twilio once, the
    two dispatchers share the work; SIGTERM stops the dispatchers cleanly (exit 0, nothing left "sending")."""
    count = 24
    numbers = [f"+3361{n:07d}" for n in range(count)]
    for number in numbers:
        make_household(phone=number)
    with FakeTwilio() as fake:
        twilio = {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
                  "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN, "TWILIO_FROM": "+33939000000",
                  "TWILIO_API_URL": fake.base_url}
        shared = {**twilio, "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": key_prefix,
                  "SIGNIN_REQUESTS_PER_ADDRESS": "1000 per hour"}
        env = {key: value for key, value in os.environ.items() if not key.startswith("GUIDE_")}
        env.update({"GUIDE_DATABASE_URL": database_url, "GUIDE_SECRET_KEY": "multiprocess-test",
                    "GUIDE_SMS_SENDERS": "1", "GUIDE_SMS_BATCH": "4",
                    **{f"GUIDE_{key}": value for key, value in twilio.items()}})
        command = [str(Path(sys.executable).parent / "flask"), "--app", "guide", "sms", "dispatch",
                   "--interval", "0.2"]
        dispatchers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        try:
            with gunicorn(tmp_path, database_url, workers=1, **shared) as first, \
                    gunicorn(tmp_path, database_url, workers=1, **shared) as second:
                nodes = [first.connect(), second.connect()]
                forms = [SignIn(conn) for conn in nodes]
                fake.hold_until_concurrent(2)  # each dispatcher sends one at a time: two in flight, both work
                answers = [forms[n % 2].post(nodes[n % 2], "0" + number[3:]) for n, number in enumerate(numbers)]
                for conn in nodes:
                    conn.close()
            deadline = time.monotonic() + 120
            while len(fake.accepted()) < count and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for process in dispatchers:
                process.send_signal(signal.SIGTERM)
            outputs = [process.communicate(timeout=60)[0] for process in dispatchers]
        received = Counter(message["to"] for message in fake.accepted())
    assert [status for status, _pid in answers] == [303] * count, answers
    assert [process.returncode for process in dispatchers] == [0, 0], outputs
    assert all("stopped: nothing left sending" in output for output in outputs), outputs
    assert received == dict.fromkeys(numbers, 1), f"each household's code sent once: {received}"
    assert fake.met, ("the two dispatchers never sent at the same time", outputs)
    sent_by = [sum(int(n) for n in re.findall(r"^sent (\d+)", output, re.MULTILINE)) for output in outputs]
    assert sum(sent_by) == count and min(sent_by) > 0, (sent_by, outputs)
    with app.app_context():
        statuses = Counter(db.session.scalars(select(SmsMessage.status)))
        db.session.remove()
    assert statuses == {"sent": count}, statuses


MODEL_MB = 110  # what the housing benefit model adds to a process that loads it (docs/housing-benefit.md)


def _estimated(conn: http.client.HTTPConnection, salary: int) -> tuple[bool, str]:
    figures = (f"people=4&resources=1800&adults=2&children=2&salary={salary}&rent_now=550&commune_now=Lille"
               "&rent_new=600&commune_new=Roubaix&hlm_new=1")
    conn.request("GET", f"/simulator/all?{figures}")
    response = conn.getresponse()
    page = response.read().decode()
    assert response.status == 200, page[-2000:]
    return "Aide au logement estimée" in page, str(response.getheader("X-Test-Worker"))


def test_the_master_loads_the_housing_benefit_model_once_for_every_worker(app, database_url, tmp_path) -> None:
    """Production's setting (GUIDE_HOUSING_BENEFIT_WARMUP on): the first workers serve pages at once, the master
    loads the model, then gunicorn forks new workers that share it and stops the first ones. Each new worker, and one
    forked later to replace a worker that stopped (max_requests), estimates without loading a model of its own: its
    private memory (USS) stays well below the model's size after an estimate."""
    with gunicorn(tmp_path, database_url, workers=2, HOUSING_BENEFIT_WARMUP="1", HOUSING_BENEFIT_WAIT="60") as server:
        master = psutil.Process(server.process.pid)
        first = {child.pid for child in master.children()}
        deadline = time.monotonic() + 240  # the model takes 5 s of a quiet core, much longer on a busy machine
        while "new workers share it" not in server.output() or first & {p.pid for p in master.children()}:
            assert time.monotonic() < deadline, f"the first workers were not replaced:\n{server.output()}"
            time.sleep(0.2)
        assert "housing benefit model loaded in the master" in server.output(), server.output()

        renewed = {child.pid for child in master.children()}
        os.kill(min(renewed), signal.SIGTERM)  # as gunicorn does with a worker past max_requests: a new one forks
        while len(alive := {child.pid for child in master.children()} - {min(renewed)}) < 2:
            assert time.monotonic() < deadline, f"no worker forked to replace the stopped one:\n{server.output()}"
            time.sleep(0.2)

        for n, conn in enumerate(_two_workers(server)):
            estimated, pid = _estimated(conn, 1800 + n)
            conn.close()
            assert estimated, f"worker {pid} gave no estimate:\n{server.output()}"
            assert int(pid) in alive and int(pid) not in first, f"{pid} is not one of the workers forked after the load"
            private = psutil.Process(int(pid)).memory_full_info().uss / 2**20
            assert private < MODEL_MB * 0.8, (f"worker {pid} holds {private:.0f} MB of its own after an estimate: "
                                              "a copy of the model, not the master's")

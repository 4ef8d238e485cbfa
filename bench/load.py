"""Mixed load on gunicorn + PostgreSQL with 10,000 households: latency per request kind, throughput, worker memory.

Seeds a dedicated PostgreSQL database (`bench_load`, created if missing, emptied at each run) with 10,000
households (phones, proposals, appointments, plan items with their history, past SMS), signs in some of them
through personal links, starts gunicorn with gunicorn.conf.py (one worker per core) and drives mixed traffic:

    50 % guide pages (every language)   25 % household home /my
    15 % plan edits (GET the form, POST a change with its version, follow the redirect to the plan)
    10 % inbound SMS webhooks (Twilio-signed, unique MessageSid, ETAPE / RDV / FAIRE / AIDE)

Two modes, each with a warm-up that is not counted:
  closed  every client sends its next request as soon as the last answer arrives (saturation: the latency is
          mostly queueing, and by Little's law p50 ≈ clients / throughput);
  think   every client waits 1–2 s between requests, like a person reading a page: 50 concurrent users.
The budget (p95 ≤ 50 ms at 50 concurrent clients) is judged on `think`: 50 concurrent *clients* of a web app are
people with pages open, not 50 requests permanently in flight (that would be ~33,000 requests a minute here).

Clients are threads with keep-alive connections (http.client); each owns its households, so no two clients edit
the same plan item (a 409 would be an error). Latency is measured by the client (it includes the client's own
Python, on the same 2 cores) and, for comparison, inside the app (Server-Timing). Memory: RSS and PSS of every
gunicorn worker, sampled each second from /proc (workers restart after max_requests, so several pids may show).

Usage: .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--households 10000]
       [--db postgresql://postgres@127.0.0.1:5432/bench_load] [--modes closed,think] [--warmup 10]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import free_port  # noqa: E402
from bench.household_home import open_session  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_load"
PUBLIC_BASE_URL = "https://relogement.example.fr"  # what Twilio would call; signatures are computed on it
AUTH_TOKEN = "bench-twilio-auth-token-0123456789"
LANGUAGES = ("fr", "ar", "en", "tr", "pt")
KEYWORDS = ("ETAPE", "étape", "RDV", "rdv", "FAIRE", "AIDE")
TIMING = re.compile(r"app;dur=([0-9.]+)")
MIX = (("guide", 50), ("home", 25), ("plan", 15), ("sms", 10))
KINDS = ("guide page", "/my", "plan form", "plan save", "plan board", "sms inbound")


# --- the database ------------------------------------------------------------------------------------------

def ensure_database(url: str) -> None:
    """Create the database if missing (never the shared `test` one), then empty it."""
    import psycopg
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise SystemExit("--db must be a PostgreSQL URL")
    if parsed.database in (None, "", "test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to use database {parsed.database!r}: give a dedicated one (it is emptied)")
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
            print(f"created database {parsed.database}")
    target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@dataclass
class Member:
    """A signed-in household as one client sees it: its cookies and its plan actions."""

    token: str
    actions: list[int]
    cookies: dict[str, str] = field(default_factory=dict)
    edits: int = 0

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def take(self, response: http.client.HTTPResponse) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]


def seed(url: str, count: int, signed_in: int) -> tuple[list[Member], list[str]]:
    """Bulk-insert `count` households with realistic rows; personal links for `signed_in` of them, all phones."""
    import flask_migrate
    import sqlalchemy as sa

    from guide import create_app
    from guide.core.extensions import db
    from guide.core.security import hash_password
    from guide.features.signin.service import create_link
    from guide.models import (
        Appointment,
        Household,
        HouseholdPhone,
        PlanChange,
        PlanItem,
        Proposal,
        SmsMessage,
        StaffUser,
    )

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    rng = random.Random(7)
    now = datetime.now(UTC)
    today = date.today()
    with app.app_context():
        flask_migrate.upgrade()
        staff, password = [], hash_password("bench-password-123")  # argon2: hashed once
        for n in range(20):  # 10 officers and 10 mediators share the caseload
            staff.append(StaffUser(email=f"agent{n}@example.org", name=f"Agent {n}",
                                   role="officer" if n % 2 == 0 else "mediator", phone="+33320000000",
                                   password_hash=password))
        db.session.add_all(staff)
        db.session.flush()
        officers = [s.id for s in staff if s.role == "officer"]
        mediators = [s.id for s in staff if s.role == "mediator"]
        stages = ["informed", "my-answer", "my-project", "my-answer", "my-answer"]
        db.session.execute(sa.insert(Household), [
            {"reference": f"L-{i:06d}", "display_name": f"Famille {i}", "language": LANGUAGES[i % 5],
             "occupants": 1 + i % 6, "stage": stages[i % len(stages)], "officer_id": officers[i % 10],
             "mediator_id": mediators[i % 10], "documents_updated_on": today - timedelta(days=i % 200),
             "created_at": now, "updated_at": now, "version": 1} for i in range(count)])
        ids = db.session.scalars(sa.select(Household.id).order_by(Household.id)).all()
        phones = []
        rows = []
        for n, hid in enumerate(ids):
            for p in range(1 + n % 2):  # half the households give two numbers
                number = f"+336{(20000000 + n * 2 + p):08d}"
                phones.append(number)
                rows.append({"household_id": hid, "number": number, "label": "" if p == 0 else "ma fille",
                             "sms_consent": True, "consent_at": now})
        db.session.execute(sa.insert(HouseholdPhone), rows)
        statuses = ["received", "visit_planned", "visited", "refused"]
        db.session.execute(sa.insert(Proposal), [
            {"household_id": hid, "rank": rank, "address": f"{1 + n % 90} rue du Bench", "commune":
             ("Lille", "Roubaix", "Tourcoing", "Villeneuve-d'Ascq")[n % 4], "flat_type": f"T{2 + n % 4}",
             "surface": 50 + n % 40, "floor": n % 6, "lift": n % 2 == 0, "rent": 380 + n % 120, "charges": 90,
             "housing_benefit": 120, "landlord": "LMH", "received_on": today - timedelta(days=10 * rank),
             "visit_on": today - timedelta(days=n % 12), "answer_on": today + timedelta(days=3 + n % 10),
             "status": statuses[(n + rank) % 4] if rank < 1 + n % 3 else "visited", "version": 1,
             "created_at": now, "updated_at": now}
            for n, hid in enumerate(ids) for rank in range(1, 2 + n % 3)])
        kinds = ["flat_visit", "home_interview", "mediator_meeting", "neighbourhood_visit"]
        db.session.execute(sa.insert(Appointment), [
            {"household_id": hid, "kind": kinds[(n + k) % 4], "starts_at": now + timedelta(days=1 + (n + 5 * k) % 20,
                                                                                          hours=k),
             "place": "Mairie de quartier", "with_whom": "Agent", "status": "planned" if k else "confirmed",
             "duration_minutes": 60, "version": 1, "change_note": "", "created_at": now, "updated_at": now}
            for n, hid in enumerate(ids) for k in range(1 + n % 2)])
        # the plan: phases, 3 ranked brakes, 5 actions and a trip per household, each with its "create" change
        brakes = ("money", "transport", "school", "neighbourhood")
        plan_rows = []
        for n, hid in enumerate(ids):
            actor = {"household_id": hid, "removed": False, "version": 1, "updated_by_kind": "household",
                     "created_at": now, "updated_at": now}
            plan_rows.append({**actor, "kind": "phases", "rank": 0, "data": {
                "engagement_on": (today - timedelta(days=60)).isoformat(), "interview_on": "", "plan_on": "",
                "visits_on": "", "handover_on": ""}})
            for r in range(3):
                plan_rows.append({**actor, "kind": "brake", "rank": r + 1, "data": {
                    "category": brakes[(n + r) % 4], "words": "Nous avons peur de payer plus cher et d'être loin."}})
            for r in range(5):
                plan_rows.append({**actor, "kind": "action", "rank": r + 1, "data": {
                    "what": f"Appeler la mairie pour l'inscription à l'école ({r + 1})", "who":
                    ("household", "mediator", "officer", "partner")[r % 4], "who_name": "",
                    "when_date": (today + timedelta(days=3 + 7 * r)).isoformat() if r % 2 else "",
                    "when_week": "" if r % 2 else (today + timedelta(days=7 * r)).strftime("%G-W%V"),
                    "status": ("todo", "todo", "done", "todo", "dropped")[r], "brake_id": "", "suggestion": ""}})
            plan_rows.append({**actor, "kind": "trip", "rank": 1, "data": {
                "purpose": "work", "place": "Roubaix", "modes": ["public"], "frequency": "daily",
                "monthly_cost": "20.00"}})
        db.session.execute(sa.insert(PlanItem), plan_rows)
        items = db.session.execute(sa.select(PlanItem.id, PlanItem.household_id, PlanItem.kind, PlanItem.rank,
                                             PlanItem.data)).all()
        db.session.execute(sa.insert(PlanChange), [
            {"household_id": hid, "item_id": iid, "version": 1, "action": "create", "actor_kind": "household",
             "at": now, "before": None, "after": {"data": data, "rank": rank, "removed": False}}
            for iid, hid, _kind, rank, data in items])
        db.session.execute(sa.insert(SmsMessage), [
            {"household_id": hid, "to_number": f"+336{(20000000 + n * 2):08d}", "kind": "reminder",
             "status": "delivered", "segments": 1, "encoding": "GSM-7", "attempts": 1,
             "body": "Rappel : rendez-vous demain a 14:30 a la mairie de quartier.",
             "send_after": now - timedelta(days=d), "created_at": now - timedelta(days=d),
             "sent_at": now - timedelta(days=d), "delivered_at": now - timedelta(days=d)}
            for n, hid in enumerate(ids) for d in (3, 10)])
        db.session.commit()
        actions: dict[int, list[int]] = defaultdict(list)
        for iid, hid, kind, _rank, _data in items:
            if kind == "action":
                actions[hid].append(iid)
        members = []
        with app.test_request_context():
            for hid in rng.sample(ids, signed_in):
                members.append(Member(create_link(db.session.get(Household, hid)), sorted(actions[hid])))
            db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return members, phones


# --- the server --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def gunicorn(url: str, workers: int, threads: int | None, log_path: Path) -> Iterator[tuple[str, int]]:
    """gunicorn -c gunicorn.conf.py guide.wsgi:app on a free port; yields (base URL, master pid)."""
    port = free_port()
    env = {**os.environ, "GUIDE_DATABASE_URL": url, "GUIDE_SECRET_KEY": "bench", "GUIDE_BIND": f"127.0.0.1:{port}",
           "GUIDE_WORKERS": str(workers), "GUIDE_SMS_BACKEND": "log", "GUIDE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "GUIDE_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
           # 500 personal-link sign-ins come from one address; no measured request is rate-limited
           "GUIDE_RATELIMIT_ENABLED": "false",
           "GUIDE_SERVER_TIMING": "true"}  # the in-app time, for comparison (sent only when asked)
    if threads:
        env["GUIDE_THREADS"] = str(threads)
    bindir = Path(sys.executable).parent
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(bindir / "gunicorn"), "-c", "gunicorn.conf.py", "guide.wsgi:app"],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError(f"gunicorn did not start (see {log_path})")
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def memory_kb(pid: int) -> tuple[int, int] | None:
    """(RSS, PSS) in KiB; PSS shares the pages inherited from the preloaded master fairly between processes."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        pss_match = re.search(r"^Pss:\s+(\d+)", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)
    except (OSError, AttributeError):
        return None
    return rss, int(pss_match.group(1)) if pss_match else 0


class MemorySampler(threading.Thread):
    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master, self.peak, self.last, self.stopping = master, {}, {}, threading.Event()

    def sample(self) -> None:
        for pid in worker_pids(self.master):
            found = memory_kb(pid)
            if found:
                self.last[pid] = found
                self.peak[pid] = max(self.peak.get(pid, 0), found[0])

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.sample()


# --- the clients -------------------------------------------------------------------------------------------

class _FormInputs(HTMLParser):
    """The inputs of form#item-form (name → value), as a browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.values = False, {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("id") == "item-form"
        elif tag == "input" and self.inside and found.get("name") and found.get("type") not in ("checkbox", "radio"):
            self.values[found["name"]] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


@dataclass
class Sample:
    kind: str
    ms: float
    server_ms: float | None
    status: int


class Client(threading.Thread):
    def __init__(self, number: int, base: str, members: list[Member], phones: list[str], guide_urls: list[str],
                 run: Run) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        self.host, self.port = urlparse(base).hostname, urlparse(base).port
        self.members, self.phones, self.guide_urls, self.run_ = members, phones, guide_urls, run
        self.conn: http.client.HTTPConnection | None = None
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self.reconnects = 0

    # one request on the keep-alive connection; a connection the server closed meanwhile is opened again once
    def request(self, kind: str, method: str, path: str, headers: dict[str, str],
                body: str | None = None) -> tuple[http.client.HTTPResponse, bytes] | None:
        for attempt in range(2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            began = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                self.conn = None
                if fresh or attempt:
                    self.record_error(f"{kind}: {exc!r}")
                    return None
                self.reconnects += 1
                continue
            elapsed = (time.perf_counter() - began) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            timing = TIMING.search(response.getheader("Server-Timing") or "")
            if self.run_.recording.is_set():
                self.samples.append(Sample(kind, elapsed, float(timing.group(1)) if timing else None,
                                           response.status))
                if response.status >= 400:
                    self.errors.append(f"{kind} {method} {path}: {response.status}")
            return response, payload
        return None

    def record_error(self, text: str) -> None:
        if self.run_.recording.is_set():
            self.errors.append(text)

    def think(self) -> None:
        if self.run_.think:
            self.run_.stopping.wait(self.rng.uniform(*self.run_.think))

    def guide(self) -> None:
        url = self.rng.choice(self.guide_urls)
        self.request("guide page", "GET", url, {"Accept-Encoding": "br, gzip",
                                               "Cookie": f"lang={self.rng.choice(LANGUAGES)}"})

    def home(self) -> None:
        member = self.rng.choice(self.members)
        found = self.request("/my", "GET", "/my", {"Accept-Encoding": "br, gzip", "Cookie": member.cookie_header()})
        if found:
            member.take(found[0])

    def plan(self) -> None:
        member = self.rng.choice(self.members)
        item = self.rng.choice(member.actions)
        found = self.request("plan form", "GET", f"/my/plan/items/{item}",
                             {"Accept-Encoding": "gzip", "Cookie": member.cookie_header()})
        if not found or found[0].status != 200:
            return
        member.take(found[0])
        html = gzip.decompress(found[1]) if found[0].getheader("Content-Encoding") == "gzip" else found[1]
        parser = _FormInputs()
        parser.feed(html.decode())
        fields = parser.values
        if "item-version" not in fields or "csrf_token" not in fields:
            self.record_error("plan form: no version or CSRF token in the form")
            return
        self.think()  # reading and typing
        if self.run_.stopping.is_set():
            return
        member.edits += 1
        fields.update({"item-what": f"Appeler la mairie pour l'école, essai {member.edits}", "item-who": "household",
                       "item-status": "todo", "item-brake_id": ""})
        found = self.request("plan save", "POST", f"/my/plan/items/{item}",
                             {"Cookie": member.cookie_header(), "Content-Type": "application/x-www-form-urlencoded"},
                             urlencode(fields))
        if not found:
            return
        member.take(found[0])
        if found[0].status != 303:
            if found[0].status < 400:
                self.record_error(f"plan save: {found[0].status} instead of 303")
            return
        target = urlparse(found[0].getheader("Location") or "/my/plan")
        found = self.request("plan board", "GET", target.path + (f"?{target.query}" if target.query else ""),
                             {"Accept-Encoding": "br, gzip", "Cookie": member.cookie_header()})
        if found:
            member.take(found[0])

    def sms(self) -> None:
        from twilio.request_validator import RequestValidator

        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "SmsSid": "", "AccountSid": "AC" + "0" * 32,
                  "From": self.rng.choice(self.phones), "To": "+33700000000",
                  "Body": self.rng.choice(KEYWORDS), "NumMedia": "0", "NumSegments": "1"}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + "/sms/inbound", params)
        self.request("sms inbound", "POST", "/sms/inbound",
                     {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
                     urlencode(params))

    def run(self) -> None:
        operations = [name for name, weight in MIX for _ in range(weight)]
        if self.run_.think:  # people do not all arrive in the same second
            self.run_.stopping.wait(self.rng.uniform(0, self.run_.think[1]))
        while not self.run_.stopping.is_set():
            getattr(self, self.rng.choice(operations))()
            self.think()
        if self.conn is not None:
            self.conn.close()


@dataclass
class Run:
    think: tuple[float, float] | None
    recording: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each of these processes so far (those still running)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return found


def drive(base: str, master: int, members: list[Member], phones: list[str], guide_urls: list[str], clients: int,
          warmup: float, seconds: float, think: tuple[float, float] | None) -> tuple[list[Client], float, str]:
    run = Run(think)
    share = max(1, len(members) // clients)
    threads = [Client(n, base, members[n * share:(n + 1) * share] or members[:1], phones, guide_urls, run)
               for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    workers = worker_pids(master)
    server_before, client_before = cpu_seconds(workers), cpu_seconds([os.getpid()])
    run.recording.set()
    began = time.perf_counter()
    time.sleep(seconds)
    run.recording.clear()
    duration = time.perf_counter() - began
    server_after = cpu_seconds(workers)
    server_cpu = sum(server_after[pid] - server_before[pid] for pid in server_after if pid in server_before)
    client_cpu = sum(cpu_seconds([os.getpid()]).values()) - sum(client_before.values())
    recycled = len(server_after) < len(server_before)
    run.stopping.set()
    for thread in threads:
        thread.join(timeout=60)
    cpu = (f"CPU while measured: gunicorn workers {server_cpu / duration:.2f} cores, this client "
           f"{client_cpu / duration:.2f} cores (of {os.cpu_count()}; the rest is PostgreSQL and other processes)"
           + ("; a worker was recycled (max_requests) meanwhile: its CPU is not counted" if recycled else ""))
    return threads, duration, cpu


# --- report ------------------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(title: str, threads: list[Client], duration: float, cpu: str, budget: float) -> dict[str, float]:
    samples = [s for t in threads for s in t.samples]
    errors = [e for t in threads for e in t.errors]
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s)
    print(f"\n== {title}: {len(samples)} requests in {duration:.1f} s → {len(samples) / duration:.1f} req/s; "
          f"errors {len(errors)}; reconnects {sum(t.reconnects for t in threads)}; load average {load_average()}")
    print(f"{'kind':12} {'share':>6} {'n':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
          f"   {'server p50':>10} {'server p95':>10}  errors")
    rows = [(k, by_kind[k]) for k in KINDS if by_kind.get(k)] + [("all", samples)]
    for kind, rows_of in rows:
        ms = [s.ms for s in rows_of]
        server = [s.server_ms for s in rows_of if s.server_ms is not None]
        failed = sum(1 for s in rows_of if s.status >= 400)
        print(f"{kind:12} {len(rows_of) / max(1, len(samples)):6.0%} {len(rows_of):6} {len(rows_of) / duration:7.1f} "
              f"{pct(ms, 50):7.1f} {pct(ms, 95):7.1f} {pct(ms, 99):7.1f} {max(ms):7.1f}   "
              f"{pct(server, 50):10.1f} {pct(server, 95):10.1f}  {failed}")
    overall = pct([s.ms for s in samples], 95)
    print(f"(milliseconds, client-observed unless 'server'; budget p95 ≤ {budget:.0f} ms: "
          f"{'met' if overall <= budget else 'NOT met'} in this mode)")
    print(cpu)
    for error in sorted(set(errors))[:8]:
        print("  error:", error)
    return {"p95": overall, "rps": len(samples) / duration}


def guide_urls() -> list[str]:
    from guide.core.content import load_flow_structures, load_journey, load_language

    urls = (["/", "/journey", "/glossary", "/flows", "/pages", "/simulator"]
            + [f"/journey/{s['slug']}" for s in load_journey()]
            + [f"/pages/{p}" for p in sorted(load_language("fr").pages)]
            + [f"/flows/{f}" for f in sorted(load_flow_structures())]
            + ["/flows/proposal?rank=2&visited=yes&visit_date=2026-11-20"])
    # a few pages asked in a language through the address rather than the cookie
    return urls + [f"/journey?lang={lang}" for lang in LANGUAGES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB, help="a dedicated PostgreSQL database (emptied)")
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="measured time of each mode")
    parser.add_argument("--warmup", type=float, default=10, help="uncounted time before each mode")
    parser.add_argument("--signed-in", type=int, default=500, help="households signed in (shared by clients)")
    parser.add_argument("--modes", default="closed,think")
    parser.add_argument("--think", default="1,2", help="seconds between requests in the think mode (min,max)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--budget", type=float, default=50.0)
    args = parser.parse_args()
    think_min, think_max = (float(x) for x in args.think.split(","))
    if min(args.signed_in, args.households) < args.clients:
        parser.error("--signed-in must be at least --clients: each client edits only its own households' plans")

    print(f"load average before: {load_average()}")
    started = time.perf_counter()
    ensure_database(args.db)
    members, phones = seed(args.db, args.households, min(args.signed_in, args.households))
    print(f"seeded {args.households} households ({len(phones)} phones) in {time.perf_counter() - started:.1f} s")
    urls = guide_urls()
    log_path = Path(tempfile.mkdtemp(prefix="guide-load-")) / "gunicorn.log"
    results = {}
    with gunicorn(args.db, args.workers, args.threads, log_path) as (base, master):
        began = time.perf_counter()
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            for member, cookie in zip(members, pool.map(lambda m: open_session(base, m.token), members),
                                      strict=True):
                name, _, value = cookie.partition("=")
                member.cookies[name] = value
        print(f"signed in {len(members)} households through personal links in {time.perf_counter() - began:.1f} s")
        sampler = MemorySampler(master)
        sampler.sample()
        sampler.start()
        print(f"gunicorn: {args.workers} workers (gunicorn.conf.py), {args.clients} clients, "
              f"{len(urls)} guide addresses; warm-up {args.warmup:.0f} s then {args.seconds:.0f} s per mode")
        for mode in args.modes.split(","):
            think = (think_min, think_max) if mode == "think" else None
            threads, duration, cpu = drive(base, master, members, phones, urls, args.clients, args.warmup,
                                           args.seconds, think)
            title = ("closed loop (no think time: saturation)" if think is None else
                     f"think time {think_min:g}–{think_max:g} s ({args.clients} concurrent users)")
            results[mode] = report(title, threads, duration, cpu, args.budget)
        sampler.stopping.set()
        sampler.sample()
        master_mem = memory_kb(master)
        live = set(worker_pids(master))
    print("\n== memory (KiB; PSS counts pages shared with the preloaded master once)")
    if master_mem:
        print(f"master {master}: RSS {master_mem[0]:,}  PSS {master_mem[1]:,}")
    for pid in sorted(sampler.peak):
        rss, pss = sampler.last[pid]
        print(f"worker {pid}: RSS {rss:,} (peak {sampler.peak[pid]:,})  PSS {pss:,}"
              f"{'' if pid in live else '  (recycled after max_requests)'}")
    print(f"gunicorn's log: {log_path}")
    for mode, figures in results.items():
        print(f"{mode}: p95 {figures['p95']:.1f} ms, {figures['rps']:.1f} req/s")


if __name__ == "__main__":
    main()

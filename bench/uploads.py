"""Worst-case photo uploads against gunicorn: do they stall the other requests, how much memory do they take?

Starts the app with the project's gunicorn.conf.py (its default workers and threads), signs in six households
through personal links, then, for each kind of worst-case photo, sends 6 mediation requests at once (one photo
each), a few rounds, while a seventh client polls /healthz on fresh connections. Prints, per kind of photo, each
upload's status and time, /healthz p50/p95/max while the uploads run, and the worker processes' peak RSS
(sampled from /proc every 20 ms).
Targets: /healthz p95 < 200 ms and every worker < 300 MB during 6 concurrent worst-case uploads.
--baseline REV runs the same bench first on the code of commit REV (git archive into a temp dir, with that
commit's own gunicorn.conf.py), so both tables come from one run on the same (shared, noisy) machine.
Usage: .venv/bin/python bench/uploads.py [--baseline 67da042] [--rounds 2] [--threads N] [--only png-bomb,...]
"""

from __future__ import annotations

import argparse
import http.client
import io
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from bench._server import ROOT, gunicorn_process  # noqa: E402
from bench.household_home import open_session  # noqa: E402

CONCURRENT = 6


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _gradient(width: int, height: int) -> Image.Image:
    """A smooth picture: cheap to store, full price to decode."""
    red = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", (red, red.transpose(Image.Transpose.ROTATE_90).resize((width, height)),
                               Image.new("L", (width, height), 140)))


def _extra_scans(jpeg: bytes, count: int) -> bytes:
    """The progressive JPEG with its last scan repeated `count` times: a few bytes each, a full pass each."""
    last = jpeg[jpeg.rindex(b"\xff\xda"):-2]
    return jpeg[:-2] + last * count + b"\xff\xd9"


def worst_cases() -> dict[str, tuple[str, bytes]]:
    """Name → (what it is, file bytes): the bombs of the issue, then the heaviest photos a phone really sends."""
    flat = (120, 130, 140)
    png_16mp = _gradient(4000, 4000)
    png_16mp.paste(Image.effect_noise((4000, 400), 40).convert("RGB"), (0, 0))  # some detail: a real ratio
    return {
        "png-bomb": ("PNG 6300×6300 flat colour (40 MP, under the old 40 MP limit)",
                     _save(Image.new("RGB", (6300, 6300), flat), "PNG")),
        "jpeg-progressive-40mp": ("progressive JPEG 6300×6300 4:4:4, flat (40 MP)",
                                  _save(Image.new("RGB", (6300, 6300), flat), "JPEG", quality=90, subsampling=0,
                                        progressive=True)),
        "jpeg-scan-bomb": ("progressive JPEG 4032×3024 with its last scan repeated 200 times",
                           _extra_scans(_save(Image.new("RGB", (4032, 3024), flat), "JPEG", quality=90,
                                              progressive=True), 200)),
        "jpeg-64mp": ("baseline JPEG 9248×6936 (a 64 MP phone photo: the largest one-scan JPEG accepted)",
                      _save(_gradient(9248, 6936), "JPEG", quality=92)),
        "jpeg-progressive-16mp": ("progressive JPEG 4000×4000 4:4:4 in 32 scans (the costliest one accepted)",
                                  _extra_scans(_save(_gradient(4000, 4000), "JPEG", quality=92, subsampling=0,
                                                     progressive=True), 22)),
        "png-16mp": ("PNG 4000×4000 with detail (a large screenshot or scan; the largest PNG accepted)",
                     _save(png_16mp, "PNG")),
    }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def seed(database_url: str, count: int) -> list[str]:
    """Households to sign in (personal-link tokens), made with the test factories."""
    from guide import create_app
    from guide.core.extensions import db
    from guide.features.signin import service as signin
    from guide.models import Household
    from tests import factories

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    factories.APP = app
    officer = factories.make_staff()
    tokens = []
    for i in range(count):
        household = factories.make_household(officer_id=officer.id, reference=f"UPL-{i}")
        with app.test_request_context():
            tokens.append(signin.create_link(db.session.get(Household, household.id)))
            db.session.commit()
    return tokens


class Workers:
    """Samples the RSS of the gunicorn master's children from /proc until stopped; keeps each one's peak."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.peaks: dict[int, int] = {}
        self.baseline: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()]
        except OSError:
            return []

    @staticmethod
    def rss(pid: int) -> int | None:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for pid in self.pids():
                value = self.rss(pid)
                if value is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), value)

    def start(self) -> None:
        for pid in self.pids():
            self.baseline[pid] = self.rss(pid) or 0
        self._thread.start()

    def reset(self) -> None:
        self.peaks = {}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Poller:
    """Starts a /healthz request every 50 ms on a fresh connection, whether or not the previous ones answered
    (visitors keep arriving while a worker is stuck), and records each one's time."""

    base: str
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (started, ms, status)
    stop: threading.Event = field(default_factory=threading.Event)

    def one(self) -> None:
        parsed = urlparse(self.base)
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
        except (OSError, http.client.HTTPException):
            status = 0
        self.samples.append((started, (time.perf_counter() - started) * 1000, status))

    def run(self) -> None:
        pending: list[threading.Thread] = []
        while not self.stop.wait(0.05):
            pending = [t for t in pending if t.is_alive()]
            thread = threading.Thread(target=self.one, daemon=True)
            thread.start()
            pending.append(thread)
        for thread in pending:
            thread.join()


def upload_once(base: str, cookie: str, name: str, data: bytes, barrier: threading.Barrier) -> tuple[int, float]:
    """Fill the mediation form with one photo; send it when all six are ready. Returns (status, seconds)."""
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    conn.request("GET", "/my/mediation", headers={"Cookie": cookie})
    response = conn.getresponse()
    page = response.read().decode()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]  # the session now holds the CSRF secret
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in (("csrf_token", token), ("key", uuid.uuid4().hex), ("what_happened", "Le plafond fuit.")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    extension = "png" if data.startswith(b"\x89PNG") else "jpg"
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="{name}.{extension}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    barrier.wait()
    started = time.perf_counter()
    try:
        conn.request("POST", "/my/mediation", body=body,
                     headers={"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    conn.close()
    return status, time.perf_counter() - started


def run(label: str, root: Path, rounds: int, threads: int | None, cases: dict[str, tuple[str, bytes]]) -> list[str]:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/uploads.sqlite3"
    lines = []
    no_limits = {"GUIDE_RATELIMIT_ENABLED": "false"}
    with gunicorn_process(workers=None, threads=threads, database_url=url, extra_env=no_limits,
                          root=root) as (base, master):
        tokens = seed(url, CONCURRENT)
        cookies = [open_session(base, t) for t in tokens]
        workers = Workers(master.pid)
        workers.start()
        idle = max(workers.baseline.values(), default=0)
        poller = Poller(base)
        polling = threading.Thread(target=poller.run, daemon=True)
        polling.start()
        lines.append(f"{label}: {len(workers.baseline)} workers, threads {threads or 'from gunicorn.conf.py'}; "
                     f"idle worker RSS {idle / 2**20:.0f} MB")
        lines.append(f"{'photo':24} {'KB':>5}  {'statuses':18} {'upload s p50/max':>16}  "
                     f"{'/healthz n':>10} {'p50':>6} {'p95':>6} {'max':>7} ms  {'peak worker RSS':>15}")
        for name, (_what, data) in cases.items():
            workers.reset()
            results: list[tuple[int, float]] = []
            health: list[float] = []
            for _ in range(rounds):
                barrier = threading.Barrier(CONCURRENT + 1)
                out: list[tuple[int, float]] = []
                senders = [threading.Thread(target=lambda *a, out=out: out.append(upload_once(*a)),
                                            args=(base, c, name, data, barrier)) for c in cookies]
                for sender in senders:
                    sender.start()
                barrier.wait()
                began = time.perf_counter()
                for sender in senders:
                    sender.join()
                ended = time.perf_counter()
                results += out
                time.sleep(0.5)  # let the workers settle between rounds, and late /healthz answers arrive
                health += [ms for started, ms, _s in list(poller.samples) if began <= started <= ended]
            statuses: dict[int, int] = {}
            for status, _seconds in results:
                statuses[status] = statuses.get(status, 0) + 1
            shown = " ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
            times = [seconds for _status, seconds in results]
            peak = max(workers.peaks.values(), default=0)
            lines.append(f"{name:24} {len(data) / 1024:5.0f}  {shown:18} {percentile(times, 50):7.2f}/"
                         f"{max(times):6.2f}   {len(health):10} {percentile(health, 50):6.0f} "
                         f"{percentile(health, 95):6.0f} {max(health, default=float('nan')):7.0f}     "
                         f"{peak / 2**20:9.0f} MB")
        poller.stop.set()
        polling.join()
        workers.stop()
        ok_health = all(s == 200 for _t, _ms, s in poller.samples)
        lines.append(f"every /healthz answered 200: {ok_health}; statuses: 303 accepted, 422 refused with a "
                     "message, 503 busy (try again), 0 connection lost")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="a commit to measure first, e.g. the base of this branch")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="GUIDE_THREADS (default: gunicorn.conf.py's)")
    parser.add_argument("--only", help="comma-separated photo kinds")
    args = parser.parse_args()
    cases = worst_cases()
    if args.only:
        cases = {k: v for k, v in cases.items() if k in args.only.split(",")}
    for name, (what, data) in cases.items():
        print(f"{name:24} {len(data) / 1024:6.0f} KB  {what}")
    tables = []
    if args.baseline:
        checkout = Path(tempfile.mkdtemp(prefix="guide-bench-base-"))
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(checkout)], input=archive, check=True)
        tables.append(run(f"BEFORE ({args.baseline})", checkout, args.rounds, args.threads, cases))
    tables.append(run("AFTER (this tree)", ROOT, args.rounds, args.threads, cases))
    for table in tables:
        print()
        print("\n".join(table))
    print(f"\n{CONCURRENT} concurrent uploads × {args.rounds} rounds per photo; "
          "targets: /healthz p95 < 200 ms, peak worker RSS < 300 MB")


if __name__ == "__main__":
    main()

"""Letters of written requests, through the app: PDF generation time and the letter page's weight.

Creates a household writing in Arabic with a long mediation request (French letter + Arabic copy, two pages or
more), then downloads the PDF 31 times and the letter page compressed. The first download makes the PDF (and,
since the PDF store, keeps it); the 30 later downloads are timed apart (issue 20: later views p95 ≤ 50 ms), in wall
time and in the CPU time of the thread serving them (the view's own work, whatever the neighbours do).
Targets: first PDF ≤ 1 s; later views p95 ≤ 50 ms; letter page ≤ 20 KB compressed.

With --before CHECKOUT (e.g. main's code: `git archive main | tar -x -C /tmp/main`), that checkout and this one are
measured side by side, each in a fresh process, in interleaved rounds (--rounds, 3 by default).
Usage: .venv/bin/python bench/letters.py [--before /tmp/main] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARAGRAPH = ("Le logement proposé est au quatrième étage sans ascenseur. Ma mère ne peut pas monter les escaliers. "
             "الشقة في الطابق الرابع بدون مصعد ولا تستطيع أمي صعود الدرج. ")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def measure(root: str) -> dict[str, object]:
    """The letter's figures with `root`'s code (imported from there)."""
    sys.path.insert(0, root)
    import flask_migrate

    from guide import create_app

    url = f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/letters.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        flask_migrate.upgrade()
    from tests import factories

    factories.APP = app
    officer = factories.make_staff()
    household = factories.make_household(language="ar", officer_id=officer.id)
    client = app.test_client()
    from guide.core.extensions import db
    from guide.features.signin import service as signin
    from guide.models import Household

    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household.id))
        db.session.commit()
    page = client.get(f"/k/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/k/{token}", data={"csrf_token": csrf})
    form = client.get("/my/mediation").get_data(as_text=True)
    key = re.search(r'value="([0-9a-f]{32})"', form).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/my/mediation", data={"csrf_token": csrf, "key": key,
                                                 "what_happened": PARAGRAPH * 6, "disagreement": PARAGRAPH * 3,
                                                 "wish": PARAGRAPH * 2})
    receipt = response.headers["Location"]
    letter = client.get(receipt + "/letter", headers={"Accept-Encoding": "br, gzip"})
    css = client.get("/static/css/letter.css", headers={"Accept-Encoding": "br, gzip"})
    timings, cpu = [], []
    started = time.perf_counter()
    first = client.get(receipt + "/letter.pdf")
    first_seconds = time.perf_counter() - started
    assert first.data.startswith(b"%PDF")
    for _ in range(30):
        started, started_cpu = time.perf_counter(), time.thread_time()
        pdf = client.get(receipt + "/letter.pdf")
        timings.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
        assert pdf.data == first.data
    from io import BytesIO

    from pypdf import PdfReader

    return {"pages": len(PdfReader(BytesIO(pdf.data)).pages), "kb": len(pdf.data) / 1024, "first": first_seconds,
            "wall": timings, "cpu": cpu, "letter_kb": len(letter.data) / 1024, "css_kb": len(css.data) / 1024,
            "encoding": letter.headers.get("Content-Encoding")}


def _child(root: str) -> dict:  # type: ignore[type-arg]
    output = subprocess.run([sys.executable, __file__, "--child", root], check=True, capture_output=True, text=True,
                            cwd=root).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=None, help="another checkout measured beside this one")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (3 with --before, else 1)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    variants = ([("before", str(Path(args.before).resolve()))] if args.before else []) + [("after", str(ROOT))]
    rounds = args.rounds or (3 if args.before else 1)
    found: dict[str, list[dict]] = {name: [] for name, _ in variants}  # type: ignore[type-arg]
    for number in range(1, rounds + 1):
        for name, root in variants:
            figures = _child(root)
            found[name].append(figures)
            wall, cpu = figures["wall"], figures["cpu"]
            print(f"round {number} {name:6s}: first view {figures['first']:.3f} s; later views p50 "
                  f"{statistics.median(wall) * 1000:5.1f} ms, p95 {_p95(wall) * 1000:5.1f} ms, max "
                  f"{max(wall) * 1000:5.1f} ms; CPU p50 {statistics.median(cpu) * 1000:4.1f} ms, p95 "
                  f"{_p95(cpu) * 1000:4.1f} ms", flush=True)
    last = found["after"][-1]
    print(f"\nPDF letter ({last['pages']} pages, {last['kb']:.0f} KB), {rounds} round(s) of 30 later views each")
    for name, _ in variants:
        wall = [t for figures in found[name] for t in figures["wall"]]
        cpu = [t for figures in found[name] for t in figures["cpu"]]
        first = statistics.median(figures["first"] for figures in found[name])
        print(f"  {name:6s}: first view {first:.3f} s (target ≤ 1 s); later views p50 "
              f"{statistics.median(wall) * 1000:.1f} ms, p95 {_p95(wall) * 1000:.1f} ms over {len(wall)} "
              f"(target p95 ≤ 50 ms: {'OK' if _p95(wall) <= 0.050 else 'ABOVE'}); CPU p50 "
              f"{statistics.median(cpu) * 1000:.1f} ms, p95 {_p95(cpu) * 1000:.1f} ms")
    print(f"letter page: {last['letter_kb']:.1f} KB + letter.css {last['css_kb']:.1f} KB compressed "
          f"({last['encoding']})   target ≤ 20 KB")


if __name__ == "__main__":
    main()

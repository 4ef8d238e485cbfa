"""Lighthouse (mobile) performance and accessibility scores: home, journey, a flow page, the household home.

Runs Lighthouse from the npm registry (installed into bench/node_modules on first use) with Debian's
Chromium against the app served by gunicorn. Targets: performance ≥ 0.95, accessibility = 1.0.
Usage: .venv/bin/python bench/lighthouse.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import gunicorn

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
PAGES = ["/", "/journey", "/journey/visit", "/flows/proposal",
         "/flows/proposal?rank=2&visited=yes&visit_date=2026-11-20"]
FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync")


def household_cookie(base: str, database_url: str, reference: str) -> str:
    """Sign a demo household in through a personal link, as its phone would, and return the session cookie."""
    from sqlalchemy import select

    from bench.household_home import open_session
    from guide import create_app
    from guide.core.extensions import db
    from guide.features.signin.service import create_link
    from guide.models import Household

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    with app.test_request_context():
        household = db.session.scalars(select(Household).where(Household.reference == reference)).one()
        token = create_link(household)
        db.session.commit()
    return open_session(base, token)


def main() -> None:
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(BENCH)], check=True)
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    tmp = tempfile.mkdtemp(prefix="guide-lighthouse-")
    database_url = f"sqlite:///{tmp}/lighthouse.sqlite3"
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "guide", "demo"], check=True,
                   capture_output=True, env={**os.environ, "GUIDE_DATABASE_URL": database_url,
                                             "GUIDE_SECRET_KEY": "bench"})
    with gunicorn(workers=2, database_url=database_url) as base:
        cookies = {"fr": household_cookie(base, database_url, "DEMO-FR-1"),
                   "ar": household_cookie(base, database_url, "DEMO-AR-1")}
        print(f"{'lang':4} {'page':58} {'perf':>5} {'a11y':>5} {'FCP':>7} {'LCP':>7} {'TBT':>6} {'CLS':>5}")
        for lang in ("fr", "ar"):
            for page in [*PAGES, "/my"]:
                url = f"{base}{page}{'&' if '?' in page else '?'}lang={lang}"
                out = Path(tmp) / "report.json"
                headers = ["--extra-headers", json.dumps({"Cookie": cookies[lang]})] if page == "/my" else []
                subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                                "--only-categories=performance,accessibility", "--form-factor=mobile",
                                f"--chrome-flags={FLAGS}", *headers], check=True, env=env)
                report = json.loads(out.read_text())
                cat, audits = report["categories"], report["audits"]
                print(f"{lang:4} {page[:58]:58} {cat['performance']['score']:5.2f} "
                      f"{cat['accessibility']['score']:5.2f} "
                      f"{audits['first-contentful-paint']['numericValue']:6.0f}ms "
                      f"{audits['largest-contentful-paint']['numericValue']:6.0f}ms "
                      f"{audits['total-blocking-time']['numericValue']:5.0f}ms "
                      f"{audits['cumulative-layout-shift']['numericValue']:5.3f}")
    print("targets: performance ≥ 0.95, accessibility = 1.00 (simulated slow 4G, mid-range phone)")


if __name__ == "__main__":
    main()

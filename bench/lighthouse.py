"""Lighthouse (mobile) performance and accessibility scores for the home, journey and a flow page.

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


def main() -> None:
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(BENCH)], check=True)
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    with gunicorn(workers=2) as base, tempfile.TemporaryDirectory() as tmp:
        print(f"{'lang':4} {'page':58} {'perf':>5} {'a11y':>5} {'FCP':>7} {'LCP':>7} {'TBT':>6} {'CLS':>5}")
        for lang in ("fr", "ar"):
            for page in PAGES:
                url = f"{base}{page}{'&' if '?' in page else '?'}lang={lang}"
                out = Path(tmp) / "report.json"
                subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                                "--only-categories=performance,accessibility", "--form-factor=mobile",
                                f"--chrome-flags={FLAGS}"], check=True, env=env)
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

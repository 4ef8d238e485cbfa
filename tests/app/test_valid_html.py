"""Every page type is valid HTML for the W3C Nu checker (vnu.jar, npm package `vnu-jar` in tools/vnu/).

The pages are collected from the application's own route table (every GET route that answers HTML, public,
household and staff, with records behind each identifier), a few pages in their error or result state, and
the public pages in Arabic; then vnu checks them all in one call (the JVM takes seconds to start).
The HTML does not depend on the database: the test runs in the SQLite pass only (bin/test runs the suite twice).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import url_for

from guide.core.extensions import db
from guide.features.signin import service as signin
from guide.models import Household, Role
from tests.app.test_access_matrix import _records
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.conftest import csrf_token, get_page
from tests.factories import make_staff

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
DATABASE_KIND = "postgresql" if os.environ.get("GUIDE_TEST_DATABASE_URL") else "sqlite"

pytestmark = pytest.mark.skipif(DATABASE_KIND != "sqlite",
                                reason="the same templates whatever the database: checked once, in the SQLite pass")

NOT_PAGES = {"static", "guide.public.healthz", "guide.public.choose_language", "signin.household.personal_link",
             "guide.public.audio_file",  # a spoken page (audio/ogg); the page offering it is checked
             "metrics"}  # the operator's scrape: Prometheus text, not a page
EXTRA_ARGS = {"slug": None, "flow_id": "proposal", "kind": "wishes", "number": 1}


def _urls(app, ids: dict, prefix: str) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or not rule.rule.startswith(prefix):
                continue
            args = {k: EXTRA_ARGS[k] if k in EXTRA_ARGS else ids[k] for k in rule.arguments}
            if rule.endpoint in ("guide.public.stage", "guide.public.page"):
                args["slug"] = "my-answer" if rule.endpoint.endswith("stage") else "refusing"
            if rule.endpoint == "simulator.public.step":
                args["slug"] = "household"
            urls.append(url_for(rule.endpoint, **args))
    return urls


def _collect(client, urls: list[str], pages: dict[str, str]) -> None:
    for url in urls:
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            continue
        assert response.status_code == 200, f"{url} gave {response.status_code}"
        if response.mimetype == "text/html" and response.get_data(as_text=True).lstrip().lower().startswith(
                "<!doctype html>"):  # whole pages; htmx fragments (plan updates) are checked inside their pages
            pages[url] = response.get_data(as_text=True)


def _household_pages(app, ids: dict, pages: dict[str, str]) -> None:
    household = app.test_client()
    sign_in_as(household, app, SimpleNamespace(id=ids["household_id"]))
    _collect(household, [*_urls(app, ids, "/my"), "/my/plan/edit/phases"], pages)


def _public_pages(app, ids: dict, pages: dict[str, str]) -> None:
    public = app.test_client()
    urls = [u for u in _urls(app, ids, "/") if not u.startswith(("/my", "/staff"))]
    _collect(public, urls, pages)
    _collect(public, [f"{u}{'&' if '?' in u else '?'}lang=ar" for u in ("/", "/glossary", "/journey/my-answer",
                                                                       "/pages/refusing", "/simulator")], pages)
    _collect(public, ["/flows/proposal?rank=2&visited=yes&visit_date=2026-11-20",
                      "/flows/proposal?rank=2&visited=yes"], pages)  # a result; a date question
    with app.test_request_context():  # its own context: the requests' `g` (CSRF token, language) stays theirs
        token = signin.create_link(db.session.get(Household, ids["household_id"]))
        db.session.commit()
    _collect(public, [f"/k/{token}"], pages)
    page = get_page(public, "/sign-in")
    wrong = public.post("/sign-in", data={"csrf_token": csrf_token(page.soup), "phone": "12"})
    pages["/sign-in (error)"] = wrong.get_data(as_text=True)
    pages["/simulator/all (result)"] = public.get(
        "/simulator/all?people=3&adults=2&children=1&resources=1500&rent_now=500&rent_new=550").get_data(as_text=True)
    pages["/simulator/all (empty form sent)"] = public.get("/simulator/all?sent=1").get_data(as_text=True)
    answers = "people=3&adults=2&resources=1500&salary=1500&rent_now=500&commune_now=Lille&rent_new=550&gas=30"
    for step in ("household", "income", "expenses", "current-home", "offered-home"):  # each step, with answers
        pages[f"/simulator/{step} (answers)"] = public.get(f"/simulator/{step}?{answers}&return=check").get_data(
            as_text=True)
    pages["/simulator/household (errors)"] = public.get("/simulator/household?sent=1&people=0&adults=5").get_data(
        as_text=True)
    for page in ("check", "result"):
        pages[f"/simulator/{page} (answers)"] = public.get(f"/simulator/{page}?{answers}").get_data(as_text=True)
        pages[f"/simulator/{page} (ar)"] = public.get(f"/simulator/{page}?{answers}&lang=ar").get_data(as_text=True)
    pages["/nowhere (404)"] = public.get("/nowhere").get_data(as_text=True)


def _staff_pages(app, ids: dict, pages: dict[str, str]) -> None:
    staff = app.test_client()
    log_in(staff, make_staff(role=Role.ADMIN))
    _collect(staff, _urls(app, ids, "/staff"), pages)


def _run_vnu(folder: Path) -> list[dict]:
    java = shutil.which("java")
    assert java, "java not found: install Debian's default-jre-headless (bin/test does)"
    assert VNU_JAR.exists(), f"{VNU_JAR} missing: run `npm ci --prefix tools/vnu` (bin/test does)"
    done = subprocess.run([java, "-Xss1m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                           "--exit-zero-always", str(folder)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, f"vnu failed to run: {done.stderr[-2000:]}"
    return json.loads(done.stderr)["messages"]


def test_every_page_type_is_valid_html(app, ctx, tmp_path) -> None:
    ids = _records(app)
    pages: dict[str, str] = {}
    _public_pages(app, ids, pages)
    _household_pages(app, ids, pages)
    _staff_pages(app, ids, pages)
    kinds = {re.sub(r"/\d+|\?.*| \(.*", "", url) for url in pages}
    assert len(kinds) >= 45, f"only {len(kinds)} page types collected: {sorted(kinds)}"
    names = {}
    for number, (url, html) in enumerate(sorted(pages.items())):
        name = f"page{number:03d}.html"
        (tmp_path / name).write_text(html, encoding="utf-8")
        names[name] = url
    errors = [f"{names[Path(m['url']).name]} line {m.get('lastLine')}: {m['message']}"
              for m in _run_vnu(tmp_path) if m.get("type") == "error"]
    assert not errors, f"{len(errors)} HTML errors on {len(pages)} pages:\n" + "\n".join(errors[:60])

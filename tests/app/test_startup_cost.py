"""What every process pays at start and on each request: WeasyPrint, Pillow, icalendar, holidays and OpenFisca only
when first needed, libyaml for the content, WTForms' catalogue read once per language (still translating its
messages), Server-Timing around the whole request."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml
from babel import support
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from guide.core import content, wtforms_i18n

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_starts_without_weasyprint_and_loads_it_for_the_first_letter(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from guide import create_app\n"
        f"app = create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/x.sqlite3', 'SECRET_KEY': 'x'}})\n"
        "print('at start', 'weasyprint' in sys.modules)\n"
        "from guide.core.pdf import html_to_pdf\n"
        "pdf = html_to_pdf('<p>Bonjour</p>')\n"
        "print('after a letter', 'weasyprint' in sys.modules, pdf[:5])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "at start False" in out, f"WeasyPrint is imported at start-up: {out}"
    assert "after a letter True b'%PDF-'" in out, out


# Imported by the code that needs them, never at start: each costs every process (each gunicorn worker, each CLI
# command) time and memory, and most processes never use it. Counted in sys.modules, not timed (bench/cold_start.py
# times the start).
NOT_AT_START = {
    "weasyprint": "letters (guide/core/pdf.py)",
    "PIL": "photos (guide/core/uploads.py, guide/features/mediation/photos.py)",
    "icalendar": "calendar files (guide/features/appointments/calendar.py)",
    "holidays": "the reminders' send window (guide/rules/reminders.py)",
    "openfisca_core": "the housing benefit model (guide/core/housing_benefit.py, loaded by gunicorn.conf.py)",
    "openfisca_france": "the housing benefit model",
    "numpy": "the housing benefit model",
    "flask_migrate": "`flask db` only (guide/__init__.py: MIGRATIONS)",
}


def test_the_web_app_starts_and_serves_a_page_without_the_heavy_libraries(tmp_path: Path) -> None:
    """What gunicorn imports (guide.wsgi), then the first guide page: none of the heavy libraries."""
    script = (
        "import sys, json\n"
        "import guide.wsgi\n"
        "at_start = sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)\n"
        "status = guide.wsgi.app.test_client().get('/journey').status_code\n"
        "after_page = sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)\n"
        "print(json.dumps([at_start, status, after_page]))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "GUIDE_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
           "GUIDE_SECRET_KEY": "x"}
    out = subprocess.run([sys.executable, "-c", script, json.dumps(sorted(NOT_AT_START))], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    at_start, status, after_page = json.loads(out.splitlines()[-1])
    assert status == 200, f"the first guide page answered {status}"
    assert not at_start, "imported at start: " + ", ".join(f"{name} (for {NOT_AT_START[name]})" for name in at_start)
    assert not after_page, "imported by a guide page: " + ", ".join(
        f"{name} (for {NOT_AT_START[name]})" for name in after_page)


def test_the_web_app_serves_a_first_page_before_the_workers_fork_and_keeps_no_connection(tmp_path: Path) -> None:
    """guide.wsgi (what gunicorn's master imports) builds a first page, so its compiled layout is shared by the
    workers it forks (guide/core/prefork.py), and leaves no database connection open for them to inherit."""
    script = (
        "import guide.wsgi\n"
        "from guide.core.extensions import db\n"
        "with guide.wsgi.app.app_context():\n"
        "    pool = db.engine.pool\n"
        "    print(len(guide.wsgi.app.jinja_env.cache or {}), pool.checkedin(), pool.checkedout())\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "GUIDE_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
           "GUIDE_SECRET_KEY": "x"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    templates, idle, busy = map(int, out.split())
    assert templates > 0, "no template compiled before the fork: each worker compiles the layout again"
    assert idle == busy == 0, f"{idle} idle and {busy} busy database connections would be shared by every worker"


def test_content_yaml_is_read_with_libyaml() -> None:
    if not yaml.__with_libyaml__:  # pragma: no cover - the CI image has libyaml
        raise AssertionError("PyYAML was built without libyaml: the content takes ~1 s more to load")
    assert content._YAML_LOADER is yaml.CSafeLoader


class _Named(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])  # WTForms' own message, not one of ours


def test_wtforms_messages_are_translated_from_a_catalogue_read_once(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    wtforms_i18n.wtforms_translations.cache_clear()
    loads: list[object] = []
    real_load = support.Translations.load

    def counting_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counting_load)
    errors = []
    for _ in range(3):
        with app.test_request_context("/?lang=ar", method="POST", data={"name": ""}):
            form = _Named()
            assert not form.validate()
            errors.append(form.name.errors[0])
    assert errors[0] == "هذا الحقل مطلوب.", f"WTForms' message in Arabic expected, got {errors[0]!r}"
    assert len(set(errors)) == 1 and len(loads) == 1, f"the catalogue was read {len(loads)} times for 3 requests"
    with app.test_request_context("/?lang=en", method="POST", data={"name": ""}):
        form = _Named()
        form.validate()
        assert form.name.errors == ["This field is required."]


def test_server_timing_covers_what_runs_after_the_view(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    """A slow last after_request step (where compression and the security headers run) counts in the figure, and a
    page served from the page cache is timed too."""

    def slow_last_step(response):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return response

    hooks = app.after_request_funcs.setdefault(None, [])
    hooks.insert(0, slow_last_step)  # after_request hooks run last-registered first: this one runs last
    app.config["SERVER_TIMING"] = True
    try:
        response = client.get("/journey/visit?lang=fr")
        client.get("/journey/visit")
        cached = client.get("/journey/visit")
    finally:
        app.config["SERVER_TIMING"] = False
        hooks.remove(slow_last_step)
    duration = float(re.search(r"app;dur=([0-9.]+)", response.headers["Server-Timing"]).group(1))
    assert duration >= 50, f"Server-Timing says {duration} ms: the 50 ms spent after the view were missed"
    assert cached.headers["Server-Timing"].startswith("app;dur="), "a page from the cache is timed as well"
    assert len(cached.headers.getlist("Server-Timing")) == 1

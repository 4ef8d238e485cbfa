"""Weight of the plan page (Quoi ? Qui ? Quand ?) with 30 actions and 5 ranked brakes, served by gunicorn.

Prints the compressed size of the HTML (headers included) for the household in each language and for the
mediator, and the first load with the stylesheet and scripts. Target: plan page ≤ 20 KB compressed.
Usage: .venv/bin/python bench/plan_page.py [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import gunicorn
from bench.household_home import open_session

ACTIONS = 30
BRAKES = ("money", "transport", "school", "neighbourhood", "own")


def seed(database_url: str) -> tuple[dict[str, str], int]:
    """One household per language, each with 30 actions and 5 brakes; personal-link tokens and a mediator id."""
    import flask_migrate

    from guide import create_app
    from guide.core.extensions import db
    from guide.core.security import hash_password
    from guide.features.plan import service as plan
    from guide.features.signin.service import create_link
    from guide.models import Household, HouseholdPhone, StaffUser

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    tokens = {}
    with app.app_context():
        flask_migrate.upgrade()
        mediator = StaffUser(email="mediateur@example.org", name="Samir Haddad", role="mediator",
                             password_hash=hash_password("bench-password-123"))
        db.session.add(mediator)
        db.session.commit()
        mediator_id = mediator.id
        for n, lang in enumerate(("fr", "ar", "en", "tr", "pt")):
            household = Household(reference=f"P-{n}", display_name=f"Famille {n}", language=lang, occupants=4,
                                  stage="my-project", mediator_id=mediator_id)
            household.phones.append(HouseholdPhone(number=f"+3361000000{n}", sms_consent=True))
            db.session.add(household)
            db.session.flush()
            actor = plan.Actor("household", household.id)
            for category in BRAKES:
                plan.add_item(household.id, "brake", {"category": category,
                                                      "words": "Nous avons peur de payer plus cher."}, actor)
            for i in range(ACTIONS):
                plan.add_item(household.id, "action", {
                    "what": f"Action {i + 1} : appeler la mairie pour l'inscription à l'école des enfants",
                    "who": ("household", "mediator", "officer", "partner")[i % 4], "who_name": "",
                    "when_date": f"2026-12-{1 + i % 28:02d}" if i % 2 else "", "when_week": "" if i % 2 else
                    "2026-W50", "status": ("todo", "done", "dropped")[i % 3], "brake_id": "", "suggestion": ""},
                    actor)
            db.session.commit()
            with app.test_request_context():
                tokens[lang] = create_link(db.session.get(Household, household.id))
                db.session.commit()
    return tokens, mediator_id


def fetch(base: str, path: str, cookie: str = "") -> tuple[int, str]:
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "br, gzip"})
    response = conn.getresponse()
    body = response.read()
    size = len(body) + sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders()) + len("HTTP/1.1 200 OK\r\n\r\n")
    text = ""
    if response.getheader("Content-Encoding") == "br":
        import brotli

        text = brotli.decompress(body).decode()
    elif response.getheader("Content-Encoding") == "gzip":
        import gzip

        text = gzip.decompress(body).decode()
    conn.close()
    assert response.status == 200, (path, response.status)
    return size, text


def staff_session(base: str) -> str:
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", "/staff/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    conn.request("POST", "/staff/login", body=f"csrf_token={csrf}&email=mediateur%40example.org"
                 f"&password=bench-password-123",
                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    assert response.status == 303, response.status
    return response.getheader("Set-Cookie").split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='guide-bench-')}/plan.sqlite3"
    tokens, _mediator_id = seed(url)
    worst = 0
    with gunicorn(workers=2, database_url=url, extra_env={"GUIDE_RATELIMIT_ENABLED": "false"}) as base:
        print(f"{'who':10} {'page':34} {'html':>8} {'first load':>11}")
        for lang, token in tokens.items():
            cookie = open_session(base, token)
            size, text = fetch(base, "/my/plan", cookie)
            assert text.count('class="status-') == ACTIONS
            assets = re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', text)
            first = size + sum(fetch(base, a)[0] for a in assets)
            worst = max(worst, size)
            print(f"{'household':10} {'/my/plan (' + lang + ')':34} {size:8} {first:11}")
        cookie = staff_session(base)
        size, text = fetch(base, "/staff/households/1/plan", cookie)
        worst = max(worst, size)
        print(f"{'mediator':10} {'/staff/households/1/plan':34} {size:8}")
    print(f"\nlargest plan page with {ACTIONS} actions: {worst / 1024:.1f} KB compressed (headers included); "
          f"target ≤ 20 KB")


if __name__ == "__main__":
    main()

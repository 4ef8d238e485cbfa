"""Page height of the household's pages on a phone (360 × 740 CSS px, Chromium), signed in as a demo household.

Loads the demo data (plus three plan actions and a written request, so every card of "where I stand" has
content) in a fresh SQLite file, signs in through a personal link as the first demo household (a proposal to
answer, an appointment, contacts, papers), then prints the full height of each page (document scrollHeight),
how many screens of 740 px that is, and how many cards (`section.card`) the page has.
Usage: .venv/bin/python bench/page_height.py [/my /my/proposals ...] [--lang fr] [--household DEMO-FR-1]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = ["/my"]
CHROMIUM = "/usr/bin/chromium"


def seed(app, reference: str) -> str:
    """Demo data, a fuller plan and a written request for the household; return a personal-link token."""
    import flask_migrate
    from sqlalchemy import select

    from guide.core.extensions import db
    from guide.demo import load_demo
    from guide.features.plan.service import Actor, add_item
    from guide.features.requests.service import ask_mediation
    from guide.features.signin.service import create_link
    from guide.models import Household

    with app.app_context():
        flask_migrate.upgrade()
        load_demo(date.today())
        household = db.session.scalars(select(Household).where(Household.reference == reference)).one()
        actor = Actor("household", household.id)
        for days, what in ((5, "Appeler la CAF pour l'aide au logement"), (9, "Trier les papiers de la cave"),
                           (14, "Demander un devis au déménageur")):
            add_item(household.id, "action", {"what": what, "who": "household", "status": "todo",
                                              "when_date": (date.today() + timedelta(days=days)).isoformat()}, actor)
        ask_mediation(household, "La cuisine est trop petite.", "Je ne suis pas d'accord.", "Un T3 à Lille.", [],
                      "bench-page-height", date.today())
        token = create_link(household)
        db.session.commit()
    return token


def main() -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from guide import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=PAGES)
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--household", default="DEMO-FR-1")
    parser.add_argument("--screenshots", metavar="DIR", help="also save a full-page screenshot of each page there")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="guide-height-")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/height.sqlite3", "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    token = seed(app, args.household)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                      is_mobile=True, has_touch=True, base_url=base)
        page = context.new_page()
        page.goto(f"/language/{args.lang}?next=/")
        page.goto(f"/k/{token}")
        page.locator("main form button[type=submit]").click()
        print(f"{'page':<28} {'height px':>10} {'screens':>8} {'cards':>6}")
        for path in args.pages:
            page.goto(path)
            height = page.evaluate("document.documentElement.scrollHeight")
            cards = page.locator("main section.card").count()
            if args.screenshots:
                name = path.strip("/").replace("/", "-") or "root"
                page.screenshot(path=str(Path(args.screenshots) / f"{name}-{args.lang}.png"), full_page=True)
            print(f"{path:<28} {height:>10} {height / 740:>8.1f} {cards:>6}")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()

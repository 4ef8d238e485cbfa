"""Reliability: 20 concurrent editors (household and staff sessions) × 50 saves on one plan, over real HTTP.

Every accepted save must be in the final state or in the history; every refused one must have got a conflict
answer showing both texts; no answer may be a server error. Runs on SQLite and on PostgreSQL like the rest.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter

import pytest
import requests
from flask import session
from sqlalchemy import select
from werkzeug.serving import make_server

from guide.core import auth
from guide.core.extensions import db
from guide.models import PlanChange, PlanItem, Role
from tests.factories import make_household, make_plan_item, make_staff

EDITORS = 20
SAVES = 50
ITEMS = 4
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture()
def server(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # 2,000 request lines would only slow the test
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def _session_cookie(app, values: dict) -> str:
    """A signed-in session's cookie: the session record and cookie values made by guide.core.auth's own sign-in."""

    with app.test_request_context():
        if "household_id" in values:
            auth.sign_in_household(values["household_id"])
        else:
            auth.sign_in_staff(values["staff_id"])
        cookie = dict(session)
    return app.session_interface.get_signing_serializer(app).dumps(cookie)


def _version(html: str) -> str:
    tag = re.search(r'<input[^>]*name="item-version"[^>]*>', html).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def test_twenty_editors_fifty_saves_each_lose_nothing(app, ctx, server) -> None:
    mediator = make_staff(role=Role.MEDIATOR)
    household = make_household(mediator_id=mediator.id)
    items = [make_plan_item(household, "action", {"what": f"action {n}", "who": "household", "status": "todo"},
                            rank=n).id for n in range(ITEMS)]
    # ten household phones and ten mediator sessions (a tablet, a laptop...), each with its own cookies
    identities = [{"household_id": household.id}] * 10 + [{"staff_id": mediator.id}] * 10
    base = {True: f"{server}/my/plan", False: f"{server}/staff/households/{household.id}/plan"}
    accepted: list[tuple[int, str]] = []
    refused: list[tuple[int, str]] = []
    statuses: Counter[int] = Counter()
    move_statuses: Counter[int] = Counter()
    problems: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(EDITORS)

    def editor(number: int) -> None:
        identity = identities[number]
        http = requests.Session()
        http.cookies.set(app.config["SESSION_COOKIE_NAME"], _session_cookie(app, identity), domain="127.0.0.1")
        prefix = base["household_id" in identity]
        rng = random.Random(number)
        start.wait()
        for save in range(SAVES):
            item_id = rng.choice(items)
            url = f"{prefix}/items/{item_id}"
            page = http.get(url, timeout=30)
            text = f"editor {number} save {save}"
            try:
                assert page.status_code == 200, f"GET {page.status_code}"
                response = http.post(url, allow_redirects=False, timeout=30, data={
                    "csrf_token": CSRF.search(page.text).group(1), "item-version": _version(page.text),
                    "item-what": text, "item-who": "household", "item-status": "todo", "item-brake_id": "",
                    "item-who_name": "", "item-when_date": "", "item-when_week": "", "item-suggestion": ""})
            except (AssertionError, AttributeError) as error:
                with lock:
                    problems.append(f"{number}/{save}: {error}")
                continue
            if number % 4 == 0:  # some editors also reorder the list meanwhile: that must never cost a text
                moved = http.post(f"{prefix}/items/{rng.choice(items)}/move", allow_redirects=False, timeout=30,
                                  data={"csrf_token": CSRF.search(page.text).group(1),
                                        "direction": rng.choice(("up", "down"))})
                with lock:
                    move_statuses[moved.status_code] += 1
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 303:
                    accepted.append((item_id, text))
                elif response.status_code == 409:
                    refused.append((item_id, text))
                    if text not in response.text or "data-conflict" not in response.text:
                        problems.append(f"{number}/{save}: a conflict answer without my text")
                else:
                    problems.append(f"{number}/{save}: {response.status_code}")

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(EDITORS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    assert not problems, problems[:10]
    assert sum(statuses.values()) == EDITORS * SAVES and not [s for s in statuses if s >= 500], statuses
    assert len(accepted) + len(refused) == EDITORS * SAVES
    assert set(move_statuses) == {303}, move_statuses
    moves = 0
    with app.app_context():
        for item_id in items:
            item = db.session.get(PlanItem, item_id)
            changes = db.session.scalars(select(PlanChange).where(PlanChange.item_id == item_id)
                                         .order_by(PlanChange.version)).all()
            saved_here = [text for i, text in accepted if i == item_id]
            recorded = [c.after["data"]["what"] for c in changes if c.action == "update"]
            moves += sum(1 for c in changes if c.action == "move")
            # every accepted save is in the history exactly once, in a chain of versions with no gap
            assert sorted(recorded) == sorted(saved_here)
            assert [c.version for c in changes] == list(range(1, item.version + 1))
            assert all(a.after == b.before for a, b in zip(changes, changes[1:], strict=False))
            assert item.data["what"] == (recorded[-1] if recorded else f"action {items.index(item_id)}")
    print(f"\n{EDITORS}×{SAVES} saves in {elapsed:.1f} s: {len(accepted)} accepted, {len(refused)} refused "
          f"(conflict screen), statuses {dict(statuses)}; {sum(move_statuses.values())} moves "
          f"meanwhile ({moves} rows renumbered)")


def test_concurrent_moves_keep_a_clean_order(app, ctx, server) -> None:
    """Ten sessions reorder the same five brakes at once: no server error, and the order stays 1..5."""
    mediator = make_staff(role=Role.MEDIATOR)
    household = make_household(mediator_id=mediator.id)
    brakes = [make_plan_item(household, "brake", {"category": c, "words": ""}, rank=n + 1).id
              for n, c in enumerate(("money", "family", "school", "work", "transport"))]
    identities = [{"household_id": household.id}] * 5 + [{"staff_id": mediator.id}] * 5
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(identities))

    def mover(number: int) -> None:
        identity = identities[number]
        http = requests.Session()
        http.cookies.set(app.config["SESSION_COOKIE_NAME"], _session_cookie(app, identity), domain="127.0.0.1")
        prefix = f"{server}/my/plan" if "household_id" in identity else (
            f"{server}/staff/households/{household.id}/plan")
        token = CSRF.search(http.get(prefix, timeout=30).text).group(1)
        rng = random.Random(number)
        start.wait()
        for _ in range(20):
            response = http.post(f"{prefix}/items/{rng.choice(brakes)}/move", allow_redirects=False, timeout=30,
                                 data={"csrf_token": token, "direction": rng.choice(("up", "down"))},
                                 headers={"HX-Request": "true"} if number % 2 else {})
            with lock:
                statuses[response.status_code] += 1

    threads = [threading.Thread(target=mover, args=(n,)) for n in range(len(identities))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {200, 303}, statuses
    with app.app_context():
        ranks = sorted(db.session.get(PlanItem, b).rank for b in brakes)
        moves = db.session.scalars(select(PlanChange).where(PlanChange.action == "move")).all()
    assert ranks == [1, 2, 3, 4, 5] and moves

"""Messaging is infrastructure: it imports no feature, what it needs is handed in; features follow changes through
a domain event, not by a persistence helper calling up into SMS."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from guide.core.events import record_changed
from guide.core.extensions import db
from guide.core.versioned import save_if_current
from guide.features.reminders import service as schedule
from guide.messaging import outbox
from guide.models import Appointment, Household, SmsMessage
from tests.factories import make_appointment, make_household
from tests.sms.conftest import MONDAY_10

MESSAGING = ("guide.messaging.outbox", "guide.messaging.gateway", "guide.messaging.texts", "guide.messaging.encoding")
FEATURES = ("guide.features",)  # every feature package and module below it
ROOT = Path(__file__).resolve().parents[2]


def _imports(module: str) -> set[str]:
    """Every module a module's source imports, at the top or inside a function."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} not found"
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # "from guide.services import x"
    return found


def _features(names: set[str]) -> list[str]:
    return sorted(name for name in names if any(name == f or name.startswith(f + ".") for f in FEATURES))


@pytest.mark.parametrize("module", MESSAGING)
def test_messaging_imports_no_feature(module: str) -> None:
    assert _features(_imports(module)) == [], f"{module} imports features (hand what it needs in instead)"


def test_the_versioned_save_does_not_call_into_sms() -> None:
    assert sorted(name for name in _imports("guide.core.versioned") if name.startswith("guide.messaging")) == [], \
        "guide/core/versioned.py must announce the change (guide.core.events.record_changed), not call SMS code"


def test_importing_the_outbox_loads_no_feature() -> None:
    """In a fresh interpreter: importing the outbox (and so everything it imports) loads no feature module."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import guide.messaging.outbox, sys; "
                               "print(' '.join(sorted(m for m in sys.modules if m.startswith('guide.'))))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert "guide.messaging.outbox" in loaded, loaded
    assert _features(set(loaded)) == [], f"importing guide.messaging.outbox loaded features: {loaded}"


def test_the_dispatcher_refuses_to_start_without_its_hooks(sms_app, ctx, fake, monkeypatch) -> None:
    """Without the features' hooks a reminder would go without its link: the dispatcher fails loudly, before it
    claims anything."""
    household = make_household(phone="+33611111111")
    with sms_app.app_context():
        message = outbox.enqueue("+33611111111", "appointment_soon", "Votre rendez-vous : {link}",
                                 household_id=household.id)
        message.link_target = "/my"
        db.session.commit()
        message_id = message.id
    monkeypatch.delitem(sms_app.extensions, "guide.messaging.outbox")
    with sms_app.app_context():
        with pytest.raises(RuntimeError, match="no hooks"):
            outbox.dispatch_once(now=MONDAY_10)
        assert db.session.get(SmsMessage, message_id).status == "queued", "nothing claimed"
    assert fake.accepted() == []


def test_a_reminder_whose_household_is_gone_is_cancelled(sms_app, fake) -> None:
    """The link minter (handed in by the sign-in feature) has no household to mint for: the SMS is not sent."""
    with sms_app.app_context():
        message = outbox.enqueue("+33611111111", "appointment_soon", "Votre rendez-vous : {link}", household_id=None)
        message.link_target = "/my"
        db.session.commit()
        message_id = message.id
        assert outbox.dispatch_once(now=MONDAY_10).skipped == 1
        stored = db.session.get(SmsMessage, message_id)
        assert (stored.status, stored.error_code) == ("cancelled", "no_household")
    assert fake.accepted() == []


def test_a_versioned_save_announces_the_change(app, ctx) -> None:
    household = make_household()
    appointment = make_appointment(household)
    heard: list[tuple[type, int]] = []

    def listener(sender: type, row_id: int, **_: object) -> None:
        heard.append((sender, row_id))

    with record_changed.connected_to(listener), app.app_context():
        assert save_if_current(Appointment, appointment.id, appointment.version, {"place": "Mairie"})
        assert not save_if_current(Appointment, appointment.id, appointment.version, {"place": "Ailleurs"}), \
            "a stale save is refused"
        db.session.commit()
    assert heard == [(Appointment, appointment.id)], "one event for the save applied, none for the refused one"


def test_reminders_do_not_move_when_the_versioned_save_rolls_back(app, ctx) -> None:
    """The reminders follow the event in the change's transaction: rolled back with it."""

    household = make_household()
    make_appointment(household)
    with app.app_context():
        schedule.sync([household.id])
        db.session.commit()
        before = sorted(db.session.execute(select(SmsMessage.reminder_key, SmsMessage.send_after, SmsMessage.body)
                                           .where(SmsMessage.household_id == household.id)).all())
        assert before, "the appointment has reminders"
        assert save_if_current(Household, household.id, household.version, {"language": "tr"})
        db.session.rollback()
        db.session.commit()  # a later commit finds nothing pending from the rolled-back save
        after = sorted(db.session.execute(select(SmsMessage.reminder_key, SmsMessage.send_after, SmsMessage.body)
                                          .where(SmsMessage.household_id == household.id)).all())
    assert after == before, "a rolled-back save changed the reminders"

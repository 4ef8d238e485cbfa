"""Plain factory functions for test records (as in GOV.UK Notify's tests/app/db.py): overrides as keywords."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import session

from guide.core import auth
from guide.core.extensions import db
from guide.core.security import hash_password
from guide.models import (
    Appointment,
    AuditEntry,
    BudgetFacts,
    Consent,
    ContactNote,
    CourtesyVisit,
    Household,
    HouseholdPhone,
    MediationCase,
    MoveExpense,
    Operation,
    PlanChange,
    PlanItem,
    Proposal,
    ProposalStatus,
    RequestAddition,
    RequestPhoto,
    Role,
    StaffUser,
    SurveyInvitation,
    WrittenRequest,
)
from guide.models.sms import InboxStatus, SmsInbound, SmsMessage
from guide.rules.deadlines import refund_deadline

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"
APP: Any = None  # set by tests/conftest.py: each factory call runs in its own app context


def _save(record: Any) -> Any:
    """Commit the record in a short app context of its own and hand it back detached, columns loaded."""
    with APP.app_context():
        db.session.add(record)
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
    return record


def make_staff(**overrides: Any) -> StaffUser:
    n = next(_counter)
    values = {"email": f"staff{n}@example.org", "name": f"Agent {n}", "role": Role.OFFICER,
              "phone": "+33320000000", "password_hash": hash_password(overrides.pop("password", PASSWORD))}
    values.update(overrides)
    staff = StaffUser(**values)
    return _save(staff)


def make_operation(**overrides: Any) -> Operation:
    values = {"name": "Résidence test", "commune": "Lille", "landlord": "Bailleur", "opened_on": date(2026, 1, 5)}
    values.update(overrides)
    operation = Operation(**values)
    return _save(operation)


def make_household(phone: str | None = None, **overrides: Any) -> Household:
    n = next(_counter)
    values = {"reference": f"H-{n:05d}", "display_name": f"Famille {n}", "language": "fr", "occupants": 3,
              "stage": "visit"}
    values.update(overrides)
    household = Household(**values)
    number = phone if phone is not None else f"+336{10000000 + n:08d}"
    household.phones.append(HouseholdPhone(number=number, sms_consent=True, consent_at=datetime.now(UTC)))
    return _save(household)


def make_proposal(household: Household, **overrides: Any) -> Proposal:
    values = {"rank": 1, "address": "1 rue des Tests", "commune": "Roubaix", "flat_type": "T3",
              "surface": Decimal("65"), "floor": 1, "lift": False, "rent": Decimal("420.00"),
              "charges": Decimal("100.00"), "housing_benefit": Decimal("150.00"), "landlord": "Bailleur",
              "received_on": date(2026, 11, 10), "status": ProposalStatus.RECEIVED}
    values.update(overrides)
    proposal = Proposal(household_id=household.id, **values)
    return _save(proposal)


def make_appointment(household: Household, **overrides: Any) -> Appointment:
    values = {"kind": "flat_visit", "starts_at": datetime.now(UTC) + timedelta(days=2), "place": "2 rue du Test"}
    values.update(overrides)
    appointment = Appointment(household_id=household.id, **values)
    return _save(appointment)


def make_budget(household: Household, **overrides: Any) -> BudgetFacts:
    values = {"monthly_resources": Decimal("1500"), "rent": Decimal("400"), "charges": Decimal("90"),
              "housing_benefit": Decimal("150"), "expenses": {"electricity": "50"}}
    values.update(overrides)
    budget = BudgetFacts(household_id=household.id, **values)
    return _save(budget)


def make_plan_item(household: Household, kind: str, data: dict[str, Any], **overrides: Any) -> Any:
    """A plan item at version 1 with its creation in the history, as the service writes it."""

    with APP.app_context():
        values = {"rank": overrides.pop("rank", 1), "removed": False, "version": 1, "updated_by_kind": "household",
                  "updated_by_id": household.id}
        values.update(overrides)
        item = PlanItem(household_id=household.id, kind=kind, data=dict(data), **values)
        db.session.add(item)
        db.session.flush()
        db.session.add(PlanChange(household_id=household.id, item_id=item.id, version=item.version, action="create",
                                  actor_kind="household", actor_id=household.id, before=None,
                                  after=item.snapshot()))
        db.session.commit()
        db.session.refresh(item)
        db.session.expunge(item)
    return item


def make_move_expense(household: Household, **overrides: Any) -> Any:
    """A cost to refund with a tiny clean PNG as its invoice photo; the refund date follows the invoice date."""

    values = {"kind": "mail_forwarding", "idempotency_key": f"{next(_counter):032x}", "amount": Decimal("35.90"),
              "invoice_on": date(2026, 11, 2),
              "photo": b"\x89PNG\r\n\x1a\n", "photo_type": "image/png"}
    values.update(overrides)
    values.setdefault("due_on", refund_deadline(values["invoice_on"]))
    expense = MoveExpense(household_id=household.id, **values)
    return _save(expense)


def signed_in(client: Any, *, household_id: int | None = None, staff_id: int | None = None, app: Any = None) -> None:
    """What a successful sign-in leaves behind, through guide.core.auth itself: a session record and a cookie naming it
    (the sign-in forms are tested elsewhere; most tests only need someone signed in)."""

    with (app or APP).test_request_context():
        if household_id is not None:
            auth.sign_in_household(household_id)
        else:
            auth.sign_in_staff(staff_id)  # type: ignore[arg-type]
        values = dict(session)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(values)


def make_full_file(n: int, officer_id: int, mediator_id: int, operation_id: int) -> Household:
    """One household with something in every table a page reads (flushed, not committed; `n` makes it unique)."""
    now = datetime.now(UTC)
    household = Household(reference=f"S-{n:05d}", display_name=f"Famille {n}", language="fr", occupants=3,
                          stage="my-answer", officer_id=officer_id, mediator_id=mediator_id,
                          operation_id=operation_id, moved_on=date.today() - timedelta(days=70),
                          last_contact_on=date.today() - timedelta(days=40))
    household.phones.append(HouseholdPhone(number=f"+337{10000000 + n:08d}", sms_consent=True, consent_at=now))
    db.session.add(household)
    db.session.flush()
    hid = household.id
    proposal = Proposal(household_id=hid, rank=1, address="1 rue des Tests", commune="Roubaix", flat_type="T3",
                        surface=Decimal("65"), floor=1, lift=False, rent=Decimal("420"), charges=Decimal("100"),
                        housing_benefit=Decimal("150"), landlord="Bailleur", received_on=date.today(),
                        visit_on=date.today(), status=ProposalStatus.RECEIVED)
    refused = Proposal(household_id=hid, rank=2, address="2 rue des Tests", commune="Lille", flat_type="T3",
                       surface=Decimal("60"), floor=2, lift=True, rent=Decimal("400"), charges=Decimal("90"),
                       housing_benefit=Decimal("150"), landlord="Bailleur", received_on=date.today(),
                       status=ProposalStatus.REFUSED)
    appointment = Appointment(household_id=hid, kind="flat_visit", starts_at=now + timedelta(days=2),
                              place="2 rue du Test")
    db.session.add_all([proposal, refused, appointment])
    db.session.flush()
    request = WrittenRequest(reference=f"R-S{n:05d}", household_id=hid, kind="mediation", idempotency_key=f"k{n}",
                             what_happened="Ceci", disagreement="Cela", wish="Autre chose")
    refusal = WrittenRequest(reference=f"R-T{n:05d}", household_id=hid, kind="refusal", idempotency_key=f"r{n}",
                             proposal_id=refused.id, motives=["size"], text="Trop petit")
    request.additions.append(RequestAddition(text="Un ajout"))
    request.photos.append(RequestPhoto(content_type="image/png", data=b"\x89PNG\r\n\x1a\n", width=1, height=1))
    db.session.add_all([request, refusal])
    db.session.flush()
    item = PlanItem(household_id=hid, kind="action", rank=1, data={"text": "Appeler la CAF"}, version=1,
                    updated_by_kind="household", updated_by_id=hid)
    phases = PlanItem(household_id=hid, kind="phases", rank=0, data={}, version=1, updated_by_kind="household",
                      updated_by_id=hid)
    db.session.add_all([item, phases])
    db.session.flush()
    invoice_on = date.today() - timedelta(days=60)
    db.session.add_all([
        BudgetFacts(household_id=hid, monthly_resources=Decimal("1500"), rent=Decimal("400"), charges=Decimal("90"),
                    housing_benefit=Decimal("150"), expenses={"electricity": "50"}),
        ContactNote(household_id=hid, staff_id=officer_id, on=date.today(), channel="phone", text="Appel"),
        Consent(household_id=hid, kind="sms", given_on=date.today(), recorded_by_id=officer_id),
        MediationCase(household_id=hid, request_id=request.id, source="request", letter_text="Lettre"),
        PlanChange(household_id=hid, item_id=item.id, version=1, action="create", actor_kind="household",
                   actor_id=hid, before=None, after=item.snapshot()),
        MoveExpense(household_id=hid, kind="mail_forwarding", idempotency_key=f"{n:032x}", amount=Decimal("35.90"),
                    invoice_on=invoice_on, due_on=refund_deadline(invoice_on), photo=b"\x89PNG\r\n\x1a\n",
                    photo_type="image/png"),
        CourtesyVisit(household_id=hid, months=2, appointment_id=appointment.id),
        SurveyInvitation(household_id=hid),
        SmsInbound(message_sid=f"SM{n:032d}", household_id=hid, from_number=f"+337{10000000 + n:08d}",
                   body="Bonjour", received_at=now, inbox_status=InboxStatus.OPEN),
        SmsInbound(message_sid=f"SD{n:032d}", household_id=hid, from_number=f"+337{10000000 + n:08d}",
                   body="Merci", received_at=now, inbox_status=InboxStatus.DONE, handled_by_id=officer_id),
        SmsMessage(household_id=hid, to_number=f"+337{10000000 + n:08d}", kind="reminder", body="Rappel",
                   status="delivered", request_id=request.id),
        SmsMessage(household_id=hid, to_number=f"+337{10000000 + n:08d}", kind="staff_reply", body="Réponse",
                   status="failed", staff_id=officer_id),
        AuditEntry(actor_kind="staff", actor_id=officer_id, action="read_household", household_key=f"h{n}",
                   entity="household", detail={}),
    ])
    return household

"""Demo data: staff of every role and households at different stages, in every language (fictional people).

Phone numbers are of the form 06 00 00 00 0x: well-formed, and only ever printed by the `log` SMS backend.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from guide.core.extensions import db
from guide.core.security import hash_password
from guide.features.after_move.service import plan_courtesy_visits
from guide.models import (
    Appointment,
    BudgetFacts,
    Consent,
    ConsentKind,
    Household,
    HouseholdPhone,
    Operation,
    Proposal,
    ProposalStatus,
    Role,
    SmsInbound,
    SmsMessage,
    StaffUser,
)
from guide.models.sms import InboxStatus, SmsStatus

DEMO_PASSWORD = "demo-relogement-2026"
# email, name, role, phone, title (the person's own words beside their name)
STAFF = [
    ("officer@demo.test", "Nadia Benali", Role.OFFICER, "+33600000101", "chargée de relogement"),
    ("officer2@demo.test", "Julien Caron", Role.OFFICER, "+33600000102", "chargé de relogement"),
    ("mediator@demo.test", "Sophie Lefebvre", Role.MEDIATOR, "+33600000103", "médiatrice"),
    ("mediation@demo.test", "Groupe de médiation Lille", Role.MEDIATION_GROUP, None, "groupe de médiation"),
    ("admin@demo.test", "Administratrice", Role.ADMIN, None, "administratrice"),
]
# reference, name, language, occupants, stage, phone, proposals (rank, status, days since visit or None)
HOUSEHOLDS = [
    ("DEMO-FR-1", "Famille Martin", "fr", 4, "my-answer", "+33600000001", [(1, "refused", 20), (2, "visited", 3)]),
    ("DEMO-AR-1", "عائلة بن علي", "ar", 5, "visit", "+33600000002", [(1, "visited", 8)]),
    ("DEMO-EN-1", "Mr and Mrs Okafor", "en", 2, "searching", "+33600000003", []),
    ("DEMO-TR-1", "Yılmaz ailesi", "tr", 3, "my-project", "+33600000004", []),
    ("DEMO-PT-1", "Família Ferreira", "pt", 1, "first-meeting", "+33600000005", []),
    ("DEMO-FR-2", "Madame Dubois", "fr", 1, "after-move", "+33600000006", [(1, "accepted", 90)]),
]


def load_demo(today: date) -> list[tuple[str, str, str]]:
    """Create the demo records once (idempotent); return (who, language, how to sign in) rows."""
    if db.session.scalars(select(StaffUser).where(StaffUser.email == STAFF[0][0])).first() is None:
        _create(today)
        db.session.commit()
    rows = [(f"{name} ({role.value})", "fr", f"{email} / {DEMO_PASSWORD}") for email, name, role, _p, _t in STAFF]
    rows += [(f"{name} [{reference}]", lang, phone) for reference, name, lang, _o, _s, phone, _p in HOUSEHOLDS]
    return rows


def _create(today: date) -> None:
    staff = {}
    for email, name, role, phone, title in STAFF:
        staff[email] = StaffUser(email=email, name=name, role=role, phone=phone, title=title,
                                 password_hash=hash_password(DEMO_PASSWORD))
        db.session.add(staff[email])
    operation = Operation(name="Résidence des Tilleuls", commune="Lille", landlord="Bailleur démolisseur",
                          opened_on=today - timedelta(days=200))
    db.session.add(operation)
    paris = ZoneInfo("Europe/Paris")
    for index, (reference, name, lang, occupants, stage, phone, proposals) in enumerate(HOUSEHOLDS):
        household = Household(reference=reference, display_name=name, language=lang, occupants=occupants,
                              stage=stage, operation=operation, officer=staff[STAFF[index % 2][0]],
                              mediator=staff["mediator@demo.test"], documents_updated_on=today - timedelta(days=170),
                              last_contact_on=today - timedelta(days=20 + 40 * index),
                              moved_on=today - timedelta(days=60) if stage == "after-move" else None)
        household.phones.append(HouseholdPhone(number=phone, label="", sms_consent=True,
                                               consent_at=datetime.now(UTC)))
        db.session.add(household)
        db.session.flush()
        db.session.add(Consent(household_id=household.id, kind=ConsentKind.SMS, given_on=today - timedelta(days=100)))
        db.session.add(Consent(household_id=household.id, kind=ConsentKind.SHARING,
                               given_on=today - timedelta(days=100)))
        db.session.add(BudgetFacts(household_id=household.id, monthly_resources=Decimal(1100 + 300 * occupants),
                                   rent=Decimal("410.00"), charges=Decimal("95.00"), housing_benefit=Decimal("180.00"),
                                   expenses={"electricity": "60.00", "home_insurance": "15.00", "phone": "30.00"}))
        for rank, status, days_since_visit in proposals:
            visit = today - timedelta(days=days_since_visit) if days_since_visit is not None else None
            db.session.add(Proposal(household_id=household.id, rank=rank, address=f"{10 + rank} rue des Acacias",
                                    commune="Villeneuve-d'Ascq" if rank == 1 else "Roubaix", flat_type="T3",
                                    surface=Decimal("68"), floor=2, lift=True, rent=Decimal("430.00"),
                                    charges=Decimal("110.00"), housing_benefit=Decimal("190.00"),
                                    landlord="Bailleur partenaire", received_on=(visit or today) - timedelta(days=7),
                                    visit_on=visit, status=ProposalStatus(status)))
        when = datetime.combine(today + timedelta(days=3 + index), time(10, 0), tzinfo=paris).astimezone(UTC)
        db.session.add(Appointment(household_id=household.id, kind="home_interview" if stage != "visit"
                                   else "flat_visit", starts_at=when, place="12 rue des Tilleuls, Lille",
                                   with_whom=household.officer.name))
        _sms_history(household, index)
        if household.moved_on is not None:
            db.session.flush()
            plan_courtesy_visits(household)


def _sms_history(household: Household, index: int) -> None:
    """A few SMS so the staff pages show a conversation, an SMS waiting for a person, and one that failed."""
    now = datetime.now(UTC)
    number = household.phones[0].number
    if index == 0:
        db.session.add(SmsMessage(household_id=household.id, to_number=number, kind="appointment_day_before",
                                  body="Rappel : rendez-vous demain a 10:00. Details ou changement : "
                                       "http://127.0.0.1:5000/k/demo", status=SmsStatus.DELIVERED,
                                  sent_at=now - timedelta(days=2), delivered_at=now - timedelta(days=2),
                                  created_at=now - timedelta(days=2), send_after=now - timedelta(days=2)))
        db.session.add(SmsInbound(message_sid="SMdemo0000000000000000000000000001", from_number=number,
                                  body="Bonjour, je ne peux pas venir mardi, mon fils a un rendez-vous chez le "
                                       "médecin.", household_id=household.id, intent="other",
                                  inbox_status=InboxStatus.OPEN, received_at=now - timedelta(hours=3)))
    elif index == 1:
        db.session.add(SmsMessage(household_id=household.id, to_number=number, kind="answer_3_days",
                                  body="عرض السكن: أعطوا جوابكم على الموقع", encoding="UCS-2",
                                  status=SmsStatus.UNDELIVERED, error_code="30005", sent_at=now - timedelta(days=1),
                                  created_at=now - timedelta(days=1), send_after=now - timedelta(days=1)))

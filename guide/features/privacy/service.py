"""Data protection: a household's export (right of access) and its erasure; the retention job that erases files
left idle and purges old rows is guide/features/privacy/retention.py.

Erasure is anonymisation by deletion: every row about the household goes (phones, notes, proposals, requests and
their photos, plan, SMS, sign-in rows, session records, …) and one `HouseholdStatistic` row keeps the anonymous
counts (operation, stage reached, proposals, refusals, mediations, months). The access log keeps its entries, which
carry only pseudonyms, and loses them after `RETENTION_ACCESS_LOG_DAYS` like any other. Everything happens in the
caller's transaction: it commits once, or rolls back and nothing is half-erased.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import url_for
from sqlalchemy import delete, func, or_, select, update

from guide.core import audit
from guide.core.extensions import db
from guide.core.security import keyed_hash, mask_personal_links
from guide.core.timeutil import as_utc
from guide.core.together import Part, load_together
from guide.models import (
    Appointment,
    AuditEntry,
    BudgetFacts,
    Consent,
    ContactNote,
    CourtesyVisit,
    Household,
    HouseholdPhone,
    HouseholdStatistic,
    MediationCase,
    MoveExpense,
    PlanChange,
    PlanItem,
    Proposal,
    ProposalStatus,
    RequestAddition,
    RequestPhoto,
    SignInCode,
    SignInGuard,
    SignInLink,
    SignInTry,
    SmsInbound,
    SmsMessage,
    SmsSession,
    StaffUser,
    SurveyInvitation,
    UserSession,
    WrittenRequest,
)

SECRET_KINDS = ("sign_in_code",)  # bodies holding a sign-in code: never exported, blanked after a day


# --- the export (right of access, art. 15) --------------------------------------------------------------------

def _columns(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _plain(value: Any) -> Any:
    """JSON-ready: dates in ISO 8601 (moments in UTC), amounts as strings, containers walked."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _sms_text(message: SmsMessage) -> str:
    """What a text said, without a sign-in code or a personal link that someone could still use."""
    if message.kind in SECRET_KINDS:
        return ""
    return mask_personal_links(message.body or "")


def _by_id(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=lambda row: row.id)


def _part(model: Any, *where: Any, **more: Any) -> Part:
    """One table's rows about the household, in id order unless `order` says otherwise."""
    return Part(select(model).where(*where), **{"order": _by_id, **more})


def _rows(household: Household) -> dict[str, list[Any]]:
    """Every row about the household, table by table, in one statement (guide/core/together.py): the export no
    longer costs one statement per table. Photos and invoices as metadata, never their bytes."""
    hid = household.id
    requests = select(WrittenRequest.id).where(WrittenRequest.household_id == hid)
    pseudonym = audit.household_pseudonym(household.reference)
    parts = {
        "requests": _part(WrittenRequest, WrittenRequest.household_id == hid),
        "phones": _part(HouseholdPhone, HouseholdPhone.household_id == hid),
        # the roles of the staff members in the access log (the export names a role, never a person)
        "staff": _part(StaffUser, StaffUser.id.in_(select(AuditEntry.actor_id).where(
            AuditEntry.household_key == pseudonym, AuditEntry.actor_kind == "staff")),
            without=[StaffUser.password_hash]),
        "consents": _part(Consent, Consent.household_id == hid),
        "notes": _part(ContactNote, ContactNote.household_id == hid),
        "budget": _part(BudgetFacts, BudgetFacts.household_id == hid),
        "proposals": _part(Proposal, Proposal.household_id == hid),
        "appointments": _part(Appointment, Appointment.household_id == hid,
                              order=lambda rows: sorted(rows, key=lambda a: (a.starts_at, a.id))),
        "mediation_cases": _part(MediationCase, MediationCase.household_id == hid),
        "plan_items": _part(PlanItem, PlanItem.household_id == hid),
        "plan_history": _part(PlanChange, PlanChange.household_id == hid),
        "courtesy_visits": _part(CourtesyVisit, CourtesyVisit.household_id == hid),
        "survey": _part(SurveyInvitation, SurveyInvitation.household_id == hid),
        "sms_sent": _part(SmsMessage, SmsMessage.household_id == hid),
        "sms_received": _part(SmsInbound, SmsInbound.household_id == hid),
        "sms_conversations": _part(SmsSession, SmsSession.number.in_(
            select(HouseholdPhone.number).where(HouseholdPhone.household_id == hid)),
            order=lambda rows: sorted(rows, key=lambda c: c.number)),
        "sign_in_codes": _part(SignInCode, SignInCode.household_id == hid),
        "sign_in_links": _part(SignInLink, SignInLink.household_id == hid),
        "sessions": _part(UserSession, UserSession.household_id == hid),
        "access_log": _part(AuditEntry, AuditEntry.household_key == pseudonym,
                            order=lambda rows: sorted(rows, key=lambda e: (e.at, e.id))),
        "additions": _part(RequestAddition, RequestAddition.request_id.in_(requests)),
        "photos": _part(RequestPhoto, RequestPhoto.request_id.in_(requests), without=[RequestPhoto.data]),
        "move_expenses": _part(MoveExpense, MoveExpense.household_id == hid, without=[MoveExpense.photo]),
    }
    return dict(zip(parts, load_together(*parts.values()), strict=True))


def collect_household(household: Household) -> dict[str, Any]:
    """Every personal field of every table about this household, as Python values (nothing of anyone else)."""
    rows = _rows(household)
    staff_roles = {s.id: s.role for s in rows["staff"]}
    data: dict[str, Any] = {
        "household": {
            **_columns(household, ("reference", "display_name", "language", "occupants", "stage",
                                   "documents_updated_on", "last_contact_on", "moved_on", "created_at",
                                   "updated_at")),
            "operation": household.operation.name if household.operation else None,
            "commune": household.operation.commune if household.operation else None,
            "officer": household.officer.name if household.officer else None,
            "mediator": household.mediator.name if household.mediator else None,
        },
        "phones": [_columns(p, ("number", "label", "sms_consent", "consent_at")) for p in rows["phones"]],
        "consents": [_columns(c, ("kind", "given_on", "withdrawn_on"))
                     for c in rows["consents"]],
        "contact_notes": [_columns(n, ("on", "channel", "text"))
                          for n in rows["notes"]],
        "budget": [_columns(b, ("monthly_resources", "rent", "charges", "housing_benefit", "expenses",
                                  "adults", "children_ages", "resources_by_kind"))
                   for b in rows["budget"]],
        "proposals": [_columns(p, ("rank", "address", "commune", "flat_type", "surface", "floor", "lift", "rent",
                                   "charges", "housing_benefit", "depcom", "social_housing", "landlord",
                                   "received_on", "visit_on", "answer_on", "status"))
                      for p in rows["proposals"]],
        "appointments": [_columns(a, ("kind", "starts_at", "duration_minutes", "place", "with_whom", "status",
                                      "change_note"))
                         for a in rows["appointments"]],
        "written_requests": [],
        "mediation_cases": [_columns(m, ("source", "status", "opened_at", "acknowledged_at", "outcome",
                                         "letter_text", "closed_at"))
                            for m in rows["mediation_cases"]],
        "plan_items": [_columns(i, ("kind", "rank", "data", "removed", "created_at", "updated_at"))
                       for i in rows["plan_items"]],
        "plan_history": [_columns(c, ("version", "action", "actor_kind", "at", "before", "after"))
                         for c in rows["plan_history"]],
        "move_expenses": [],
        "courtesy_visits": [_columns(v, ("months", "visited_on", "flat_ok", "neighbourhood_ok", "support_needed",
                                         "reste_a_vivre_now", "reste_a_vivre_before", "flags", "note"))
                            for v in rows["courtesy_visits"]],
        "survey": [{"invited": True, "answered": s.answered}
                   for s in rows["survey"]],
        "sms_sent": [{**_columns(m, ("to_number", "kind", "status", "created_at", "sent_at")),
                      "body": _sms_text(m)}
                     for m in rows["sms_sent"]],
        "sms_received": [_columns(m, ("from_number", "body", "received_at"))
                         for m in rows["sms_received"]],
        "sms_conversations": [_columns(s, ("number", "state", "data", "updated_at"))
                              for s in rows["sms_conversations"]],
        "sign_ins": [_columns(c, ("created_at", "expires_at", "used_at"))
                     for c in rows["sign_in_codes"]]
        + [_columns(k, ("created_at", "expires_at", "used_at"))
           for k in rows["sign_in_links"]],
        "sessions": [_columns(s, ("created_at", "last_seen_at", "ended_at"))
                     for s in rows["sessions"]],
        # who looked at the file and when: the role, not the employee's name (CJEU C-579/21)
        "access_log": [{"at": e.at, "who": staff_roles.get(e.actor_id, "staff") if e.actor_kind == "staff"
                        else e.actor_kind, "action": e.action, "entity": e.entity}
                       for e in rows["access_log"]],
    }
    additions: dict[int, list[RequestAddition]] = {}
    photos: dict[int, list[RequestPhoto]] = {}
    for addition in rows["additions"]:
        additions.setdefault(addition.request_id, []).append(addition)
    for photo in rows["photos"]:
        photos.setdefault(photo.request_id, []).append(photo)
    for r in rows["requests"]:
        data["written_requests"].append({
            **_columns(r, ("reference", "kind", "created_at", "channel", "language", "motives", "text",
                           "what_happened", "disagreement", "wish", "late")),
            "additions": [_columns(a, ("created_at", "text")) for a in additions.get(r.id, [])],
            "photos": [{**_columns(p, ("content_type", "width", "height")),
                        "url": url_for("requests.household.request_photo", reference=r.reference, photo_id=p.id)}
                       for p in photos.get(r.id, [])],
        })
    for e in rows["move_expenses"]:
        data["move_expenses"].append({
            **_columns(e, ("kind", "amount", "invoice_on", "due_on", "refunded_on", "cheque_number", "created_at")),
            "photo": {"content_type": e.photo_type,
                      "url": url_for("after_move.household.expense_photo", expense_id=e.id)},
        })
    return data


def export_household(household: Household) -> dict[str, Any]:
    """The right-of-access export: every personal field about the household, JSON-serialisable."""
    return {"format": "guide-relogement/1", **_plain(collect_household(household))}


# --- erasure (anonymisation) ----------------------------------------------------------------------------------

def _month(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = as_utc(value)
    return value.strftime("%Y-%m")


def _numbers_of_nobody_else(household_id: int, numbers: list[str]) -> list[str]:
    """The household's numbers that no other household holds (their SMS sessions and codes can go)."""
    if not numbers:
        return []
    shared = set(db.session.scalars(select(HouseholdPhone.number).where(
        HouseholdPhone.number.in_(numbers), HouseholdPhone.household_id != household_id)))
    return [n for n in numbers if n not in shared]


def _forget_sms(household_id: int, numbers: list[str]) -> None:
    """The SMS to and from the household, and those to or from its numbers that no household owns."""
    own = SmsInbound.household_id == household_id
    sent = SmsMessage.household_id == household_id
    if numbers:
        own = or_(own, (SmsInbound.household_id.is_(None)) & SmsInbound.from_number.in_(numbers))
        sent = or_(sent, (SmsMessage.household_id.is_(None)) & SmsMessage.to_number.in_(numbers))
    db.session.execute(delete(SmsInbound).where(own), execution_options={"synchronize_session": False})
    message_ids = select(SmsMessage.id).where(sent)
    db.session.execute(update(SmsInbound).where(SmsInbound.reply_id.in_(message_ids)).values(reply_id=None),
                       execution_options={"synchronize_session": False})
    db.session.execute(delete(SmsMessage).where(sent), execution_options={"synchronize_session": False})
    alone = _numbers_of_nobody_else(household_id, numbers)
    if alone:
        db.session.execute(delete(SmsSession).where(SmsSession.number.in_(alone)),
                           execution_options={"synchronize_session": False})
        hashes = [keyed_hash("phone", n) for n in alone]
        for model in (SignInCode, SignInTry, SignInGuard):
            db.session.execute(delete(model).where(model.phone_hash.in_(hashes)),
                               execution_options={"synchronize_session": False})


def erase_household(household: Household, actor_kind: str, actor_id: int | None, reason: str = "request",
                    now: datetime | None = None) -> HouseholdStatistic:
    """Delete every row about the household and keep one anonymous statistics row; the caller commits once."""
    now = now or datetime.now(UTC)
    db.session.flush()  # pending changes first: the deletions below are plain statements
    hid = household.id
    numbers = [p.number for p in household.phones]
    count = lambda query: db.session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
    statistic = HouseholdStatistic(
        operation_id=household.operation_id, stage=household.stage,
        proposals=count(select(Proposal.id).where(Proposal.household_id == hid)),
        refusals=count(select(Proposal.id).where(Proposal.household_id == hid,
                                                 Proposal.status == ProposalStatus.REFUSED)),
        mediations=count(select(MediationCase.id).where(MediationCase.household_id == hid)),
        opened_month=_month(household.created_at) or _month(now), moved_month=_month(household.moved_on),
        erased_month=_month(now), reason=reason)
    audit.record(actor_kind, actor_id, "erase", household_id=hid, entity="household", reason=reason)
    db.session.flush()  # the log entry takes the reference's pseudonym before the reference goes

    requests = select(WrittenRequest.id).where(WrittenRequest.household_id == hid)
    steps: list[Any] = [
        delete(RequestPhoto).where(RequestPhoto.request_id.in_(requests)),
        delete(RequestAddition).where(RequestAddition.request_id.in_(requests)),
        delete(MediationCase).where(MediationCase.household_id == hid),
        delete(CourtesyVisit).where(CourtesyVisit.household_id == hid),
        delete(SurveyInvitation).where(SurveyInvitation.household_id == hid),
        delete(MoveExpense).where(MoveExpense.household_id == hid),
        delete(PlanChange).where(PlanChange.household_id == hid),
        delete(PlanItem).where(PlanItem.household_id == hid),
        delete(WrittenRequest).where(WrittenRequest.household_id == hid),
        delete(Appointment).where(Appointment.household_id == hid),
        delete(Proposal).where(Proposal.household_id == hid),
        delete(BudgetFacts).where(BudgetFacts.household_id == hid),
        delete(ContactNote).where(ContactNote.household_id == hid),
        delete(Consent).where(Consent.household_id == hid),
        delete(SignInCode).where(SignInCode.household_id == hid),
        delete(SignInLink).where(SignInLink.household_id == hid),
        delete(UserSession).where(UserSession.household_id == hid),  # its open sessions end with it
    ]
    for statement in steps:
        db.session.execute(statement, execution_options={"synchronize_session": False})
    _forget_sms(hid, numbers)
    for phone in list(household.phones):
        db.session.expunge(phone)
    db.session.expunge(household)
    db.session.execute(delete(HouseholdPhone).where(HouseholdPhone.household_id == hid),
                       execution_options={"synchronize_session": False})
    db.session.execute(delete(Household).where(Household.id == hid), execution_options={"synchronize_session": False})
    db.session.add(statistic)
    db.session.flush()
    return statistic

"""Written requests: answering a proposal, refusing with reasons, asking for mediation; receipts and additions.

Each operation stores the request (with its reference and timestamp), its audit entry, the SMS acknowledgement and
any mediation case in one transaction (`atomic`: the request's, inside a request). A repeated submission (same
idempotency key) returns the request already stored instead of creating a second one, also when both raced.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import date
from functools import wraps
from inspect import signature
from typing import ParamSpec

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from guide.core import audit
from guide.core.extensions import db
from guide.core.transaction import atomic
from guide.core.uploads import CleanPhoto
from guide.features.signin import service as signin
from guide.messaging import texts
from guide.messaging.outbox import enqueue
from guide.models import (
    Household,
    MediationCase,
    MediationStatus,
    Proposal,
    ProposalStatus,
    RequestAddition,
    RequestKind,
    RequestPhoto,
    SmsMessage,
    WrittenRequest,
)
from guide.rules import deadlines, mediation

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read out on the phone
PREFIX = {RequestKind.ACCEPT: "ACC", RequestKind.REFUSAL: "REF", RequestKind.MEDIATION: "MED"}


def new_reference(kind: RequestKind, today: date) -> str:
    """"REF-20261122-7K2Q": kind, date, and four random characters (unique by constraint)."""
    return f"{PREFIX[kind]}-{today:%Y%m%d}-{''.join(secrets.choice(_ALPHABET) for _ in range(4))}"


def find_existing(household: Household, key: str) -> WrittenRequest | None:
    return db.session.scalars(select(WrittenRequest).where(WrittenRequest.household_id == household.id,
                                                           WrittenRequest.idempotency_key == key)).first()


P = ParamSpec("P")


def _once_per_key(store: Callable[P, WrittenRequest]) -> Callable[P, WrittenRequest]:
    """Two submissions of one form raced: the first one won (a unique key); return it. The request's first write,
    so the rollback loses nothing else. Any other integrity error is a real one."""

    @wraps(store)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> WrittenRequest:
        try:
            return store(*args, **kwargs)
        except IntegrityError:
            db.session.rollback()
            given = signature(store).bind(*args, **kwargs).arguments
            existing = find_existing(given["household"], given["key"])
            if existing is None:
                raise
            return existing

    return wrapped


def _unique_reference(kind: RequestKind, today: date) -> str:
    for _attempt in range(20):
        reference = new_reference(kind, today)
        if not db.session.scalar(select(func.count()).select_from(WrittenRequest)
                                 .where(WrittenRequest.reference == reference)):
            return reference
    raise RuntimeError("no free reference")  # 32^4 per kind and day: not reached in practice


def answerable(proposal: Proposal) -> bool:
    return proposal.status in (ProposalStatus.RECEIVED, ProposalStatus.VISIT_PLANNED, ProposalStatus.VISITED)


@atomic
@_once_per_key
def answer_proposal(household: Household, proposal: Proposal, accept: bool, motives: Sequence[str], text: str,
                    key: str, today: date) -> WrittenRequest:
    """Record the household's written answer; after a second refusal a mediation case opens by itself."""
    existing = find_existing(household, key)
    if existing is not None:
        return existing
    kind = RequestKind.ACCEPT if accept else RequestKind.REFUSAL
    late = proposal.visit_on is not None and today > deadlines.decision_deadline(proposal.visit_on)
    request = WrittenRequest(reference=_unique_reference(kind, today), household_id=household.id, kind=kind,
                             proposal_id=proposal.id, idempotency_key=key, language=household.language,
                             motives=[] if accept else list(motives), text=text, late=late)
    db.session.add(request)
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REFUSED
    proposal.answer_on = today
    proposal.version += 1
    db.session.flush()
    audit.record("household", household.id, "create", household_id=household.id, entity="written_request",
                 entity_id=request.id, kind=kind.value)
    if not accept:
        refusals = db.session.scalar(select(func.count()).select_from(Proposal).where(
            Proposal.household_id == household.id, Proposal.status == ProposalStatus.REFUSED)) or 0
        if mediation.opens_mediation(refusals) and open_case(household) is None:
            case = MediationCase(household_id=household.id, source="second_refusal", request_id=request.id)
            db.session.add(case)
            db.session.flush()
            audit.record("system", None, "mediation_opened", household_id=household.id, entity="mediation_case",
                         entity_id=case.id)
    acknowledge(household, request)
    return request


def open_case(household: Household) -> MediationCase | None:
    return db.session.scalars(select(MediationCase).where(
        MediationCase.household_id == household.id, MediationCase.status != MediationStatus.CLOSED)).first()


@atomic
@_once_per_key
def ask_mediation(household: Household, what_happened: str, disagreement: str, wish: str,
                  photos: Sequence[CleanPhoto], key: str, today: date, channel: str = "web") -> WrittenRequest:
    """Record a written mediation request to the project pilot, with its photos, and open (or join) a case."""
    existing = find_existing(household, key)
    if existing is not None:
        return existing
    request = WrittenRequest(reference=_unique_reference(RequestKind.MEDIATION, today), household_id=household.id,
                             kind=RequestKind.MEDIATION, idempotency_key=key, language=household.language,
                             what_happened=what_happened, disagreement=disagreement, wish=wish, channel=channel)
    request.photos = [RequestPhoto(content_type=p.content_type, data=p.data, width=p.width, height=p.height)
                      for p in photos]
    db.session.add(request)
    db.session.flush()
    case = open_case(household)
    if case is None:
        case = MediationCase(household_id=household.id, source="request", request_id=request.id)
        db.session.add(case)
    elif case.request_id is None or case.source == "second_refusal":
        case.request_id = request.id
    db.session.flush()
    audit.record("household", household.id, "create", household_id=household.id, entity="written_request",
                 entity_id=request.id, kind="mediation")
    acknowledge(household, request)
    return request


@atomic
def add_to_request(household: Household, request: WrittenRequest, text: str) -> RequestAddition:
    """A dated addition: the request itself never changes once sent."""
    addition = RequestAddition(request_id=request.id, text=text)
    db.session.add(addition)
    db.session.flush()
    audit.record("household", household.id, "create", household_id=household.id, entity="request_addition",
                 entity_id=addition.id)
    return addition


def acknowledge(household: Household, request: WrittenRequest) -> list[SmsMessage]:
    """SMS receipt to every number that accepts SMS: the reference and a personal link, no social details. Each
    receipt names its request (`request_id`), so whatever answers with it can point to it."""
    phones = [p for p in household.phones if p.sms_consent]
    if not phones:
        return []
    token = signin.create_link(household, target=f"/my/requests/{request.reference}")
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/k/{token}"
    body, _count = texts.render("request_receipt", household.language, reference=request.reference, link=link)
    receipts = []
    for phone in phones:
        receipt = enqueue(phone.number, "request_receipt", body, household_id=household.id,
                          language=household.language)
        receipt.request_id = request.id
        receipts.append(receipt)
    return receipts


def receipts_of(request: WrittenRequest) -> list[SmsMessage]:
    """The SMS receipts queued for this request, in the order they were written."""
    db.session.flush()
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.request_id == request.id)
                                   .order_by(SmsMessage.id)))

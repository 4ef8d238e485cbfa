"""What staff do on the SMS channel, each one unit of work (`atomic`: the request's transaction): a reply sent
(the household's open messages are then handled by it), an inbound message marked handled, the inbox read (in the
access log). And which open messages a person may handle (guide/core/permissions.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, func, select, update

from guide.core import audit
from guide.core.auth import current_staff
from guide.core.extensions import db
from guide.core.permissions import HANDLE_SMS, Reach, household_condition, reach
from guide.core.transaction import atomic
from guide.messaging.labels import REPLY_KIND
from guide.messaging.outbox import enqueue
from guide.models import Household, HouseholdPhone, SmsInbound, SmsMessage, StaffUser
from guide.models.sms import InboxStatus


def _now() -> datetime:
    return datetime.now(UTC)


@atomic
def send_reply(household: Household, staff: StaffUser, phone: HouseholdPhone, text: str,
               language: str) -> SmsMessage:
    """Queue a staff reply (kind staff_reply) to one of the household's consenting numbers; its open inbound
    messages are handled by it."""
    message = enqueue(phone.number, REPLY_KIND, text, household_id=household.id, language=language)
    message.staff_id = staff.id
    db.session.flush()
    handled = cast(CursorResult[Any], db.session.execute(update(SmsInbound).where(
        SmsInbound.household_id == household.id, SmsInbound.inbox_status == InboxStatus.OPEN).values(
        inbox_status=InboxStatus.DONE, handled_by_id=staff.id, handled_at=_now(), reply_id=message.id))).rowcount
    audit.record("staff", staff.id, "create", household_id=household.id, entity="sms_message", entity_id=message.id,
                 segments=message.segments, inbound_done=handled)
    return message


@atomic
def mark_done(item: SmsInbound, staff: StaffUser) -> None:
    """An inbound message handled ("traité"); once only (a second click changes nothing)."""
    if item.inbox_status != InboxStatus.DONE:
        item.inbox_status, item.handled_by_id, item.handled_at = InboxStatus.DONE, staff.id, _now()
        audit.record("staff", staff.id, "update", household_id=item.household_id, entity="sms_inbound",
                     entity_id=item.id, inbox_status=InboxStatus.DONE)


@atomic
def log_inbox_read(staff: StaffUser, shown: int) -> None:
    """The inbox was read: in the access log."""
    audit.record("staff", staff.id, "read_sms_inbox", shown=shown)


# --- who may handle which open message ------------------------------------------------------------------

def visible_open(staff: StaffUser) -> Select[Any]:
    """Open inbound messages this person may handle (guide/core/permissions.py): with a right reaching every household,
    all of them (unknown numbers too); otherwise those of their own households."""
    query = select(SmsInbound).where(SmsInbound.inbox_status == InboxStatus.OPEN)
    if reach(staff, HANDLE_SMS) is Reach.ALL:
        return query
    return query.join(Household, SmsInbound.household_id == Household.id).where(
        household_condition(staff, HANDLE_SMS))


def open_count() -> int:
    """How many inbound messages wait for the signed-in staff member (shown in the staff navigation)."""
    staff = current_staff()
    if staff is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(visible_open(staff).subquery())) or 0


def waiting(staff: StaffUser, limit: int = 200) -> list[SmsInbound]:
    """The inbox: the open messages this person may handle, newest first."""
    return list(db.session.scalars(visible_open(staff).order_by(SmsInbound.received_at.desc(), SmsInbound.id.desc())
                                   .limit(limit)))

"""The SMS panel of the staff household page: the conversation (what was sent and received, newest last), the
failed messages that call for a phone call, and the reply box with its templates (content/<lang>/sms_replies.yaml)
and its segment count, as the outbox will send the text."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, func, or_, select
from wtforms import SelectField, TextAreaField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 lacks 3.3's SelectChoice

from guide.core import phones as phone_numbers
from guide.core.auth import current_staff
from guide.core.content import words
from guide.core.extensions import db
from guide.core.forms import options
from guide.core.i18n import SOURCE_LANGUAGE, is_latin, language
from guide.core.timeutil import as_utc
from guide.messaging.encoding import SegmentCount, prepare
from guide.messaging.labels import FAILED_STATES, STATES, kind_label, shown_body
from guide.models import Household, HouseholdPhone, SmsInbound, SmsMessage, StaffUser
from guide.models.sms import InboxStatus, SmsStatus

MAX_SEGMENTS = 4  # a reply above this is refused: it costs too much and reads badly on a phone
FAILURE_DAYS = 30  # failed messages younger than this put a "call the household" notice on top of the file
THREAD_LIMIT = 40
FAILURE_LIMIT = 10  # failed messages listed on top of the file
_ARABIC = re.compile("[\u0600-\u06ff]")


def _now() -> datetime:
    return datetime.now(UTC)


# --- reply templates (content/<lang>/sms_replies.yaml) --------------------------------------------

def reply_texts(lang: str) -> dict[str, str]:
    """One language's reply templates, key → text (the French file fills a missing language)."""
    data = words(lang, "sms_replies")
    return {str(k): str(v["text"] if isinstance(v, dict) else v) for k, v in data.items()}


def reply_labels() -> dict[str, str]:
    """The French label of each template, what staff pick from (the staff interface is in French)."""
    return {str(k): str(v["label"]) for k, v in words(SOURCE_LANGUAGE, "sms_replies").items()}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _template_values(household: Household, staff: StaffUser) -> dict[str, str]:
    """What a template may name: the staff member's work number (else the officer's) and the guide's address."""
    number = staff.phone or (household.officer.phone if household.officer else None)
    values = {"site": current_app.config["PUBLIC_BASE_URL"].rstrip("/")}
    if number:
        values["phone"] = phone_numbers.display(number)
    return values


def reply_text(key: str, household: Household, staff: StaffUser) -> str | None:
    """The template in the household's language, filled; None when unknown or a value it needs is missing."""
    template = reply_texts(household.language).get(key) or reply_texts("fr").get(key)
    values = _template_values(household, staff)
    if template is None or not placeholders(template) <= set(values):
        return None
    return template.format(**values)


def send_language(text: str, household_language: str) -> str:
    """The household's language; Latin-only text to an Arabic reader is folded to GSM-7 like French (cheaper)."""
    if is_latin(household_language) or _ARABIC.search(text):
        return household_language
    return "fr"


def count(text: str, household_language: str) -> SegmentCount:
    """Segments of the text as it will be sent: the outbox prepares it the same way (one source of truth)."""
    return prepare(text, send_language(text, household_language))[1]


# --- the household's conversation -------------------------------------------------------------------

class ReplyForm(FlaskForm):
    to = SelectField(_l("Numéro"), choices=[], validate_choice=False)  # checked against the household's phones
    text = TextAreaField(_l("Message"))


@dataclass
class ThreadItem:
    inbound: bool
    at: datetime
    body: str
    state: str = ""
    failed: bool = False
    kind: str = ""
    by: str = ""  # who wrote a staff reply, or who handled an inbound message
    item_id: int = 0
    open: bool = False  # an inbound message waiting for a person
    segments: int = 0
    encoding: str = ""
    status: str = ""
    due: datetime | None = None  # a queued message that waits for its time


@dataclass
class SmsPanel:
    household: Household
    thread: list[ThreadItem]
    older: bool
    failures: list[ThreadItem]
    call_numbers: list[HouseholdPhone]
    phones: list[HouseholdPhone]  # those with SMS consent: the only ones a reply can go to
    form: ReplyForm
    count: SegmentCount
    templates: list[tuple[str, str]]
    template: str = ""
    max_segments: int = MAX_SEGMENTS
    language_name: str = ""


def _last_try() -> ColumnElement[datetime]:
    """When a message was last tried (or due, or written): a failure counts from then, not from when it was written
    (a reminder is written weeks before it is sent). `last_try` is the same for one loaded message."""
    return func.coalesce(SmsMessage.claimed_at, SmsMessage.send_after, SmsMessage.created_at)


def last_try(message: SmsMessage) -> datetime:
    return as_utc(message.claimed_at or message.send_after or message.created_at)


def _outgoing_item(message: SmsMessage, names: dict[int, str], at: datetime | None = None) -> ThreadItem:
    due = as_utc(message.send_after) if message.status == SmsStatus.QUEUED and message.send_after else None
    return ThreadItem(inbound=False, at=at or as_utc(message.created_at), body=shown_body(message),
                      state=str(STATES.get(message.status, message.status)),
                      failed=message.status in FAILED_STATES, kind=kind_label(message.kind),
                      by=names.get(message.staff_id or 0, ""), item_id=message.id, segments=message.segments,
                      encoding=message.encoding, status=message.status,
                      due=due if due and due > _now() else None)


def _incoming_item(item: SmsInbound, names: dict[int, str]) -> ThreadItem:
    if item.inbox_status == InboxStatus.OPEN:
        state = _("À traiter")
    elif item.inbox_status == InboxStatus.DONE:
        state = _("Traité par %(name)s", name=names.get(item.handled_by_id or 0, "–"))
    else:
        state = _("Réponse automatique envoyée")
    return ThreadItem(inbound=True, at=as_utc(item.received_at), body=item.body, state=state, item_id=item.id,
                      open=item.inbox_status == InboxStatus.OPEN, status=item.inbox_status)


def _messages(household: Household) -> tuple[list[SmsMessage], list[SmsMessage], dict[int, str]]:
    """(the newest messages sent, newest first; the recent failures, last tried first; who wrote them) in one
    statement: the rows of both lists, each with its writer's name."""
    mine = SmsMessage.household_id == household.id
    since = _now() - timedelta(days=FAILURE_DAYS)
    newest = (select(SmsMessage.id).where(mine).order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
              .limit(THREAD_LIMIT + 1))
    failing = (select(SmsMessage.id).where(mine, SmsMessage.status.in_(FAILED_STATES), _last_try() >= since)
               .order_by(_last_try().desc()).limit(FAILURE_LIMIT))
    rows = db.session.execute(select(SmsMessage, StaffUser.name)
                              .outerjoin(StaffUser, StaffUser.id == SmsMessage.staff_id)
                              .where(or_(SmsMessage.id.in_(newest.scalar_subquery()),
                                         SmsMessage.id.in_(failing.scalar_subquery())))).all()
    names = {message.staff_id: name for message, name in rows if name is not None and message.staff_id}
    messages = [message for message, _name in rows]
    outgoing = sorted(messages, key=lambda m: (m.created_at, m.id), reverse=True)[:THREAD_LIMIT + 1]
    failed = sorted((m for m in messages if m.status in FAILED_STATES and last_try(m) >= since), key=last_try,
                    reverse=True)[:FAILURE_LIMIT]
    return outgoing, failed, names


def _received(household: Household) -> tuple[list[SmsInbound], dict[int, str]]:
    """The newest messages received, newest first, with who handled them (one statement)."""
    rows = db.session.execute(select(SmsInbound, StaffUser.name)
                              .outerjoin(StaffUser, StaffUser.id == SmsInbound.handled_by_id)
                              .where(SmsInbound.household_id == household.id)
                              .order_by(SmsInbound.received_at.desc(), SmsInbound.id.desc())
                              .limit(THREAD_LIMIT + 1)).all()
    return ([item for item, _name in rows],
            {item.handled_by_id: name for item, name in rows if name is not None and item.handled_by_id})


def sms_panel(household: Household) -> SmsPanel:
    """Everything the household page shows about SMS (computed once per request, used by several includes)."""
    panels = g.setdefault("sms_panels", {})
    if household.id in panels:
        return panels[household.id]
    outgoing, failed, names = _messages(household)
    incoming, handlers = _received(household)
    names.update(handlers)
    thread = sorted([*(_outgoing_item(m, names) for m in outgoing), *(_incoming_item(i, names) for i in incoming)],
                    key=lambda item: (item.at, item.item_id))
    staff = current_staff()
    consenting = [p for p in household.phones if p.sms_consent]
    form = g.get("sms_reply_form")
    chosen = request.args.get("sms_template", "") if request.method == "GET" else ""
    if form is None:
        form = ReplyForm(formdata=None, prefix="sms")
        if chosen and staff is not None:
            form.text.data = reply_text(chosen, household, staff) or ""
    form.to.choices = phone_choices(consenting)
    templates = [(key, label) for key, label in reply_labels().items()
                 if staff is not None and reply_text(key, household, staff) is not None]
    named = language(household.language) if household.language in current_app.config["LANGUAGES"] else None
    panel = SmsPanel(household=household, thread=thread[-THREAD_LIMIT:], older=len(thread) > THREAD_LIMIT,
                     failures=[_outgoing_item(m, names, at=last_try(m)) for m in failed],
                     call_numbers=list(household.phones),
                     phones=consenting, form=form, count=count((form.text.data or "").strip(), household.language),
                     templates=templates, template=chosen, language_name=named.name if named else "")
    panels[household.id] = panel
    return panel


def phone_choices(consenting: list[HouseholdPhone]) -> list[SelectChoice]:
    return options((p.id, phone_numbers.display(p.number) + (f" ({p.label})" if p.label else "")) for p in consenting)

"""The staff side of the SMS channel: a household's conversation and failed messages, replies from templates with
a live segment count, the inbox of messages waiting for a person, and messages and segments per month."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from sqlalchemy import ColumnElement, CursorResult, Select, func, select, update
from wtforms import SelectField, TextAreaField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 lacks 3.3's SelectChoice

from guide.core import audit
from guide.core import phones as phone_numbers
from guide.core.auth import current_staff, household_for_staff, safe_next, staff_required
from guide.core.content import words
from guide.core.extensions import db, htmx
from guide.core.forms import add_error, options
from guide.core.i18n import SOURCE_LANGUAGE, is_latin, language
from guide.core.permissions import HANDLE_SMS, Reach, can, household_condition, reach
from guide.core.timeutil import as_utc
from guide.features.household_file.page import render_household
from guide.features.requests.forms import ConfirmForm
from guide.messaging.encoding import SegmentCount, prepare
from guide.messaging.outbox import enqueue
from guide.models import Household, HouseholdPhone, SmsInbound, SmsMessage, StaffUser
from guide.models.sms import InboxStatus, SmsStatus

bp = Blueprint("staff", __name__, url_prefix="/staff")

REPLY_KIND = "staff_reply"
MAX_SEGMENTS = 4  # a reply above this is refused: it costs too much and reads badly on a phone
FAILURE_DAYS = 30  # failed messages younger than this put a "call the household" notice on top of the file
THREAD_LIMIT = 40
FAILED_STATES = (SmsStatus.FAILED, SmsStatus.UNDELIVERED, SmsStatus.REVIEW)
_ARABIC = re.compile("[\u0600-\u06ff]")
_PERSONAL_LINK = re.compile(r"/k/[A-Za-z0-9_-]+")  # a personal link lets its holder in: never shown to staff
HIDDEN_KINDS = frozenset({"sign_in_code"})  # the code itself signs in: staff see that one was sent, not what

STATES = {
    SmsStatus.QUEUED: _l("En attente d'envoi"),
    SmsStatus.SENDING: _l("En cours d'envoi"),
    SmsStatus.UNKNOWN: _l("Envoi en cours de vérification"),
    SmsStatus.SENT: _l("Envoyé, arrivée pas encore confirmée"),
    SmsStatus.DELIVERED: _l("Arrivé sur le téléphone"),
    SmsStatus.UNDELIVERED: _l("Pas arrivé sur le téléphone"),
    SmsStatus.FAILED: _l("Échec de l'envoi"),
    SmsStatus.REVIEW: _l("Envoi incertain, à vérifier"),
    SmsStatus.CANCELLED: _l("Annulé, pas envoyé"),
    SmsStatus.LOGGED: _l("Écrit dans le journal, pas envoyé (mode test)"),
}
KIND_FAMILIES = {  # message kinds grouped as staff think of them
    "sign_in": _l("Connexion"), "reminder": _l("Rappels"), "receipt": _l("Accusés de réception"),
    "automatic": _l("Réponses automatiques"), "staff": _l("Réponses des agents"), "other": _l("Autres"),
}
OUTCOMES = {  # outcome → the states it gathers, for the usage page
    "delivered": ((SmsStatus.DELIVERED,), _l("Arrivés")),
    "sent": ((SmsStatus.SENT,), _l("Envoyés, sans confirmation")),
    "waiting": ((SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.UNKNOWN), _l("En attente")),
    "failed": (FAILED_STATES, _l("Échecs ou à vérifier")),
    "cancelled": ((SmsStatus.CANCELLED,), _l("Annulés")),
    "logged": ((SmsStatus.LOGGED,), _l("Journal (mode test)")),
}


def kind_family(kind: str) -> str:
    if kind.startswith("sign_in"):
        return "sign_in"
    if kind == REPLY_KIND:
        return "staff"
    if kind in ("request_receipt", "mediation_receipt"):
        return "receipt"
    if kind.startswith(("appointment_", "answer_", "reminder")) or kind in ("documents_due", "courtesy_visit",
                                                                             "survey", "plan_action"):
        return "reminder"
    if kind.startswith("reply_") or kind in ("help", "help_one_way", "stopped"):
        return "automatic"
    return "other"


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


KIND_LABELS = {
    "sign_in_code": _l("Code de connexion"), "sign_in_link": _l("Lien de connexion"),
    "request_receipt": _l("Accusé de réception d'une demande écrite"),
    "appointment_day_before": _l("Rappel de rendez-vous (la veille)"),
    "appointment_soon": _l("Rappel de rendez-vous"), "answer_3_days": _l("Rappel : répondre à une proposition"),
    "answer_1_day": _l("Rappel : répondre à une proposition"), "documents_due": _l("Rappel : papiers à mettre à jour"),
    "courtesy_visit": _l("Visite après le déménagement"), "survey": _l("Enquête de satisfaction"),
    REPLY_KIND: _l("Réponse d'un agent"),
}


def kind_label(kind: str) -> str:
    """A message kind in words: its own label, else its family's ("Réponses automatiques"...)."""
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    if kind_family(kind) == "automatic":
        return _("Réponse automatique")
    return _("SMS")


def shown_body(message: SmsMessage) -> str:
    """The text as staff may read it: sign-in codes hidden, personal links cut (both would let a reader in)."""
    if message.kind in HIDDEN_KINDS:
        return _("(code de connexion, caché)")
    return _PERSONAL_LINK.sub("/k/…", message.body)


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


def _staff_names(ids: set[int]) -> dict[int, str]:
    ids.discard(0)
    if not ids:
        return {}
    return dict(db.session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all())


def sms_panel(household: Household) -> SmsPanel:
    """Everything the household page shows about SMS (computed once per request, used by several includes)."""
    panels = g.setdefault("sms_panels", {})
    if household.id in panels:
        return panels[household.id]
    outgoing = db.session.scalars(select(SmsMessage).where(SmsMessage.household_id == household.id)
                                  .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
                                  .limit(THREAD_LIMIT + 1)).all()
    incoming = db.session.scalars(select(SmsInbound).where(SmsInbound.household_id == household.id)
                                  .order_by(SmsInbound.received_at.desc(), SmsInbound.id.desc())
                                  .limit(THREAD_LIMIT + 1)).all()
    failed = db.session.scalars(select(SmsMessage).where(
        SmsMessage.household_id == household.id, SmsMessage.status.in_(FAILED_STATES),
        _last_try() >= _now() - timedelta(days=FAILURE_DAYS)).order_by(_last_try().desc())
        .limit(10)).all()
    names = _staff_names({m.staff_id or 0 for m in outgoing} | {i.handled_by_id or 0 for i in incoming})
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
    form.to.choices = _phone_choices(consenting)
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


def _phone_choices(consenting: list[HouseholdPhone]) -> list[SelectChoice]:
    return options((p.id, phone_numbers.display(p.number) + (f" ({p.label})" if p.label else "")) for p in consenting)


@bp.post("/households/<int:household_id>/sms")
@staff_required()
def sms_reply(household_id: int) -> ResponseReturnValue:
    """Send a reply (kind staff_reply) to a consenting number; the household's open messages are then done.

    The "count" button (no JavaScript) shows the page again with the count, sending nothing."""
    found = household_for_staff(household_id)
    form = ReplyForm(prefix="sms")
    consenting = [p for p in found.phones if p.sms_consent]
    form.to.choices = _phone_choices(consenting)
    g.sms_reply_form = form
    if not form.validate_on_submit():
        return render_household(found)[0], 422
    if request.form.get("action") == "count":
        return render_household(found)[0], 200
    text = (form.text.data or "").strip()
    phone = next((p for p in consenting if str(p.id) == form.to.data), None)
    refused = False
    if not consenting:
        add_error(form.to, _("Aucun téléphone de ce ménage n'a l'accord pour les SMS : appelez le ménage."))
        refused = True
    elif phone is None:
        add_error(form.to, _("Choisissez un numéro."))
        refused = True
    language = send_language(text, found.language)
    segments = prepare(text, language)[1].segments
    if not text:
        add_error(form.text, _("Écrivez le message."))
        refused = True
    elif segments > MAX_SEGMENTS:
        add_error(form.text, _("Ce message prend %(num)s SMS : raccourcissez-le, %(max)s SMS au plus.",
                               num=segments, max=MAX_SEGMENTS))
        refused = True
    if refused or phone is None:
        return render_household(found)[0], 422
    message = enqueue(phone.number, REPLY_KIND, text, household_id=found.id, language=language)
    message.staff_id = g.staff.id
    db.session.flush()
    handled = cast(CursorResult[Any], db.session.execute(update(SmsInbound).where(
        SmsInbound.household_id == found.id, SmsInbound.inbox_status == InboxStatus.OPEN).values(
        inbox_status=InboxStatus.DONE, handled_by_id=g.staff.id, handled_at=_now(), reply_id=message.id))).rowcount
    audit.record("staff", g.staff.id, "create", household_id=found.id, entity="sms_message", entity_id=message.id,
                 segments=message.segments, inbound_done=handled)
    db.session.commit()
    return redirect(url_for("household_file.staff.household", household_id=found.id, _anchor="sms"), code=303)


@bp.post("/households/<int:household_id>/sms/count")
@staff_required()
def sms_count(household_id: int) -> ResponseReturnValue:
    """The live counter (htmx, as the text is typed). Not in the access log: it returns only a count."""
    found = household_for_staff(household_id)
    text = (request.form.get("sms-text") or "").strip()
    return render_block("staff/_sms_reply.html", "counter", count=count(text, found.language),
                        max_segments=MAX_SEGMENTS)


@bp.get("/households/<int:household_id>/sms/template")
@staff_required()
def sms_template(household_id: int) -> ResponseReturnValue:
    """The reply box filled with a template (htmx); without htmx, the household page with the template in it."""
    found = household_for_staff(household_id)
    key = request.args.get("sms_template", "")
    if not htmx:
        return redirect(url_for("household_file.staff.household", household_id=found.id, sms_template=key or None,
                                _anchor="sms-reply"), code=303)
    panel = sms_panel(found)
    return render_block("staff/_sms_reply.html", "text_field", sms=panel, household=found, count=panel.count,
                        max_segments=MAX_SEGMENTS)


# --- the inbox ------------------------------------------------------------------------------------------

def _visible_open(staff: StaffUser) -> Select[Any]:
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
    return db.session.scalar(select(func.count()).select_from(_visible_open(staff).subquery())) or 0


@bp.before_request
def _count_open() -> None:
    """The staff navigation (base.html) shows how many SMS wait: counted here, once per request, before the view
    runs (a template never reads the database)."""
    g.sms_open_count = open_count()


def _safe_number(number: str) -> str:
    try:
        return phone_numbers.display(number)
    except Exception:  # noqa: BLE001 - an odd sender (a short code, text) is shown as it came
        return number


@bp.get("/sms/inbox")
@staff_required()
def sms_inbox() -> ResponseReturnValue:
    items = db.session.scalars(_visible_open(g.staff).order_by(SmsInbound.received_at.desc(), SmsInbound.id.desc())
                               .limit(200)).all()
    ids = {i.household_id for i in items if i.household_id}
    households = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))} if ids else {}
    rows = [{"item": i, "household": households.get(i.household_id or 0), "number": _safe_number(i.from_number)}
            for i in items]
    audit.record("staff", g.staff.id, "read_sms_inbox", shown=len(rows))
    page = render_template("staff/sms_inbox.html", rows=rows)
    db.session.commit()  # after rendering: a commit expires what the page shows, which it would then read again
    return page


@bp.post("/sms/inbox/<int:inbound_id>/done")
@staff_required()
def sms_done(inbound_id: int) -> ResponseReturnValue:
    """Mark an inbound message handled ("traité"); 404 for a message this person may not see."""
    item = db.session.get(SmsInbound, inbound_id)
    household = db.session.get(Household, item.household_id) if item and item.household_id else None
    if item is None or not (can(g.staff, HANDLE_SMS, household) if household is not None
                            else reach(g.staff, HANDLE_SMS) is Reach.ALL):  # an unknown number: the inbox above
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if item.inbox_status != InboxStatus.DONE:
        item.inbox_status, item.handled_by_id, item.handled_at = InboxStatus.DONE, g.staff.id, _now()
        audit.record("staff", g.staff.id, "update", household_id=item.household_id, entity="sms_inbound",
                     entity_id=item.id, inbox_status=InboxStatus.DONE)
    db.session.commit()
    if htmx:
        return ""  # the row goes away
    return redirect(safe_next(request.form.get("next"), url_for("sms_replies.staff.sms_inbox")), code=303)



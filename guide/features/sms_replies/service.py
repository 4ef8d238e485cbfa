"""SMS a household (or anyone) sends us: stored once per Twilio MessageSid, understood, answered through the outbox.

`receive` is one unit of work (the webhook request's transaction): the incoming row, what it changes (an appointment
confirmed, consent withdrawn, a mediation request) and the reply rows are written together. Replies are outbox
rows whose kind starts with "reply_", so the dispatcher sends them even in quiet hours: they answer the person's
own message. What the parser does not understand goes to the household's SMS inbox for staff (`inbox_status`
"open"), with at most one automatic "message received" a day per number.

A conversation under way (the language menu, the guided questions: guide/features/sms_replies/conversation.py)
takes a bare number before the keywords do: "1" answers the question asked, it does not confirm an appointment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from guide.core import audit
from guide.core.extensions import db
from guide.core.phones import normalize as normalize_phone
from guide.core.timeutil import local, today
from guide.core.transaction import atomic
from guide.core.versioned import save_if_current
from guide.features.appointments import service as appointments
from guide.features.phones import service as household_phones
from guide.features.plan.service import next_actions
from guide.features.reminders import service as schedule
from guide.features.reminders.service import sms_date  # the reminders' date format, so every SMS writes dates alike
from guide.features.requests.service import ask_mediation, receipts_of
from guide.features.signin import service as signin
from guide.features.sms_replies import conversation
from guide.features.sms_replies.keywords import Intent, Parsed, as_twilio_did, parse
from guide.features.standing.service import standing
from guide.messaging import texts
from guide.messaging.outbox import enqueue
from guide.models import AppointmentStatus, Household, HouseholdPhone, SmsInbound, SmsMessage
from guide.models.sms import InboxStatus, SmsStatus

ACK_EVERY = timedelta(hours=24)  # at most one automatic "message received" (or neutral answer) per number


@dataclass
class Incoming:
    """One SMS being handled: the stored row, who sent it (when we know), what it asks."""

    row: SmsInbound
    household: Household | None
    parsed: Parsed
    now: datetime

    @property
    def lang(self) -> str:
        return self.household.language if self.household and self.household.language else "fr"

    @property
    def sender(self) -> Household:
        """The household that sent it: the intent handlers run only for a known number (see `receive`)."""
        assert self.household is not None, "an intent handler called for an unknown number"
        return self.household


# --- delivery status callbacks ----------------------------------------------------------------------------------

_ORDER = {"queued": 0, "accepted": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3,
          "read": 3}


@atomic
def record_delivery_status(sid: str, new: str, error_code: str, now: datetime | None = None) -> bool:
    """Twilio's news about a message we sent (idempotent: a late or repeated callback never takes a final state
    back); False when nothing changed."""
    message = db.session.scalars(select(SmsMessage).where(SmsMessage.provider_id == sid)).first()
    if message is None or new not in _ORDER:
        return False
    current = message.status
    if current in SmsStatus.FINAL or _ORDER.get(new, 0) < _ORDER.get(current, 0):
        return False
    message.status = {"read": "delivered", "accepted": "sent", "queued": "sent", "sending": "sent"}.get(new, new)
    if new in ("delivered", "read"):
        message.delivered_at = now or datetime.now(UTC)
    if error_code:
        message.error_code = error_code[:20]
    return True


# --- entry point -------------------------------------------------------------------------------------------------

@atomic
def receive(message_sid: str, from_number: str, to_number: str, body: str,
            now: datetime | None = None, opt_out_type: str = "") -> SmsInbound | None:
    """Store and answer one SMS; None when this MessageSid is stored already (Twilio retried).

    `opt_out_type`: Twilio's OptOutType parameter (STOP, START or HELP) when its Advanced Opt-Out matched a keyword.
    """
    now = now or datetime.now(UTC)
    if db.session.scalar(select(SmsInbound.id).where(SmsInbound.message_sid == message_sid)) is not None:
        return None
    number = normalize_phone(from_number, current_app.config["DEFAULT_REGION"]) or from_number.strip()[:20]
    household = signin.find_household_by_phone(number)
    row = SmsInbound(message_sid=message_sid, from_number=number, to_number=to_number.strip()[:20], body=body,
                     household_id=household.id if household else None, received_at=now)
    db.session.add(row)
    try:
        db.session.flush()  # the unique MessageSid decides between two deliveries of the same SMS racing
    except IntegrityError:
        db.session.rollback()
        return None
    incoming = Incoming(row, household, as_twilio_did(parse(body), opt_out_type), now)
    row.intent = incoming.parsed.intent.value
    if household is None:
        _from_unknown_number(incoming)
    elif not current_app.config.get("SMS_TWO_WAY", True):
        _one_way(incoming)
    elif not _in_conversation(incoming):
        HANDLERS[incoming.parsed.intent](incoming)
    return row


# --- replies -----------------------------------------------------------------------------------------------------

def _reply(incoming: Incoming, kind: str, body: str | None = None, lang: str | None = None,
           **values: str) -> SmsMessage:
    """Queue an answer to the sender (outbox kind "reply_..."), from a text kind or a body built here."""
    lang = lang or incoming.lang
    if body is None:
        body = texts.fill(kind, lang, **values)
    prepare_as = texts.MULTILINGUAL if kind in texts.MULTILINGUAL_KINDS else lang
    outbox_kind = kind if kind.startswith("reply_") else f"reply_{kind}"
    message = enqueue(incoming.row.from_number, outbox_kind, body,
                      household_id=incoming.household.id if incoming.household else None, language=prepare_as)
    db.session.flush()
    incoming.row.reply_id = message.id
    return message


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def _personal_link(household: Household, target: str = "/my") -> str:
    return f"{_base()}/k/{signin.create_link(household, target=target)}"


def _answered_lately(number: str, kind: str, now: datetime) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(SmsMessage).where(
        SmsMessage.to_number == number, SmsMessage.kind == kind, SmsMessage.created_at >= now - ACK_EVERY)))


def _sms_date(day: date, lang: str) -> str:
    return sms_date(day, lang)


# --- who sent it -------------------------------------------------------------------------------------------------

def _from_unknown_number(incoming: Incoming) -> None:
    """A number we do not know: nothing about anyone, only where the guide is; staff admins may read it."""
    if incoming.parsed.intent in (Intent.STOP, Intent.RESTART, Intent.CONFIRM) and incoming.parsed.reserved:
        return  # Twilio has answered (STOP, START, YES); nothing of ours to mirror
    incoming.row.inbox_status = InboxStatus.OPEN
    if not _answered_lately(incoming.row.from_number, "reply_unknown", incoming.now):
        _reply(incoming, "reply_unknown", lang="fr", site=_base())


def _one_way(incoming: Incoming) -> None:
    """A one-way deployment (alphanumeric sender) cannot answer: keep consent right, let staff read the rest."""
    if incoming.parsed.intent is Intent.STOP:
        _set_consent(incoming, False)
    elif incoming.parsed.intent is Intent.RESTART or _twilio_yes(incoming):
        _set_consent(incoming, True)
    else:
        incoming.row.inbox_status = InboxStatus.OPEN


# --- intents -----------------------------------------------------------------------------------------------------

def _twilio_yes(incoming: Incoming) -> bool:
    """YES: a Twilio opt-in word (Twilio unblocks the number and answers), and a "yes" to our reminder."""
    return incoming.parsed.intent is Intent.CONFIRM and incoming.parsed.reserved


def _opted_out(number: str) -> bool:
    withdrawn = select(HouseholdPhone.id).where(HouseholdPhone.number == number, HouseholdPhone.sms_consent.is_(False))
    return db.session.scalar(withdrawn.limit(1)) is not None


def _confirm(incoming: Incoming) -> None:
    household = incoming.sender
    appointment = standing(household, today()).next_appointment
    if _twilio_yes(incoming) and _opted_out(incoming.row.from_number):
        # the number had said STOP: for Twilio this YES is an opt-in, so it is one here too (consent back); an
        # appointment awaiting an answer is not confirmed on a word that meant "send me SMS again": we say how
        _set_consent(incoming, True)
        if appointment is not None and appointment.status in (AppointmentStatus.PLANNED,
                                                              AppointmentStatus.CHANGE_ASKED):
            moment = local(appointment.starts_at)
            _reply(incoming, "reply_appointment", date=_sms_date(moment.date(), incoming.lang),
                   time=f"{moment:%H:%M}", link=_personal_link(household))
        return
    if appointment is None:
        _reply(incoming, "reply_no_appointment", link=_personal_link(household))
        return
    appointments.confirm(household, appointment, channel="sms")
    moment = local(appointment.starts_at)
    _reply(incoming, "reply_confirmed", date=_sms_date(moment.date(), incoming.lang), time=f"{moment:%H:%M}",
           link=_personal_link(household))


def _change(incoming: Incoming) -> None:
    """The officer calls back with another date: the appointment says so, and the message waits in the inbox."""
    household = incoming.sender
    incoming.row.inbox_status = InboxStatus.OPEN
    appointment = standing(household, today()).next_appointment
    if appointment is None:
        _reply(incoming, "reply_no_appointment", link=_personal_link(household))
        return
    appointments.ask_change(household, appointment, note=incoming.row.body, channel="sms")
    _reply(incoming, "reply_change_asked", link=_personal_link(household))


def _standing(incoming: Incoming) -> None:
    household = incoming.sender
    page = current_app.extensions["content"].stage(incoming.lang, household.stage)
    _reply(incoming, "reply_standing", stage=page.title if page else household.stage, link=_personal_link(household))


def _appointment(incoming: Incoming) -> None:
    household = incoming.sender
    appointment = standing(household, today()).next_appointment
    if appointment is None:
        _reply(incoming, "reply_no_appointment", link=_personal_link(household))
        return
    moment = local(appointment.starts_at)
    _reply(incoming, "reply_appointment", date=_sms_date(moment.date(), incoming.lang), time=f"{moment:%H:%M}",
           link=_personal_link(household))


def _next_actions_text(household: Household) -> str:
    """The household's next actions as one SMS: how many actions of its plan are left and the next one's date.

    The actions' own words stay on the site (they may say private things); without a plan, the next step of
    "where I stand".
    """

    lang = household.language or "fr"
    actions = next_actions(household, limit=100)
    if actions:
        first = actions[0]
        on = first.on or first.week_of
        link = _personal_link(household, "/my/plan")
        if on:
            return texts.fill("reply_plan_next", lang, count=str(len(actions)), date=_sms_date(on, lang), link=link)
        return texts.fill("reply_plan_count", lang, count=str(len(actions)), link=link)
    action = standing(household, today()).next_action
    on_text = _sms_date(action.on, lang) if action.on else ""
    if action.code == "answer_proposal":
        return texts.fill("reply_todo_answer", lang, date=on_text,
                          link=_personal_link(household, f"/my/proposals/{action.proposal_id}"))
    if action.code == "confirm_appointment":
        return texts.fill("reply_todo_confirm", lang, date=on_text, link=_personal_link(household))
    if action.code == "refresh_documents":
        return texts.fill("reply_todo_documents", lang, date=on_text, link=_personal_link(household))
    return texts.fill("reply_todo_none", lang, link=_personal_link(household))


def _actions(incoming: Incoming) -> None:
    _reply(incoming, "reply_todo", body=_next_actions_text(incoming.sender))


def _help(incoming: Incoming) -> None:
    # Twilio may answer HELP/INFO itself (in English): the menu in the household's language is still worth sending
    _reply(incoming, texts.help_kind(current_app.config.get("SMS_TWO_WAY", True)), site=_base())


def _language(incoming: Incoming) -> None:
    code = incoming.parsed.argument
    if code in current_app.config["LANGUAGES"]:
        _change_language(incoming, code)
    else:
        conversation.start(incoming.row.from_number, conversation.LANGUAGE_MENU, incoming.now)
        _reply(incoming, "reply_language_menu", body=conversation.language_menu_text(incoming.lang))


def _change_language(incoming: Incoming, code: str) -> None:
    """The household's language, saved without overwriting a staff edit made meanwhile (version check)."""
    household = incoming.sender
    db.session.flush()  # save_if_current expires the session: nothing of this request may be left unflushed
    for _attempt in range(3):
        if save_if_current(Household, household.id, household.version, {"language": code}):
            break
        db.session.refresh(household)
    else:
        _other(incoming)  # kept changing under us: a person will do it
        return
    audit.record("household", household.id, "language_changed", household_id=household.id, channel="sms",
                 language=code)

    schedule.sync([household.id])  # queued reminders now speak the new language (a Core UPDATE: no flush hook)
    conversation.end(incoming.row.from_number)
    _reply(incoming, "reply_language_done", lang=code)


def _set_consent(incoming: Incoming, given: bool) -> None:
    """Mirror an opt-out or opt-in on every record of this number (Twilio blocks or unblocks it on its side)."""
    for phone in household_phones.set_sms_consent(incoming.row.from_number, given, incoming.now):
        audit.record("household", phone.household_id, "sms_opt_in" if given else "sms_opt_out",
                     household_id=phone.household_id, entity="household_phone", entity_id=phone.id, channel="sms")


def _stop(incoming: Incoming) -> None:
    _set_consent(incoming, False)
    conversation.end(incoming.row.from_number)
    if incoming.parsed.reserved:
        return  # Twilio has blocked the number and answered STOP itself
    if incoming.parsed.phrase:  # "stop svp", "arrêtez les sms": Twilio blocked nothing; say how to block it all
        _reply(incoming, "reply_stopped_words")
    else:  # ARRET and the like are ours
        _reply(incoming, "reply_stopped", body=texts.fill("stopped", incoming.lang))


def _restart(incoming: Incoming) -> None:
    _set_consent(incoming, True)  # Twilio's START, YES, UNSTOP: Twilio answers


def _mediation(incoming: Incoming) -> None:
    household, text = incoming.sender, incoming.parsed.argument
    if not text:
        _reply(incoming, "reply_mediation_empty")
        return
    request = ask_mediation(household, what_happened=text, disagreement="", wish="", photos=[],
                            key=f"sms:{incoming.row.message_sid}", today=today(), channel="sms")
    incoming.row.request_id = request.id
    # this request's own receipt (reference and link) is the answer: the one to the sender's number, else the one to
    # another number of the household; none when no number accepts SMS (the sender said STOP)
    receipts = receipts_of(request)
    to_sender = [m for m in receipts if m.to_number == incoming.row.from_number]
    incoming.row.reply_id = (to_sender or receipts)[0].id if receipts else None


def _ambiguous(incoming: Incoming) -> None:
    """Two meanings in one SMS ("oui non", "1 2"): ask back with the numbered choices rather than guess; without an
    appointment to answer about, a person reads it."""
    if standing(incoming.sender, today()).next_appointment is None:
        _other(incoming)
        return
    _reply(incoming, "reply_choose")


def _other(incoming: Incoming) -> None:
    incoming.row.inbox_status = InboxStatus.OPEN
    if not _answered_lately(incoming.row.from_number, "reply_ack", incoming.now):
        _reply(incoming, "reply_ack")


# --- conversations: the language menu and the guided questions (conversation.py) -----------------------------------

def _in_conversation(incoming: Incoming) -> bool:
    """The SMS answers the conversation under way (menu, guided question); False when it is something else."""
    number = incoming.row.from_number
    outcome = conversation.answer(number, incoming.parsed, incoming.lang, incoming.now, today())
    if not outcome.handled:
        if incoming.parsed.intent is not Intent.OTHER:  # a keyword leaves the conversation
            conversation.end(number)
        return False
    incoming.row.intent = (Intent.LANGUAGE if outcome.state == conversation.LANGUAGE_MENU else Intent.GUIDE).value
    if outcome.language:
        _change_language(incoming, outcome.language)
    elif outcome.leave:
        _help(incoming)
    elif outcome.body:
        _reply(incoming, outcome.kind, body=outcome.body)
    return True


def _guide(incoming: Incoming) -> None:
    conversation.start(incoming.row.from_number, conversation.GUIDE_MENU, incoming.now)
    _reply(incoming, "reply_guide", body=conversation.guide_menu_text(incoming.lang))


HANDLERS = {
    Intent.CONFIRM: _confirm,
    Intent.CHANGE: _change,
    Intent.STANDING: _standing,
    Intent.APPOINTMENT: _appointment,
    Intent.ACTIONS: _actions,
    Intent.HELP: _help,
    Intent.LANGUAGE: _language,
    Intent.STOP: _stop,
    Intent.RESTART: _restart,
    Intent.MEDIATION: _mediation,
    Intent.GUIDE: _guide,
    Intent.AMBIGUOUS: _ambiguous,
    Intent.OTHER: _other,
}


"""Replies in people's own words, end to end through the signed webhook: polite opt-outs, replies asked back,
Twilio's YES and CANCEL, and what Twilio's Advanced Opt-Out (OptOutType) says it did."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from guide.core.extensions import db
from guide.messaging import outbox, texts
from guide.models import Appointment, AppointmentStatus, Household, HouseholdPhone
from tests.factories import make_appointment, make_household
from tests.fake_twilio import DEFAULT_KEYWORDS
from tests.sms.conftest import MONDAY_10
from tests.sms.test_inbound import PHONE, get, last_reply, replies, send, stored


@pytest.fixture()
def household(sms_app: Flask, ctx: None) -> Household:
    return make_household(phone=PHONE, display_name="Famille Benali", stage="visit")


def _consent(app: Flask) -> bool | None:
    with app.app_context():
        return db.session.scalar(select(HouseholdPhone.sms_consent).where(HouseholdPhone.number == PHONE))


# --- confirmations and change requests in words ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["OK merci", "oui je serai là", "Sim, confirmo", "Tamam teşekkürler", "👍",
                                  "confirmr", "yes please", "نعم شكرا"])
def test_a_polite_or_natural_confirmation_confirms(sms_app, household, text: str) -> None:
    appointment = make_appointment(household)
    send(sms_app, text)
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.CONFIRMED
    assert last_reply(sms_app).kind == "reply_confirmed"


@pytest.mark.parametrize("text", ["autre date svp", "je veux changer de date", "another date please",
                                  "gelemiyorum", "não posso ir"])
def test_a_change_request_in_words_asks_the_officer(sms_app, household, text: str) -> None:
    appointment = make_appointment(household)
    send(sms_app, text)
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.CHANGE_ASKED
    [row] = stored(sms_app)
    assert (row.intent, row.inbox_status) == ("change", "open")


@pytest.mark.parametrize(("text", "kind"), [("c'est quand mon rdv", "reply_appointment"),
                                            ("when is my appointment", "reply_appointment"),
                                            ("متى موعدي؟", "reply_appointment"), ("RANDEVUM NE ZAMAN",
                                                                                   "reply_appointment")])
def test_a_question_in_words_is_answered(sms_app, household, text: str, kind: str) -> None:
    make_appointment(household)
    send(sms_app, text)
    assert last_reply(sms_app).kind == kind


# --- asked back -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["oui non", "1 2", "oui mais je voudrais changer de date", "ok stop"])
def test_two_meanings_are_asked_back_and_nothing_changes(sms_app, household, text: str) -> None:
    appointment = make_appointment(household)
    send(sms_app, text)
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.PLANNED
    assert _consent(sms_app) is True
    reply = last_reply(sms_app)
    assert reply.kind == "reply_choose" and "\n1 " in reply.body and "\n2 " in reply.body
    [row] = stored(sms_app)
    assert row.intent == "ambiguous" and row.inbox_status == "none" and row.reply_id == reply.id


def test_the_answer_to_the_question_asked_back_is_understood(sms_app, household) -> None:
    appointment = make_appointment(household)
    send(sms_app, "oui non")
    send(sms_app, "2")
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.CHANGE_ASKED


def test_without_an_appointment_two_meanings_go_to_a_person(sms_app, household) -> None:
    send(sms_app, "oui non")
    [row] = stored(sms_app)
    assert row.inbox_status == "open" and last_reply(sms_app).kind == "reply_ack"


def test_the_question_asked_back_is_in_the_households_language(sms_app, ctx) -> None:
    household = make_household(phone=PHONE, language="ar")
    make_appointment(household)
    send(sms_app, "نعم لا")
    reply = last_reply(sms_app)
    assert reply.kind == "reply_choose" and reply.body == texts.render("reply_choose", "ar")[0]


# --- opt-outs in words ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "lang"), [("STOP SVP", "fr"), ("arrêtez les sms", "fr"), ("stop please", "en"),
                                            ("je ne veux plus de sms", "fr"), ("lütfen stop", "tr"),
                                            ("não quero mais mensagens", "pt"), ("لا أريد رسائل", "ar")])
def test_a_polite_opt_out_withdraws_consent_and_says_how_to_block_everything(sms_app, ctx, text: str,
                                                                             lang: str) -> None:
    household = make_household(phone=PHONE, language=lang)
    make_appointment(household)
    send(sms_app, text)
    assert _consent(sms_app) is False
    reply = last_reply(sms_app)
    assert reply.kind == "reply_stopped_words" and reply.body == texts.render("reply_stopped_words", lang)[0]
    assert "STOP" in reply.body and "START" in reply.body, "Twilio blocks only on the exact word STOP: we say so"
    assert stored(sms_app)[0].intent == "stop"


def test_the_polite_opt_out_answer_itself_goes_out(sms_app, household, fake) -> None:
    send(sms_app, "stop svp")
    with sms_app.app_context():
        outbox.dispatch_once(now=MONDAY_10)
    assert [m["to"] for m in fake.accepted()] == [PHONE]


def test_an_opt_out_word_inside_another_sentence_is_not_an_opt_out(sms_app, household) -> None:
    send(sms_app, "arrêt de bus")
    assert _consent(sms_app) is True and stored(sms_app)[0].inbox_status == "open"


# --- Twilio's YES and CANCEL ----------------------------------------------------------------------------------

def test_yes_to_a_reminder_confirms_the_appointment(sms_app, household) -> None:
    """YES is an opt-in word for Twilio (Twilio forwards it, and answers it in English): for a number that never
    opted out, it changes nothing there, and the household meant "yes" to our reminder."""
    appointment = make_appointment(household)
    send(sms_app, "Yes", advanced_opt_out=True)
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.CONFIRMED
    assert last_reply(sms_app).kind == "reply_confirmed" and _consent(sms_app) is True
    assert stored(sms_app)[0].intent == "confirm"


def test_yes_after_stop_gives_consent_back_and_says_how_to_confirm(sms_app, household) -> None:
    appointment = make_appointment(household)
    send(sms_app, "STOP", advanced_opt_out=True)
    send(sms_app, "YES", advanced_opt_out=True)
    assert _consent(sms_app) is True, "Twilio unblocked the number: so do we"
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.PLANNED, "not on an opt-in word"
    reply = last_reply(sms_app)
    assert reply.kind == "reply_appointment" and "1" in reply.body


def test_yes_without_advanced_opt_out_is_read_the_same(sms_app, household) -> None:
    appointment = make_appointment(household)
    send(sms_app, "YES")
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.CONFIRMED


@pytest.mark.parametrize("advanced", [True, False])
def test_cancel_is_an_opt_out_twilio_has_answered(sms_app, household, advanced: bool) -> None:
    """CANCEL is one of Twilio's opt-out words: Twilio blocks the number whatever the person meant, so consent is
    withdrawn here too, the appointment is left alone, and Twilio's own answer is the only one."""
    appointment = make_appointment(household)
    send(sms_app, "Cancel", advanced_opt_out=advanced)
    assert _consent(sms_app) is False
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.PLANNED
    assert replies(sms_app) == []


def test_cancel_in_a_sentence_goes_to_a_person(sms_app, household) -> None:
    appointment = make_appointment(household)
    send(sms_app, "cancel my appointment", advanced_opt_out=True)
    assert _consent(sms_app) is True
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.PLANNED
    assert stored(sms_app)[0].inbox_status == "open"


# --- what Twilio's Advanced Opt-Out says it did ---------------------------------------------------------------

def test_a_custom_opt_out_keyword_twilio_blocked_is_mirrored_without_our_answer(sms_app, household) -> None:
    """A deployment may add ARRET to the Messaging Service's opt-out keywords: Twilio then blocks and answers it."""
    keywords = {**DEFAULT_KEYWORDS, "STOP": (*DEFAULT_KEYWORDS["STOP"], "ARRET")}
    send(sms_app, "arret", advanced_opt_out=True, keywords=keywords)
    assert _consent(sms_app) is False
    assert replies(sms_app) == [], "Twilio answered it"


def test_help_twilio_answered_still_gets_our_menu(sms_app, household) -> None:
    send(sms_app, "info", advanced_opt_out=True)
    assert last_reply(sms_app).kind == "reply_help"


def test_one_way_yes_gives_consent_back(sms_app, household) -> None:
    sms_app.config["SMS_TWO_WAY"] = False
    send(sms_app, "STOP")
    send(sms_app, "YES", advanced_opt_out=True)
    assert _consent(sms_app) is True and replies(sms_app) == []


# --- a number in a menu ---------------------------------------------------------------------------------------

def test_a_number_with_thanks_answers_the_language_menu_first(sms_app, household) -> None:
    appointment = make_appointment(household)
    send(sms_app, "LANGUE")
    send(sms_app, "2 merci")
    with sms_app.app_context():
        assert db.session.get(Household, household.id).language == "ar"
    assert get(sms_app, Appointment, appointment.id).status == AppointmentStatus.PLANNED

"""How well SMS replies written as households write them are understood (tests/sms/corpus/replies.yaml).

Each line of the corpus says what the person meant. Understood: the parser reads that intent (for an ambiguous
reply: it asks back). A wrong action: the parser reads an action the person did not mean (a confirmation, a change
request, an opt-out or opt-in, a mediation request or a language change); "not understood" (a person reads it, or
the reply is asked back) is never wrong. The figures are printed (`pytest -s`).

How the corpus was made: 362 replies written before the phrase lists of content/<lang>/sms_keywords.yaml, then
100 more (marked in the file) written after them and measured once unseen: 96/100 understood on that first
measure (61/100 before the neutral words were widened), 0 wrong actions; main's parser understood 22/100 of them.
The end-to-end test sends every reply through the signed webhook to a household with an appointment awaiting
confirmation and checks what really changed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import select, update

from guide.core.extensions import db
from guide.features.sms_replies.keywords import Intent, parse
from guide.models import Appointment, AppointmentStatus, HouseholdPhone, SmsSession
from tests.factories import make_appointment, make_household
from tests.sms.test_inbound import PHONE, send

CORPUS = Path(__file__).parent / "corpus" / "replies.yaml"
ACTIONS = frozenset({Intent.CONFIRM, Intent.CHANGE, Intent.STOP, Intent.RESTART, Intent.MEDIATION, Intent.LANGUAGE})
NOT_UNDERSTOOD = frozenset({Intent.OTHER, Intent.AMBIGUOUS})  # a person reads it, or the reply is asked back
TARGET = 0.98


def corpus() -> list[tuple[str, Intent, str]]:
    """(language, intent meant, SMS as written) for every line of the corpus."""
    with CORPUS.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    lines = []
    for lang, entries in data.items():
        for entry in entries:
            meant, _, text = str(entry).partition(" | ")
            lines.append((lang, Intent(meant.strip()), text.strip()))
    return lines


def wrong_action(meant: Intent, read: Intent) -> bool:
    return read in ACTIONS and read is not meant


def test_the_corpus_is_large_and_covers_every_language() -> None:
    per_language = Counter(lang for lang, _meant, _text in corpus())
    assert set(per_language) == {"fr", "ar", "en", "tr", "pt"}
    assert min(per_language.values()) >= 60, per_language
    assert len({text for _lang, _meant, text in corpus()}) >= 400


def test_accuracy_per_language_and_no_wrong_action() -> None:
    understood: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong, misses = [], []
    for lang, meant, text in corpus():
        read = parse(text).intent
        total[lang] += 1
        if read is meant:
            understood[lang] += 1
        else:
            misses.append(f"  {lang}: {text!r} meant {meant}, read {read}")
        if wrong_action(meant, read):
            wrong.append(f"{lang}: {text!r} meant {meant}, read {read}")
    print("\nSMS replies understood (tests/sms/corpus/replies.yaml):")
    for lang in total:
        print(f"  {lang}: {understood[lang]}/{total[lang]} = {understood[lang] / total[lang]:.1%}")
    overall = sum(understood.values()) / sum(total.values())
    print(f"  all: {sum(understood.values())}/{sum(total.values())} = {overall:.1%}; wrong actions: {len(wrong)}")
    print("Not understood (a person reads them, or the reply is asked back):", *misses, sep="\n")
    assert wrong == [], wrong
    assert overall >= TARGET
    for lang in total:
        assert understood[lang] / total[lang] >= 0.95, lang


@pytest.mark.parametrize(("text", "meant"), [(text, meant) for _lang, meant, text in corpus()
                                             if meant in ACTIONS])
def test_an_action_is_read_as_meant_or_not_at_all(text: str, meant: Intent) -> None:
    assert parse(text).intent in {meant, *NOT_UNDERSTOOD}


_numbers = itertools.count(1)


def test_every_reply_end_to_end_changes_only_what_was_meant(sms_app: Flask, ctx: None) -> None:
    """Through the signed webhook: an appointment awaiting confirmation, consent given; after each reply, the
    appointment is confirmed only for a confirmation, marked for a change only for a change request, and consent
    withdrawn only for an opt-out. Then everything is put back for the next reply."""
    household = make_household(phone=PHONE, display_name="Famille Corpus", stage="visit")
    appointment = make_appointment(household)
    wrong = []
    for lang, meant, text in corpus():
        with sms_app.app_context():
            db.session.execute(update(Appointment).where(Appointment.id == appointment.id)
                               .values(status=AppointmentStatus.PLANNED))
            db.session.execute(update(HouseholdPhone).where(HouseholdPhone.number == PHONE)
                               .values(sms_consent=True))
            db.session.query(SmsSession).delete()
            db.session.commit()
        send(sms_app, text, sid=f"SMcorpus{next(_numbers):026d}")
        with sms_app.app_context():
            status = db.session.scalar(select(Appointment.status).where(Appointment.id == appointment.id))
            consent = db.session.scalar(select(HouseholdPhone.sms_consent).where(HouseholdPhone.number == PHONE))
        done = {Intent.CONFIRM: status == AppointmentStatus.CONFIRMED,
                Intent.CHANGE: status == AppointmentStatus.CHANGE_ASKED, Intent.STOP: consent is False}
        wrong += [f"{lang}: {text!r} meant {meant}, did {action}" for action, happened in done.items()
                  if happened and action is not meant]
    assert wrong == []

"""Staff side of the SMS channel: conversation and failures on the household file, replies with templates and a
segment counter, the inbox of messages waiting for a person, and usage per month."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from guide.core import audit
from guide.core.extensions import db
from guide.core.i18n import LANGUAGES
from guide.features.sms_replies.panel import reply_labels, reply_texts
from guide.messaging.encoding import prepare
from guide.models import AuditEntry, HouseholdPhone, Role, SmsInbound, SmsMessage
from tests import factories
from tests.app.test_staff import log_in
from tests.conftest import csrf_token, get_page
from tests.factories import make_household, make_staff

NOW = datetime.now(UTC)
_sids = iter(range(1, 10**6))


def _save(*records):
    """Commit rows in their own app context; hands back their ids."""
    with factories.APP.app_context():
        db.session.add_all(records)
        db.session.commit()
        return [r.id for r in records]


def _phone(household) -> HouseholdPhone:
    """The household's first phone (the factory gives each household one, with SMS consent)."""
    with factories.APP.app_context():
        phone = db.session.scalars(select(HouseholdPhone).where(HouseholdPhone.household_id == household.id)
                                   .order_by(HouseholdPhone.id)).first()
        db.session.expunge(phone)
        return phone


def _out(household, body="Rappel : rendez-vous demain.", status="delivered", kind="appointment_soon",
         at=None, **extra) -> int:
    at = at or NOW - timedelta(hours=2)
    number = _phone(household).number if household else "+33611111111"
    return _save(SmsMessage(household_id=household.id if household else None, to_number=number, kind=kind,
                            body=body, status=status, segments=extra.pop("segments", 1), created_at=at,
                            send_after=at, **extra))[0]


def _in(household, body="Je ne peux pas venir mardi", status="open", at=None, number=None) -> int:
    return _save(SmsInbound(message_sid=f"SM{next(_sids):032d}", household_id=household.id if household else None,
                            from_number=number or _phone(household).number, body=body, inbox_status=status,
                            received_at=at or NOW - timedelta(hours=1)))[0]


def _officer_with_household(client, **household):
    officer = make_staff(phone="+33320123456")
    found = make_household(officer_id=officer.id, **household)
    log_in(client, officer)
    return officer, found


def _file(client, household_id: int, query: str = ""):
    return get_page(client, f"/staff/households/{household_id}{query}")


def _reply(client, household_id: int, text: str, **extra):
    page = _file(client, household_id)
    to = page.soup.select_one("select[name='sms-to'] option")
    data = {"csrf_token": csrf_token(page.soup), "sms-to": to["value"] if to else "", "sms-text": text, **extra}
    return client.post(f"/staff/households/{household_id}/sms", data=data)


def _counter(client, household_id: int, text: str):
    token = csrf_token(_file(client, household_id).soup)
    response = client.post(f"/staff/households/{household_id}/sms/count", data={"csrf_token": token,
                                                                                "sms-text": text},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    span = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("[data-segments]")
    return span, " ".join(span.get_text(" ").split())


# --- conversation and failures ------------------------------------------------------------------

def test_thread_shows_both_directions_in_order_without_codes_or_links(client, ctx) -> None:
    _officer, household = _officer_with_household(client)
    _out(household, "Rappel : rendez-vous demain. Voir : http://localhost/k/SECRETTOKEN123",
         at=NOW - timedelta(hours=3))
    _in(household, "Je ne peux pas venir mardi", at=NOW - timedelta(hours=2))
    _out(household, "Guide du relogement : votre code est 123456.", kind="sign_in_code", status="sent",
         at=NOW - timedelta(hours=1))
    page = _file(client, household.id)
    items = page.soup.select("#sms .sms-thread li[data-direction]")
    assert [i["data-direction"] for i in items] == ["out", "in", "out"]
    assert "Arrivé sur le téléphone" in items[0].get_text() and "1 SMS" in items[0].get_text()
    assert "Je ne peux pas venir mardi" in items[1].get_text() and "À traiter" in items[1].get_text()
    text = page.soup.select_one("#sms").get_text()
    assert "SECRETTOKEN123" not in text and "123456" not in text
    assert "code de connexion, caché" in items[2].get_text()
    assert page.soup.select_one("#sms-failure") is None


@pytest.mark.parametrize("status", ["failed", "undelivered", "review"])
def test_a_failed_message_puts_a_call_notice_on_top(client, ctx, status) -> None:
    _officer, household = _officer_with_household(client)
    failed = _out(household, "Rappel : rendez-vous demain à 10:00.", status=status, at=NOW - timedelta(days=3))
    page = _file(client, household.id)
    notice = page.soup.select_one("#sms-failure")
    assert notice is not None
    assert notice.select_one(f"[data-sms-failed='{failed}']")["data-status"] == status
    assert "Appelez le ménage" in notice.get_text() and "Rappel de rendez-vous" in notice.get_text()
    assert notice.select_one(f"a[href='tel:{_phone(household).number}']") is not None
    # on top: before the household's facts
    main = str(page.soup.select_one("main"))
    assert main.index('id="sms-failure"') < main.index('id="facts"')
    assert page.soup.select_one("#sms li.sms-failed") is not None


def test_no_notice_for_delivered_or_old_failures(client, ctx) -> None:
    _officer, household = _officer_with_household(client)
    _out(household, status="delivered")
    _out(household, status="failed", at=NOW - timedelta(days=31))
    assert _file(client, household.id).soup.select_one("#sms-failure") is None


# --- replies ----------------------------------------------------------------------------------------

def test_template_picker_fills_the_household_language_without_javascript(client, ctx) -> None:
    _officer, household = _officer_with_household(client, language="tr")
    page = _file(client, household.id, "?sms_template=call_me")
    text = page.soup.select_one("textarea#sms-text").get_text()
    assert text == reply_texts("tr")["call_me"].format(phone="03 20 12 34 56")
    labels = [o.get_text() for o in page.soup.select("select#sms-template option")][1:]
    assert labels == list(reply_labels().values())  # staff pick by the French label
    assert page.soup.select_one("#sms-count [data-segments]")["data-segments"] == "1"


def test_template_picker_with_htmx_swaps_the_text_box(client, ctx) -> None:
    _officer, household = _officer_with_household(client, language="ar")
    url = f"/staff/households/{household.id}/sms/template?sms_template=received"
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    fragment = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert fragment.select_one("#sms-text-field textarea").get_text() == reply_texts("ar")["received"]
    assert fragment.select_one("[data-encoding]")["data-encoding"] == "UCS-2"
    assert fragment.find("html") is None  # a fragment, not a page
    plain = client.get(url)
    assert plain.status_code == 303 and "sms_template=received" in plain.headers["Location"]


def test_reply_goes_out_in_the_household_language_and_closes_open_messages(client, app, ctx) -> None:
    officer, household = _officer_with_household(client, language="ar")
    waiting = _in(household, "متى الموعد؟")
    text = reply_texts("ar")["received"]
    response = _reply(client, household.id, text)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{household.id}#sms")
    with app.app_context():
        sent = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "staff_reply")).one()
        assert (sent.household_id, sent.staff_id, sent.to_number, sent.body, sent.encoding, sent.segments) == (
            household.id, officer.id, _phone(household).number, text, "UCS-2", 1)
        item = db.session.get(SmsInbound, waiting)
        assert (item.inbox_status, item.handled_by_id, item.reply_id) == ("done", officer.id, sent.id)
        assert item.handled_at is not None
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "sms_message",
                                                           AuditEntry.entity_key == audit.entity_pseudonym(
                                                               "sms_message", sent.id))).one().actor_id == \
            officer.id
    page = _file(client, household.id)
    mine = page.soup.select(".sms-thread li[data-direction='out']")[-1]
    assert text in mine.get_text() and officer.name in mine.get_text()


def test_french_reply_is_folded_to_gsm7(client, app, ctx) -> None:
    _officer, household = _officer_with_household(client, language="fr")
    assert _reply(client, household.id, "Pensez à la fenêtre « côté cour » : ça ira.").status_code == 303
    with app.app_context():
        sent = db.session.scalars(select(SmsMessage)).one()
        assert (sent.body, sent.encoding) == ('Pensez à la fenetre "coté cour" : ca ira.', "GSM-7")


def test_segment_counter_gsm7_and_arabic(client, ctx) -> None:
    _officer, french = _officer_with_household(client, language="fr")
    span, words = _counter(client, french.id, "a" * 74)
    assert words == "74 caractères · 1 SMS (GSM-7)"
    span, words = _counter(client, french.id, "é" * 161)  # é is in GSM-7: two parts of 153
    assert words == "161 caractères · 2 SMS (GSM-7)"
    arabic = make_household(officer_id=_officer.id, language="ar")
    span, words = _counter(client, arabic.id, "ب" * 71)
    assert words == "71 caractères · 2 SMS (UCS-2)"
    assert prepare("ب" * 71, "ar")[1].segments == int(span["data-segments"])
    span, words = _counter(client, arabic.id, "Bonjour, à demain")  # Latin text to an Arabic reader: GSM-7
    assert span["data-encoding"] == "GSM-7"


def test_empty_and_too_long_replies_are_refused_keeping_the_text(client, app, ctx) -> None:
    _officer, household = _officer_with_household(client)
    empty = _reply(client, household.id, "   ")
    assert empty.status_code == 422 and "Écrivez le message." in empty.get_data(as_text=True)
    long_text = "Un message bien trop long. " * 25  # 675 GSM-7 characters: 5 parts
    response = _reply(client, household.id, long_text)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one("#sms-text-error").get_text().startswith("Ce message prend 5 SMS")
    assert soup.select_one("textarea#sms-text").get_text() == long_text
    assert soup.select_one("textarea#sms-text")["aria-invalid"] == "true"
    assert soup.select_one("#sms-count [data-segments]")["data-segments"] == "5"  # the count after a no-JS submit
    with app.app_context():
        assert not db.session.scalars(select(SmsMessage)).all()


def test_count_button_without_javascript_sends_nothing(client, app, ctx) -> None:
    _officer, household = _officer_with_household(client)
    response = _reply(client, household.id, "Bonjour, à demain.", action="count")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert " ".join(soup.select_one("#sms-count").get_text().split()) == "18 caractères · 1 SMS (GSM-7)"
    with app.app_context():
        assert not db.session.scalars(select(SmsMessage)).all()


def test_no_consenting_phone(client, app, ctx) -> None:
    _officer, household = _officer_with_household(client)
    with app.app_context():
        db.session.get(HouseholdPhone, _phone(household).id).sms_consent = False
        db.session.commit()
    page = _file(client, household.id)
    assert "Aucun téléphone de ce ménage n'a l'accord" in page.text("#sms-no-phone")
    assert page.soup.select_one("textarea#sms-text") is None
    response = client.post(f"/staff/households/{household.id}/sms",
                           data={"csrf_token": csrf_token(page.soup), "sms-to": str(_phone(household).id),
                                 "sms-text": "Bonjour"})
    assert response.status_code == 422 and "Aucun téléphone de ce ménage" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(select(SmsMessage)).all()


def test_reply_to_another_households_phone_is_refused(client, app, ctx) -> None:
    _officer, household = _officer_with_household(client)
    other = make_household()
    token = csrf_token(_file(client, household.id).soup)
    response = client.post(f"/staff/households/{household.id}/sms",
                           data={"csrf_token": token, "sms-to": str(_phone(other).id), "sms-text": "Bonjour"})
    assert response.status_code == 422
    with app.app_context():
        assert not db.session.scalars(select(SmsMessage)).all()


def test_mediation_group_cannot_reply(client, ctx) -> None:
    household = make_household()
    log_in(client, make_staff(role=Role.MEDIATION_GROUP))
    token = csrf_token(get_page(client, "/staff/").soup)
    assert client.post(f"/staff/households/{household.id}/sms",
                       data={"csrf_token": token, "sms-text": "x"}).status_code == 404


# --- inbox --------------------------------------------------------------------------------------------

def _inbox_world():
    officer, colleague, mediator = make_staff(), make_staff(), make_staff(role=Role.MEDIATOR)
    mine = make_household(officer_id=officer.id, mediator_id=mediator.id, display_name="Famille Mienne")
    theirs = make_household(officer_id=colleague.id, display_name="Famille Autre")
    ids = {"mine": _in(mine, "Message du ménage suivi", at=NOW - timedelta(hours=3)),
           "theirs": _in(theirs, "Message d'un autre ménage"),
           "unknown": _in(None, "Qui êtes-vous ?", number="+33699999999", at=NOW - timedelta(minutes=5)),
           "done": _in(mine, "Déjà traité", status="done"),
           "auto": _in(mine, "1", status="none")}
    return officer, colleague, mediator, ids


def _inbox_ids(client) -> list[int]:
    page = get_page(client, "/staff/sms/inbox")
    return [int(li["data-inbound"]) for li in page.soup.select("li[data-inbound]")]


def test_inbox_shows_each_person_what_they_may_see(app, ctx) -> None:
    officer, colleague, mediator, ids = _inbox_world()
    sessions = {}
    for name, staff in (("officer", officer), ("colleague", colleague), ("mediator", mediator),
                        ("admin", make_staff(role=Role.ADMIN)), ("group", make_staff(role=Role.MEDIATION_GROUP))):
        sessions[name] = app.test_client()
        log_in(sessions[name], staff)
    assert _inbox_ids(sessions["officer"]) == [ids["mine"]]
    assert _inbox_ids(sessions["mediator"]) == [ids["mine"]]
    assert _inbox_ids(sessions["colleague"]) == [ids["theirs"]]
    assert _inbox_ids(sessions["group"]) == []
    assert _inbox_ids(sessions["admin"]) == [ids["unknown"], ids["theirs"], ids["mine"]]  # newest first
    admin_page = get_page(sessions["admin"], "/staff/sms/inbox")
    assert "Numéro inconnu" in admin_page.soup.select_one(f"li[data-inbound='{ids['unknown']}']").get_text()
    officer_page = get_page(sessions["officer"], "/staff/sms/inbox")
    link = officer_page.soup.select_one(f"li[data-inbound='{ids['mine']}'] a")["href"]
    assert link.startswith("/staff/households/") and link.endswith("#sms")
    assert officer_page.soup.select_one("[data-sms-open]")["data-sms-open"] == "1"  # the count in the navigation
    assert admin_page.soup.select_one("[data-sms-open]")["data-sms-open"] == "3"
    assert admin_page.soup.select_one("a[href='/staff/sms/usage']") is not None
    assert officer_page.soup.select_one("a[href='/staff/sms/usage']") is None
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read_sms_inbox",
                                                           AuditEntry.actor_id == officer.id)).first()


def test_done_button(client, app, ctx) -> None:
    officer, _colleague, _mediator, ids = _inbox_world()
    log_in(client, officer)
    token = csrf_token(get_page(client, "/staff/sms/inbox").soup)
    for other in ("theirs", "unknown"):
        assert client.post(f"/staff/sms/inbox/{ids[other]}/done", data={"csrf_token": token}).status_code == 404
    response = client.post(f"/staff/sms/inbox/{ids['mine']}/done", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/sms/inbox"
    assert _inbox_ids(client) == []
    with app.app_context():
        states = {k: db.session.get(SmsInbound, v).inbox_status for k, v in ids.items()}
        assert states == {"mine": "done", "theirs": "open", "unknown": "open", "done": "done", "auto": "none"}
        assert db.session.get(SmsInbound, ids["mine"]).handled_by_id == officer.id
    admin = app.test_client()
    log_in(admin, make_staff(role=Role.ADMIN))
    token = csrf_token(get_page(admin, "/staff/sms/inbox").soup)
    answer = admin.post(f"/staff/sms/inbox/{ids['unknown']}/done", data={"csrf_token": token},
                        headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer.get_data(as_text=True) == ""  # htmx removes the row
    assert client.post(f"/staff/sms/inbox/{ids['mine']}/done", data={}).status_code == 400  # no CSRF token


def test_done_from_the_household_page_returns_there(client, ctx) -> None:
    _officer, household = _officer_with_household(client)
    waiting = _in(household)
    page = _file(client, household.id)
    form = page.soup.select_one(f"form[action='/staff/sms/inbox/{waiting}/done']")
    data = {i["name"]: i["value"] for i in form.select("input")}
    response = client.post(form["action"], data=data)
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/households/{household.id}#sms"


# --- usage --------------------------------------------------------------------------------------------

USAGE_NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_usage_per_month_by_outcome_and_kind(client, monkeypatch, ctx) -> None:
    monkeypatch.setattr("guide.features.sms_usage.staff._now", lambda: USAGE_NOW)
    household = make_household()

    def at(*args):
        return datetime(*args, tzinfo=UTC)

    _out(household, status="delivered", at=at(2026, 11, 3, 9), sent_at=at(2026, 11, 3, 9))
    _out(household, status="delivered", at=at(2026, 11, 4, 9), sent_at=at(2026, 11, 4, 9))
    _out(household, status="failed", kind="staff_reply", segments=2, at=at(2026, 11, 5, 9))
    _save(SmsMessage(household_id=household.id, to_number="+33612345678", kind="answer_1_day", body="x",
                     status="queued", segments=1, created_at=at(2026, 11, 20), send_after=at(2026, 11, 25, 8)))
    # 23:30 UTC on 31 October is 00:30 on 1 November in Paris: a November message
    _out(household, status="sent", kind="reply_help", at=at(2026, 10, 31, 23), sent_at=at(2026, 10, 31, 23, 30))
    _out(household, status="delivered", kind="sign_in_code", at=at(2026, 10, 12), sent_at=at(2026, 10, 12))
    for _ in range(3):
        _out(household, status="undelivered", kind="sign_in_code", segments=2, at=at(2026, 9, 1, 8),
             sent_at=at(2026, 9, 1, 8))
    _out(household, status="delivered", at=at(2025, 12, 1, 9), sent_at=at(2025, 12, 1, 9))  # first month shown
    _out(household, status="delivered", at=at(2025, 11, 30, 9), sent_at=at(2025, 11, 30, 9))  # too old
    log_in(client, make_staff(role=Role.MEDIATION_GROUP))
    page = get_page(client, "/staff/sms/usage")
    outcomes = page.soup.select_one("table[data-table='outcomes']")
    months = [tr["data-month"] for tr in outcomes.select("tbody tr")]
    assert months[0] == "2026-11" and months[-1] == "2025-12" and len(months) == 12

    def cell(table, month, selector, attr="data-messages"):
        row = page.soup.select_one(f"table[data-table='{table}'] tr[data-month='{month}']")
        return int(row.select_one(selector)[attr])

    assert cell("outcomes", "2026-11", "td[data-segments]:not([data-outcome])", "data-segments") == 6
    assert cell("outcomes", "2026-11", "td[data-messages]:not([data-outcome])") == 5
    assert cell("outcomes", "2026-11", "[data-outcome='delivered']") == 2
    assert cell("outcomes", "2026-11", "[data-outcome='failed']", "data-segments") == 2
    assert cell("outcomes", "2026-11", "[data-outcome='waiting']") == 1
    assert cell("outcomes", "2026-11", "[data-outcome='sent']") == 1
    assert cell("outcomes", "2026-10", "[data-outcome='delivered']") == 1
    assert cell("outcomes", "2026-09", "[data-outcome='failed']", "data-segments") == 6
    assert cell("outcomes", "2025-12", "[data-outcome='delivered']") == 1
    assert cell("families", "2026-11", "[data-family='staff']") == 1
    assert cell("families", "2026-11", "[data-family='reminder']") == 3
    assert cell("families", "2026-11", "[data-family='automatic']") == 1
    assert cell("families", "2026-09", "[data-family='sign_in']", "data-segments") == 6
    assert cell("outcomes", "total", "td[data-messages]:not([data-outcome])") == 10  # the 30 Nov 2025 one is out
    assert cell("outcomes", "total", "td[data-segments]:not([data-outcome])", "data-segments") == 14
    assert int(page.soup.select_one("tr[data-kind='sign_in_code'] td[data-messages]")["data-messages"]) == 4
    assert outcomes.select_one("thead th[scope='col']") is not None
    assert outcomes.select_one("tbody th[scope='row']").get_text() == "novembre 2026"


def test_usage_is_for_admins_and_the_mediation_group(app, ctx) -> None:
    expected = {Role.OFFICER: 403, Role.MEDIATOR: 403, Role.MEDIATION_GROUP: 200, Role.ADMIN: 200}
    for role, status in expected.items():
        session = app.test_client()
        log_in(session, make_staff(role=role))
        assert session.get("/staff/sms/usage").status_code == status, role
    assert app.test_client().get("/staff/sms/usage").status_code == 302  # not signed in: to the login page


# --- the reply templates themselves ------------------------------------------------------------------

LONGEST = {"phone": "+44 20 7946 0958", "site": "https://relogement.lillemetropole.fr"}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_reply_templates_complete_and_within_budget(lang: str) -> None:
    french = reply_texts("fr")
    found = reply_texts(lang)
    assert set(found) == set(french) == set(reply_labels()) and len(found) >= 6
    for key, text in found.items():
        names = {n for _, n, _, _ in string.Formatter().parse(text) if n}
        assert names == {n for _, n, _, _ in string.Formatter().parse(french[key]) if n}, f"{lang}.{key}"
        body, count = prepare(text.format(**LONGEST), lang)
        assert count.segments <= (2 if lang == "ar" else 1), f"{lang}.{key}: {count.segments} SMS: {body}"
        if lang != "fr":
            assert text != french[key], f"{lang}.{key} is French"


def test_a_template_needing_a_phone_is_offered_only_when_one_is_known(client, ctx) -> None:
    officer = make_staff(phone=None)
    household = make_household(officer_id=officer.id)
    log_in(client, officer)
    offered = [o["value"] for o in _file(client, household.id).soup.select("select#sms-template option")]
    assert "call_me" not in offered and "received" in offered
    assert _file(client, household.id, "?sms_template=call_me").soup.select_one("textarea#sms-text").get_text() == ""


def test_the_staff_sms_views_write_nothing_themselves() -> None:
    """No session write, commit, update, enqueue or log entry in guide/features/sms_replies/staff.py: the writes are
    guide/features/sms_replies/inbox.py, one transaction each."""
    source = (Path(__file__).resolve().parents[2] / "guide" / "features" / "sms_replies" / "staff.py").read_text(
        encoding="utf-8")
    writes = re.findall(r"db\.session\.(?:add|delete|commit|flush|execute)\b|\b(?:update|enqueue)\(|audit\.record|"
                        r"\.inbox_status\s*=", source)
    assert not writes, f"guide/features/sms_replies/staff.py writes itself: {writes}"

"""Data protection: a household's export, its erasure (all or nothing), the retention job, the pseudonymised
access log, and who may use each page."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from guide import create_app
from guide.core import audit
from guide.core.extensions import db
from guide.core.security import keyed_hash
from guide.features.privacy import retention
from guide.features.privacy import service as privacy
from guide.models import (
    AuditEntry,
    Consent,
    ContactNote,
    CourtesyVisit,
    Household,
    HouseholdStatistic,
    MediationCase,
    ProposalStatus,
    RequestAddition,
    RequestPhoto,
    Role,
    SignInCode,
    SignInLink,
    SmsInbound,
    SmsMessage,
    SmsSession,
    SurveyInvitation,
    WrittenRequest,
)
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.conftest import TEST_CONFIG, csrf_token, get_page
from tests.factories import (
    make_appointment,
    make_budget,
    make_household,
    make_move_expense,
    make_operation,
    make_plan_item,
    make_proposal,
    make_staff,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _full_household(app, tag: str, **overrides):
    """A household with a row in every table that can hold something about it; every text carries `tag`."""
    number = overrides.pop("phone")
    household = make_household(display_name=f"Famille {tag}", phone=number, operation_id=make_operation().id,
                               moved_on=date(2026, 5, 12), **overrides)
    proposal = make_proposal(household, address=f"3 rue {tag}", status=ProposalStatus.REFUSED)
    make_appointment(household, place=f"Salle {tag}", change_note=f"Pas le lundi {tag}")
    make_budget(household)
    make_plan_item(household, "wishes", {"where": f"Près de l'école {tag}"})
    make_move_expense(household, cheque_number=f"CHQ-{tag}")
    with app.app_context():
        request = WrittenRequest(reference=f"R-{tag}", household_id=household.id, kind="refusal",
                                 proposal_id=proposal.id, idempotency_key=f"key-{tag}", motives=["size"],
                                 text=f"Trop petit {tag}")
        db.session.add(request)
        db.session.flush()
        db.session.add_all([
            RequestAddition(request_id=request.id, text=f"Ajout {tag}"),
            RequestPhoto(request_id=request.id, content_type="image/png", data=b"\x89PNG-" + tag.encode(),
                         width=10, height=10),
            MediationCase(household_id=household.id, request_id=request.id, source="request",
                          outcome=f"Accord {tag}"),
            ContactNote(household_id=household.id, on=date(2026, 10, 1), channel="phone",
                        text=f"Appel noté {tag}"),
            Consent(household_id=household.id, kind="sharing", given_on=date(2026, 9, 1)),
            CourtesyVisit(household_id=household.id, months=2, note=f"Visite {tag}"),
            SurveyInvitation(household_id=household.id),
            SmsMessage(household_id=household.id, to_number=number, kind="reminder", body=f"Rappel {tag}",
                       status="logged", reminder_key=f"appt:1:{number}"),
            SmsMessage(household_id=None, to_number=number, kind="reply", body=f"Réponse orpheline {tag}",
                       status="logged"),
            SmsInbound(message_sid=f"SM-{tag}", from_number=number, body=f"MEDIATION {tag}",
                       household_id=household.id),
            SmsSession(number=number, state="flow:1", data=f"1.{tag}"),
            SignInCode(phone_hash=keyed_hash("phone", number), code_hash="x", household_id=household.id,
                       expires_at=NOW),
            SignInLink(token_hash=f"hash-{tag}", household_id=household.id, expires_at=NOW),
        ])
        audit.record("household", household.id, "sign_in", household_id=household.id, method="link")
        db.session.commit()
        household = db.session.get(Household, household.id)
        household.phones  # noqa: B018 - loaded before the household leaves the session
        db.session.expunge(household)
    return household


def _markers(tag: str, number: str) -> list[str]:
    return [f"Famille {tag}", tag, number, f"R-{tag}"]


def _all_text(app) -> str:
    """Every value of every column of every table, as text (bytes included)."""
    parts: list[str] = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                for value in row:
                    parts.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return "\n".join(parts)


@pytest.fixture()
def two(app, ctx):
    mine = _full_household(app, "Zéphyrine", phone="+33611223344", reference="REF-ZEPH")
    theirs = _full_household(app, "Octavia", phone="+33655667788", reference="REF-OCTA")
    return mine, theirs


def test_export_holds_the_households_data_and_nothing_of_another(app, two) -> None:
    mine, _theirs = two
    with app.test_request_context():
        data = privacy.export_household(db.session.get(Household, mine.id))
    text = json.dumps(data, ensure_ascii=False)
    for marker in ("Famille Zéphyrine", "+33611223344", "Appel noté Zéphyrine", "Trop petit Zéphyrine",
                   "Ajout Zéphyrine", "Accord Zéphyrine", "Pas le lundi Zéphyrine", "Près de l'école Zéphyrine",
                   "CHQ-Zéphyrine", "Visite Zéphyrine", "Rappel Zéphyrine", "MEDIATION Zéphyrine", "1.Zéphyrine"):
        assert marker in text, marker
    assert "Octavia" not in text and "+33655667788" not in text
    photo = data["written_requests"][0]["photos"][0]
    assert photo["url"].startswith("/my/requests/R-Z%C3%A9phyrine/photos/") and "data" not in photo
    assert data["household"]["moved_on"] == "2026-05-12"
    assert [e["action"] for e in data["access_log"]] == ["sign_in"]


def test_erase_leaves_no_personal_string_and_keeps_statistics(app, two) -> None:
    mine, theirs = two
    with app.app_context():
        privacy.erase_household(db.session.get(Household, mine.id), "system", None, now=NOW)
        db.session.commit()
    everything = _all_text(app)
    for marker in _markers("Zéphyrine", "+33611223344"):
        assert marker not in everything, marker
    for marker in _markers("Octavia", "+33655667788"):
        assert marker in everything, marker  # the other household is untouched
    with app.app_context():
        statistic = db.session.scalars(select(HouseholdStatistic)).one()
        assert (statistic.stage, statistic.proposals, statistic.refusals, statistic.mediations,
                statistic.moved_month, statistic.erased_month, statistic.reason) == (
            "visit", 1, 1, 1, "2026-05", "2026-11", "request")
        assert db.session.get(Household, mine.id) is None
        # the access log keeps the erasure, under the pseudonym only
        erased = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert erased.household_key == audit.household_pseudonym("REF-ZEPH")


def test_erase_is_all_or_nothing(app, two, monkeypatch) -> None:
    mine, _theirs = two
    before = _all_text(app)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(privacy, "_forget_sms", broken)  # fails after most rows were deleted
    with app.app_context():
        with pytest.raises(RuntimeError):
            privacy.erase_household(db.session.get(Household, mine.id), "system", None)
        db.session.rollback()
    assert _all_text(app) == before


def _idle_household(days: int):
    moment = NOW - timedelta(days=days)
    return make_household(created_at=moment, updated_at=moment)


@pytest.mark.parametrize("days, anonymised", [(729, False), (731, True)])
def test_retention_picks_households_past_two_years(app, ctx, days, anonymised) -> None:
    household = _idle_household(days)
    fresh = make_household()
    with app.app_context():
        dry = retention.run_retention(NOW, dry_run=True)
        assert dry.households == ([household.reference] if anonymised else [])
        assert db.session.get(Household, household.id) is not None  # a dry run changes nothing
        done = retention.run_retention(NOW)
        assert done.households == dry.households
        assert (db.session.get(Household, household.id) is None) is anonymised
        assert db.session.get(Household, fresh.id) is not None
        assert db.session.scalar(select(func.count()).select_from(HouseholdStatistic)) == int(anonymised)


def test_a_later_appointment_or_request_keeps_the_file(app, ctx) -> None:
    household = _idle_household(900)
    make_appointment(household, starts_at=NOW - timedelta(days=100))
    with app.app_context():
        assert retention.run_retention(NOW, dry_run=True).households == []


def test_retention_setting_is_read(app, ctx, monkeypatch) -> None:
    household = _idle_household(100)
    monkeypatch.setitem(app.config, "RETENTION_ANONYMISE_DAYS", 90)
    with app.app_context():
        assert retention.run_retention(NOW, dry_run=True).households == [household.reference]


def test_retention_purges_codes_links_sms_texts_and_old_log(app, ctx) -> None:
    number = "+33612121212"
    household = make_household(phone=number)
    with app.app_context():
        db.session.add_all([
            SignInCode(phone_hash="a", code_hash="b", household_id=household.id, expires_at=NOW - timedelta(days=2)),
            SignInCode(phone_hash="c", code_hash="d", household_id=household.id, expires_at=NOW + timedelta(minutes=5)),
            SignInLink(token_hash="old", household_id=household.id, expires_at=NOW - timedelta(days=2)),
            SmsMessage(household_id=household.id, to_number=number, kind="sign_in_code", body="Votre code : 123456",
                       status="logged", created_at=NOW - timedelta(days=2)),
            SmsMessage(household_id=household.id, to_number=number, kind="receipt", body="Voir http://x/k/SECRETTOKEN",
                       status="delivered", created_at=NOW - timedelta(days=5)),
            SmsMessage(household_id=household.id, to_number=number, kind="reminder", body="Rappel ancien",
                       status="delivered", created_at=NOW - timedelta(days=400)),
            SmsMessage(household_id=household.id, to_number=number, kind="reminder", body="Rappel récent",
                       status="delivered", created_at=NOW - timedelta(days=10)),
            SmsInbound(message_sid="SM-old", from_number="+33699999999", body="inconnu", household_id=None,
                       received_at=NOW - timedelta(days=400)),
            SmsSession(number=number, state="language", updated_at=NOW - timedelta(days=3)),
            AuditEntry(actor_kind="system", action="old", at=NOW - timedelta(days=366), detail={}),
            AuditEntry(actor_kind="system", action="recent", at=NOW - timedelta(days=364), detail={}),
        ])
        db.session.commit()
        dry = retention.run_retention(NOW, dry_run=True)
        assert (dry.sign_in_codes, dry.sign_in_links, dry.sms_texts, dry.sms_rows, dry.sms_sessions,
                dry.access_log) == (1, 1, 3, 1, 1, 1)
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2  # unchanged
        done = retention.run_retention(NOW)
        assert (done.sign_in_codes, done.sign_in_links, done.sms_texts, done.sms_rows, done.sms_sessions,
                done.access_log) == (1, 1, 3, 1, 1, 1)
        bodies = sorted(db.session.scalars(select(SmsMessage.body)))
        assert bodies == ["", "", "Rappel récent", "Voir http://x/k/…"]
        assert db.session.scalar(select(func.count()).select_from(SignInCode)) == 1
        assert db.session.scalar(select(func.count()).select_from(SignInLink)) == 0
        assert db.session.scalar(select(func.count()).select_from(SmsInbound)) == 0
        assert db.session.scalar(select(func.count()).select_from(SmsSession)) == 0
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert actions == {"recent", "retention"}
        again = retention.run_retention(NOW)  # a second run finds nothing more
        assert (again.sms_texts, again.access_log, again.sign_in_codes) == (0, 0, 0)


# --- the access log -------------------------------------------------------------------------------------------

def test_access_log_holds_pseudonyms_not_ids(client, app, ctx, monkeypatch) -> None:
    officer = make_staff()
    household = make_household(officer_id=officer.id, reference="REF-LOG-1")
    log_in(client, officer)
    client.get(f"/staff/households/{household.id}")
    sign_in_as(client, app, household)
    with app.app_context():
        read = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).one()
        signed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in")).one()
        key = audit.household_pseudonym("REF-LOG-1")
        assert read.household_key == signed.household_key == key and len(key) == 64
        assert read.actor_id == officer.id  # staff stay named: the log says who did what
        assert signed.actor_id is None  # a household is never stored by its id
        assert read.entity_key == audit.entity_pseudonym("household", household.id) != str(household.id)
        assert not hasattr(AuditEntry, "household_id") and not hasattr(AuditEntry, "entity_id")
        monkeypatch.setitem(app.config, "AUDIT_PSEUDONYM_KEY", "another key")
        assert audit.household_pseudonym("REF-LOG-1") != key  # without the key, no way back to the household


# --- pages and who may use them -------------------------------------------------------------------------------

def test_household_sees_its_data_and_downloads_it(client, app, two) -> None:
    mine, _theirs = two
    sign_in_as(client, app, mine)
    home = get_page(client, "/my")
    assert home.soup.select_one("a[href='/my/data']") is not None
    page = get_page(client, "/my/data")
    text = page.text("main")
    assert "Famille Zéphyrine" in text and "Appel noté Zéphyrine" in text and "Octavia" not in text
    assert page.response.headers["Cache-Control"] == "no-store"
    # stored codes are shown in words: the appointment's kind, the proposal's state, the stage
    assert "Visite d'un logement" in text and "Refusée" in text and "flat_visit" not in text and "refused" not in text
    assert get_page(client, "/my/data", lang="ar").soup.find("html")["dir"] == "rtl"  # every language renders
    download = client.get("/my/data.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["household"]["reference"] == "REF-ZEPH"
    assert "Octavia" not in download.get_data(as_text=True)
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"read_own_data", "export_own_data"} <= actions


def test_data_pages_need_a_household_session(client, ctx) -> None:
    assert client.get("/my/data").status_code == 302
    assert client.get("/my/data.json").status_code == 302


def test_staff_export_is_for_admins_and_the_officer_in_charge(client, app, ctx) -> None:
    officer, other, mediator = make_staff(), make_staff(), make_staff(role=Role.MEDIATOR)
    admin, group = make_staff(role=Role.ADMIN), make_staff(role=Role.MEDIATION_GROUP)
    household = make_household(officer_id=officer.id, mediator_id=mediator.id, display_name="Famille Export")
    url = f"/staff/households/{household.id}/data"
    for who, status in ((officer, 200), (admin, 200), (other, 404), (mediator, 403), (group, 404)):
        log_in(client, who)
        assert client.get(url).status_code == status, who.role
        assert client.get(url + ".json").status_code == status, who.role
    log_in(client, officer)
    page = get_page(client, url)
    assert "Famille Export" in page.text("main")
    data = json.loads(client.get(url + ".json").get_data(as_text=True))
    assert data["household"]["display_name"] == "Famille Export"
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export",
                                                           AuditEntry.actor_id == officer.id)).first()


def test_erase_needs_an_admin_and_the_typed_reference(client, app, two) -> None:
    mine, theirs = two
    officer = make_staff()
    with app.app_context():
        db.session.get(Household, mine.id).officer_id = officer.id
        db.session.commit()
    url = f"/staff/households/{mine.id}/erase"
    log_in(client, officer)
    assert client.get(url).status_code == 403
    admin = make_staff(role=Role.ADMIN)
    log_in(client, admin)
    page = get_page(client, url)
    wrong = client.post(url, data={"csrf_token": csrf_token(page.soup), "reference": "REF-OCTA"})
    assert wrong.status_code == 422
    assert "Rien n'a été effacé" in BeautifulSoup(wrong.get_data(as_text=True), "html.parser").get_text()
    no_csrf = client.post(url, data={"reference": "REF-ZEPH"})
    assert no_csrf.status_code in (400, 422)
    with app.app_context():
        assert db.session.get(Household, mine.id) is not None
    done = client.post(url, data={"csrf_token": csrf_token(page.soup), "reference": " REF-ZEPH "})
    assert done.status_code == 303 and "/staff/access-log?reference=REF-ZEPH" in done.headers["Location"]
    with app.app_context():
        assert db.session.get(Household, mine.id) is None
        assert db.session.get(Household, theirs.id) is not None
    log = get_page(client, done.headers["Location"])
    rows = [" ".join(tr.get_text(" ").split()) for tr in log.soup.select("tbody tr")]
    assert any("erase" in row and admin.name in row for row in rows)
    assert any("sign_in" in row for row in rows)  # the household's own entries are found by its reference


def test_access_log_is_for_admins_only(client, ctx) -> None:
    for role in (Role.OFFICER, Role.MEDIATOR, Role.MEDIATION_GROUP):
        log_in(client, make_staff(role=role))
        assert client.get("/staff/access-log").status_code == 403
    log_in(client, make_staff(role=Role.ADMIN))
    page = get_page(client, "/staff/access-log?reference=UNKNOWN")
    assert "Aucune ligne" in page.text("tbody")


# --- the commands ---------------------------------------------------------------------------------------------

def test_cli_export_erase_and_retention(app, two) -> None:
    mine, _theirs = two
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["privacy", "export", "REF-ZEPH"])
    assert exported.exit_code == 0 and json.loads(exported.output)["household"]["display_name"] == "Famille Zéphyrine"
    refused = runner.invoke(args=["privacy", "erase", "REF-ZEPH"])
    assert refused.exit_code != 0 and "--yes" in refused.output
    unknown = runner.invoke(args=["privacy", "erase", "NOPE", "--yes"])
    assert unknown.exit_code != 0 and "no household" in unknown.output
    erased = runner.invoke(args=["privacy", "erase", "REF-ZEPH", "--yes"])
    assert erased.exit_code == 0 and "1 proposals" in erased.output
    with app.app_context():
        assert db.session.get(Household, mine.id) is None
    dry = runner.invoke(args=["privacy", "retention", "--dry-run"])
    assert dry.exit_code == 0 and "households anonymised: 0 (would be)" in dry.output


def test_migration_pseudonymises_existing_log_entries(tmp_path) -> None:
    """Upgrading from 0007 turns the plain ids already in the log into the pseudonyms the app now writes."""

    old = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with old.app_context():
        flask_migrate.upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO household (id, reference, display_name, language, occupants, stage, "
                                 "version, updated_at, created_at) VALUES (7, 'REF-OLD', 'Famille Ancienne', 'fr', 1, "
                                 "'visit', 1, '2026-01-01', '2026-01-01')"))
            conn.execute(sa.text("INSERT INTO audit_entry (at, actor_kind, actor_id, action, household_id, entity, "
                                 "entity_id, detail) VALUES ('2026-01-02', 'household', 7, 'sign_in', 7, '', NULL, "
                                 "'{}'), ('2026-01-03', 'staff', 3, 'read', 7, 'proposal', 12, '{}'), "
                                 "('2026-01-04', 'staff', 3, 'read', 99, 'household', 99, '{}')"))
        flask_migrate.upgrade()
        rows = db.session.execute(sa.text("SELECT actor_id, household_key, entity_key FROM audit_entry "
                                          "ORDER BY id")).all()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("audit_entry")}
        assert rows == [
            (None, audit.household_pseudonym("REF-OLD"), None),
            (3, audit.household_pseudonym("REF-OLD"), audit.entity_pseudonym("proposal", 12)),
            (3, audit.pseudonym("household-id", 99), audit.entity_pseudonym("household", 99)),
        ]
        assert not {"household_id", "entity_id"} & columns
        db.session.remove()
        db.engine.dispose()

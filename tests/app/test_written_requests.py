"""Written requests: answer, refuse with reasons, ask for mediation; receipts, letters, nothing lost, abuse refused."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from guide.core import uploads
from guide.core.extensions import db
from guide.core.timeutil import today
from guide.models import (
    AuditEntry,
    MediationCase,
    Proposal,
    RequestAddition,
    RequestPhoto,
    Role,
    SmsMessage,
    StaffUser,
    WrittenRequest,
)
from tests.app.test_household_home import sign_in_as
from tests.app.test_staff import log_in
from tests.conftest import csrf_token, get_page
from tests.factories import make_household, make_proposal, make_staff
from tests.unit.test_pdf import assert_runs_right_to_left, pdftotext

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
WORDS = "Trop loin de l'école 🏫 — بعيد جدا عن المدرسة — çok uzak"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _answer(client, proposal_id: int, decision: str, motives=(), text: str = "", send: bool = True):
    """Fill the answer form, then the review screen; return (review response, final response)."""
    page = get_page(client, f"/my/proposals/{proposal_id}/answer")
    key = page.soup.select_one("input[name=key]")["value"]
    data = {"csrf_token": csrf_token(page.soup), "key": key, "decision": decision, "motives": list(motives),
            "text": text, "step": "review"}
    review = client.post(f"/my/proposals/{proposal_id}/answer", data=data)
    if not send or review.status_code != 200:
        return review, data
    return review, client.post(f"/my/proposals/{proposal_id}/answer", data={**data, "step": "send"})


@pytest.fixture()
def household(app, ctx, client):
    officer = make_staff(name="Nadia")
    household = make_household(officer_id=officer.id, language="tr")
    sign_in_as(client, app, household)
    return household


def test_refusal_with_reasons_gets_a_receipt_and_an_sms(client, app, household) -> None:
    proposal = make_proposal(household, rank=1, status="visited", visit_on=date.today() - timedelta(days=2))
    review, data = _answer(client, proposal.id, "refuse", ["flat_state", "distance_school"], WORDS, send=False)
    assert review.status_code == 200 and _count(app, WrittenRequest) == 0, "nothing is sent before the review"
    sent = client.post(f"/my/proposals/{proposal.id}/answer", data={**data, "step": "send"})
    assert sent.status_code == 303
    receipt = get_page(client, sent.headers["Location"], "tr")
    reference = receipt.soup.select_one("[data-reference]")["data-reference"]
    assert reference.startswith("REF-") and WORDS in receipt.text(".own-words")
    with app.app_context():
        stored = db.session.scalars(select(WrittenRequest)).one()
        assert (stored.kind, stored.motives, stored.text, stored.late) == (
            "refusal", ["flat_state", "distance_school"], WORDS, False)
        assert db.session.get(Proposal, proposal.id).status == "refused"
        sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "request_receipt")).one()
        assert reference in sms.body and "/k/" in sms.body and "école" not in sms.body
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "written_request")).one()


def test_review_screen_restates_what_follows(client, household) -> None:
    second = make_proposal(household, rank=2, status="visited", visit_on=date.today())
    review, _ = _answer(client, second.id, "refuse", ["size"], send=False)
    assert "médiation" in _soup(review).select_one(".card.highlight").get_text()
    third = make_proposal(household, rank=3, status="visited", visit_on=date.today())
    review, _ = _answer(client, third.id, "refuse", ["size"], send=False)
    assert "justice" in _soup(review).select_one(".card.highlight").get_text()


def test_a_refusal_needs_a_reason(client, app, household) -> None:
    proposal = make_proposal(household, rank=1, status="visited", visit_on=date.today())
    review, _ = _answer(client, proposal.id, "refuse")
    assert review.status_code == 422
    assert "raison" in _soup(review).select_one(".error-summary").get_text()
    assert _count(app, WrittenRequest) == 0


def test_double_submit_creates_one_request(client, app, household) -> None:
    proposal = make_proposal(household, rank=1, status="visited", visit_on=date.today())
    page = get_page(client, f"/my/proposals/{proposal.id}/answer")
    data = {"csrf_token": csrf_token(page.soup), "key": page.soup.select_one("input[name=key]")["value"],
            "decision": "refuse", "motives": ["size"], "text": "", "step": "send"}
    first = client.post(f"/my/proposals/{proposal.id}/answer", data=data)
    second = client.post(f"/my/proposals/{proposal.id}/answer", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, WrittenRequest) == 1


def test_a_late_answer_is_recorded_and_flagged(client, app, household) -> None:
    proposal = make_proposal(household, rank=1, status="visited", visit_on=date.today() - timedelta(days=30))
    _review, sent = _answer(client, proposal.id, "accept")
    assert sent.status_code == 303
    with app.app_context():
        stored = db.session.scalars(select(WrittenRequest)).one()
        assert stored.kind == "accept" and stored.late
        assert db.session.get(Proposal, proposal.id).status == "accepted"


def test_second_refusal_opens_a_mediation_case(client, app, household) -> None:
    make_proposal(household, rank=1, status="refused", visit_on=date.today() - timedelta(days=60))
    second = make_proposal(household, rank=2, status="visited", visit_on=date.today())
    _review, sent = _answer(client, second.id, "refuse", ["rent_charges"])
    assert get_page(client, sent.headers["Location"]).soup.select_one("[data-mediation-opened]")
    with app.app_context():
        case = db.session.scalars(select(MediationCase)).one()
        assert (case.source, case.status, case.household_id) == ("second_refusal", "received", household.id)
    assert "médiation" in get_page(client, "/my/proposals").text("#proposals")


def test_another_households_proposal_and_requests_are_refused(client, app, household) -> None:
    other = make_household()
    theirs = make_proposal(other, status="visited", visit_on=date.today())
    assert client.get(f"/my/proposals/{theirs.id}/answer").status_code == 404
    token = csrf_token(get_page(client, "/my").soup)
    response = client.post(f"/my/proposals/{theirs.id}/answer", data={"csrf_token": token, "decision": "accept",
                                                                     "key": "a" * 32, "step": "send"})
    assert response.status_code == 404 and _count(app, WrittenRequest) == 0


def test_an_answered_proposal_leads_to_its_receipt(client, household) -> None:
    proposal = make_proposal(household, rank=1, status="visited", visit_on=date.today())
    _review, sent = _answer(client, proposal.id, "accept")
    again = client.get(f"/my/proposals/{proposal.id}/answer")
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]


# --- mediation requests and photos ----------------------------------------------------------------

def _jpeg_with_location() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 50, 50))
    exif = Image.Exif()
    exif[0x8825] = {2: (50.0, 37.0, 0.0), 1: "N"}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _mediation(client, files=(), **fields):
    page = get_page(client, "/my/mediation")
    data = {"csrf_token": csrf_token(page.soup), "key": page.soup.select_one("input[name=key]")["value"],
            "what_happened": "", "disagreement": "", "wish": "", **fields,
            "photos": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/my/mediation", data=data, content_type="multipart/form-data")


def test_mediation_request_with_a_photo_stripped_of_location(client, app, household) -> None:
    response = _mediation(client, [("flat.jpg", _jpeg_with_location())], what_happened=WORDS,
                          disagreement="Le loyer", wish="Un autre logement")
    assert response.status_code == 303
    with app.app_context():
        photo = db.session.scalars(select(RequestPhoto)).one()
        assert not Image.open(io.BytesIO(photo.data)).getexif()
        case = db.session.scalars(select(MediationCase)).one()
        assert case.source == "request"
    receipt = get_page(client, response.headers["Location"], "tr")
    assert receipt.soup.select_one(".photo-list img")
    assert client.get(receipt.soup.select_one(".photo-list img")["src"]).mimetype == "image/jpeg"


@pytest.mark.parametrize(("name", "content"), [
    ("fake.jpg", b"<html><script>alert(1)</script></html>"),
    ("anim.gif", b"GIF89a" + b"\x00" * 40),
    ("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024 + 10)),
])
def test_bad_photos_are_refused_with_a_message_and_nothing_stored(client, app, household, name, content) -> None:
    response = _mediation(client, [(name, content)], what_happened="Texte")
    assert response.status_code == 422
    assert name in _soup(response).select_one("#photos-error").get_text()
    assert _count(app, WrittenRequest) == 0 and _count(app, MediationCase) == 0
    assert "Texte" in response.get_data(as_text=True), "the typed text is kept"


def test_a_burst_of_photos_asks_to_send_again_in_a_minute_in_the_households_language(client, app, household,
                                                                                   monkeypatch) -> None:
    turns = uploads._Turns(at_once=1, waiting=0, patience=30)
    monkeypatch.setattr(uploads, "turns", turns)
    page = get_page(client, "/my/mediation", "tr")
    data = {"csrf_token": csrf_token(page.soup), "key": page.soup.select_one("input[name=key]")["value"],
            "what_happened": "Tavan akıyor", "disagreement": "", "wish": "",
            "photos": [(io.BytesIO(_jpeg_with_location()), name) for name in ("a.jpg", "b.jpg")]}
    with turns.turn():  # another photo is being cleaned in this process, and no one may wait
        response = client.post("/my/mediation", data=data, content_type="multipart/form-data")

    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    errors = [p.get_text() for p in _soup(response).select("#photos-error p")]
    assert errors == ["Şu anda çok sayıda fotoğraf geliyor. Bir dakika bekleyin. "
                      "Sonra fotoğrafı yeniden seçin ve gönderin."], f"one message for the form, in Turkish: {errors}"
    assert _count(app, WrittenRequest) == 0 and _count(app, RequestPhoto) == 0
    assert "Tavan akıyor" in response.get_data(as_text=True), "the typed text is kept"


def test_more_than_three_photos_are_refused(client, app, household) -> None:
    photo = _jpeg_with_location()
    response = _mediation(client, [(f"p{i}.jpg", photo) for i in range(4)], what_happened="x")
    assert response.status_code == 422 and _count(app, WrittenRequest) == 0


def test_an_empty_mediation_request_is_explained(client, app, household) -> None:
    response = _mediation(client)
    assert response.status_code == 422 and _count(app, WrittenRequest) == 0


def test_script_is_shown_as_text_everywhere(client, app, household) -> None:
    response = _mediation(client, what_happened=SCRIPT, wish=WORDS)
    receipt_url = response.headers["Location"]
    reference = receipt_url.rsplit("/", 1)[1]
    for url in (receipt_url, f"/my/requests/{reference}/letter"):
        body = client.get(url).get_data(as_text=True)
        assert SCRIPT not in body and "&lt;script&gt;" in body, url
        assert WORDS in BeautifulSoup(body, "html.parser").get_text(), url  # kept exactly (emoji, Arabic, Turkish)
    pdf = client.get(f"/my/requests/{reference}/letter.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).replace("\x00", "")
    assert 'alert("x")' in text, "the script appears as plain text in the PDF"
    group = make_staff(role=Role.MEDIATION_GROUP)
    staff_client = app.test_client()
    log_in(staff_client, group)
    with app.app_context():
        case_id = db.session.scalars(select(MediationCase.id)).one()
    body = staff_client.get(f"/staff/mediation/{case_id}").get_data(as_text=True)
    assert SCRIPT not in body and "&lt;script&gt;" in body


def test_additions_are_appended_and_dated(client, app, household) -> None:
    response = _mediation(client, what_happened="Premier texte")
    url = response.headers["Location"]
    page = get_page(client, url)
    added = client.post(url, data={"csrf_token": csrf_token(page.soup), "text": "Un ajout 🙂"})
    assert added.status_code == 303
    with app.app_context():
        stored = db.session.scalars(select(WrittenRequest)).one()
        assert stored.what_happened == "Premier texte"
        assert db.session.scalars(select(RequestAddition)).one().text == "Un ajout 🙂"


def test_letter_has_the_french_text_and_the_households_language_copy(client, household) -> None:
    response = _mediation(client, what_happened="Texte")
    letter = _soup(client.get(response.headers["Location"] + "/letter"))
    copies = letter.select("article.letter")
    assert [c["lang"] for c in copies] == ["fr", "tr"]
    assert "Objet : demande de médiation" in copies[0].get_text()
    assert "médiation" not in copies[1].select_one(".subject").get_text().lower()


def test_households_arabic_reads_back_exactly_and_runs_right_to_left(client, household) -> None:
    """Lam-alef and alef maksura come back as their letters from the PDF's text layer (pdftotext, as search and
    copy do); the household's paragraph takes its direction from its own text, in the page and in the PDF."""
    words = "أذهب إلى المدرسة ولا أريد هذا الطابق."
    response = _mediation(client, wish=words)
    reference = response.headers["Location"].rsplit("/", 1)[1]
    page = _soup(client.get(f"/my/requests/{reference}/letter"))
    own = [p for p in page.select("article.letter")[0].select(".own-words") if p.get_text() == words]
    assert len(own) == 1 and own[0]["dir"] == "auto"
    pdf = client.get(f"/my/requests/{reference}/letter.pdf").data
    lines = [line.strip(".") for line in pdftotext(pdf).splitlines()]  # see tests/unit/test_pdf.py on the stop
    assert lines.count(words.rstrip(".")) == 2  # the French letter and the Turkish copy
    assert_runs_right_to_left(pdf, 1, "أذهب")
    assert_runs_right_to_left(pdf, 2, "أذهب")


def test_an_addition_in_arabic_is_a_paragraph_of_its_own(client, app, household) -> None:
    response = _mediation(client, what_happened="Premier texte")
    url = response.headers["Location"]
    page = get_page(client, url)
    client.post(url, data={"csrf_token": csrf_token(page.soup), "text": "لا أستطيع صعود الدرج."})
    letter = _soup(client.get(url + "/letter"))
    added = letter.select("article.letter")[0].select(".own-words")[-1]
    assert added.get_text() == "لا أستطيع صعود الدرج." and added["dir"] == "auto"
    assert added.find_previous_sibling("p")["class"] == ["addition-date"]


# --- staff -----------------------------------------------------------------------------------------

def test_mediation_group_inbox_and_statuses(client, app, household) -> None:
    _mediation(client, what_happened="Texte")
    group = make_staff(role=Role.MEDIATION_GROUP)
    staff = app.test_client()
    log_in(staff, group)
    inbox = get_page(staff, "/staff/mediation")
    row = inbox.soup.select_one("tr[data-case]")
    assert row["data-status"] == "received" and not row.has_attr("data-overdue")
    case_url = row.select_one("a")["href"]
    page = get_page(staff, case_url)
    data = {"csrf_token": csrf_token(page.soup), "case-version": page.soup.select_one("input[name='case-version']")
            ["value"], "case-status": "concluded", "case-outcome": ""}
    wrong = staff.post(case_url, data=data)
    assert wrong.status_code == 422, "received → concluded is not a step"
    data["case-status"] = "meeting_planned"
    data["case-meeting_at"] = "2026-12-10T14:00"
    data["case-meeting_place"] = "Mairie de quartier"
    assert staff.post(case_url, data=data).status_code == 303
    with app.app_context():
        case = db.session.scalars(select(MediationCase)).one()
        assert case.status == "meeting_planned" and case.appointment.kind == "mediation_meeting"


def test_overdue_flag_after_eight_days(client, app, household, monkeypatch) -> None:
    _mediation(client, what_happened="Texte")
    with app.app_context():
        later = today() + timedelta(days=9)  # the service's day (Paris), not the host's: they differ near midnight
    monkeypatch.setattr("guide.features.mediation.staff.today", lambda: later)
    group = make_staff(role=Role.MEDIATION_GROUP)
    staff = app.test_client()
    log_in(staff, group)
    assert get_page(staff, "/staff/mediation").soup.select_one("tr[data-case]").has_attr("data-overdue")


def test_officer_sees_the_refusal_on_the_household_page(client, app, household) -> None:
    proposal = make_proposal(household, rank=1, status="visited", visit_on=date.today())
    _answer(client, proposal.id, "refuse", ["size"], "Trop petit")
    with app.app_context():
        officer_id = db.session.get(type(household), household.id).officer_id

        officer = db.session.get(StaffUser, officer_id)
        db.session.expunge(officer)
    staff = app.test_client()
    log_in(staff, officer)
    page = get_page(staff, f"/staff/households/{household.id}")
    assert "Trop petit" in page.text("#requests + ul")


def test_other_staff_cannot_open_a_case_or_letter(client, app, household) -> None:
    response = _mediation(client, what_happened="Texte")
    reference = response.headers["Location"].rsplit("/", 1)[1]
    stranger = make_staff()
    staff = app.test_client()
    log_in(staff, stranger)
    with app.app_context():
        case_id = db.session.scalars(select(MediationCase.id)).one()
    assert staff.get(f"/staff/mediation/{case_id}").status_code == 404
    assert staff.get(f"/staff/requests/{reference}/letter").status_code == 404
    assert not get_page(staff, "/staff/mediation").soup.select("tr[data-case]")

"""Letter PDFs are made once and stored (guide/features/requests/pdf_store.py): a second download reads the stored
bytes with the same ETag, a conditional request gets a 304, and a letter whose content changed is made again."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from guide.core.extensions import db
from guide.features.requests import letters
from guide.features.requests import service as requests
from guide.models import Household, LetterPdf, Role, StaffUser, WrittenRequest
from tests.factories import make_household, make_staff, signed_in


@pytest.fixture()
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every PDF made, by the HTML it was made from (a stand-in for WeasyPrint: fast, and counts)."""
    made: list[str] = []

    def fake(html: str, **_kwargs: object) -> bytes:
        made.append(html)
        return b"%PDF-1.7 " + hashlib.sha256(html.encode()).hexdigest().encode()

    monkeypatch.setattr(letters, "html_to_pdf", fake)
    return made


def _request(app: Flask, household_id: int) -> str:
    with app.app_context():
        household = db.session.get_one(Household, household_id)
        sent = requests.ask_mediation(household, "Ce qui est arrivé", "Mon désaccord", "Mon souhait", [], "k" * 32,
                                      date.today())
        return sent.reference


def test_a_letter_pdf_is_made_once_then_served_as_stored(app: Flask, client: FlaskClient, ctx: None,
                                                         renders: list[str]) -> None:
    household = make_household(officer_id=make_staff(role=Role.OFFICER).id)
    reference = _request(app, household.id)
    signed_in(client, household_id=household.id)
    url = f"/my/requests/{reference}/letter.pdf"
    first = client.get(url)
    assert first.status_code == 200 and first.data.startswith(b"%PDF"), first.status_code
    assert first.headers["Content-Disposition"] == f"attachment; filename={reference}.pdf"
    etag = first.headers.get("ETag")
    assert etag, "the PDF has no ETag"
    again = client.get(url)
    assert len(renders) == 1, f"the unchanged letter was rendered {len(renders)} times"
    assert again.data == first.data and again.headers["ETag"] == etag, "the stored PDF differs from the first one"
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not not_modified.data, not_modified.status_code
    with app.app_context():
        stored = db.session.get_one(LetterPdf, db.session.scalar(
            db.select(WrittenRequest.id).where(WrittenRequest.reference == reference)))
        assert stored.pdf == first.data, "the stored bytes are not the PDF served"


def test_a_letter_whose_content_changed_is_made_again(app: Flask, client: FlaskClient, ctx: None,
                                                      renders: list[str]) -> None:
    household = make_household(officer_id=make_staff(role=Role.OFFICER).id)
    reference = _request(app, household.id)
    signed_in(client, household_id=household.id)
    url = f"/my/requests/{reference}/letter.pdf"
    before = client.get(url)
    with app.app_context():
        sent = db.session.scalars(db.select(WrittenRequest).where(WrittenRequest.reference == reference)).one()
        requests.add_to_request(db.session.get_one(Household, household.id), sent, "Un ajout daté")
        db.session.commit()
    after = client.get(url)
    assert len(renders) == 2, "the letter with an addition was served from the PDF made before the addition"
    assert "Un ajout daté" in renders[1]
    assert after.headers["ETag"] != before.headers["ETag"], "a changed letter kept its ETag"
    assert after.data != before.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LetterPdf)) == 1, \
            "the changed letter's PDF was stored beside the old one instead of replacing it"


def test_staff_and_household_share_the_stored_pdf(app: Flask, client: FlaskClient, ctx: None,
                                                  renders: list[str]) -> None:
    officer = make_staff(role=Role.OFFICER)
    household = make_household(officer_id=officer.id)
    reference = _request(app, household.id)
    signed_in(client, household_id=household.id)
    mine = client.get(f"/my/requests/{reference}/letter.pdf")
    signed_in(client, staff_id=officer.id)
    theirs = client.get(f"/staff/requests/{reference}/letter.pdf")
    assert theirs.status_code == 200, theirs.status_code
    assert len(renders) == 1 and theirs.data == mine.data, "staff got a PDF made again for the same letter"


@pytest.fixture()
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time the letter's HTML is drawn for its PDF (the reference of the request drawn)."""
    calls: list[str] = []
    real = letters.render_letter

    def counted(sent: WrittenRequest, household: Household, for_pdf: bool = False, photo_url=None) -> str:  # type: ignore[no-untyped-def]
        if for_pdf:
            calls.append(sent.reference)
        return real(sent, household, for_pdf=for_pdf, photo_url=photo_url)

    monkeypatch.setattr(letters, "render_letter", counted)
    return calls


def test_a_stored_pdf_is_served_without_drawing_the_letter_again(app: Flask, client: FlaskClient, ctx: None,
                                                                 renders: list[str], drawn: list[str]) -> None:
    household = make_household(officer_id=make_staff(role=Role.OFFICER).id)
    reference = _request(app, household.id)
    signed_in(client, household_id=household.id)
    url = f"/my/requests/{reference}/letter.pdf"
    first = client.get(url)
    assert drawn == [reference], f"the first view drew the letter {len(drawn)} times"
    for _ in range(3):
        again = client.get(url)
        assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert drawn == [reference], f"later views drew the unchanged letter again: {len(drawn) - 1} times"
    assert len(renders) == 1


def test_a_change_outside_the_request_makes_the_pdf_again(app: Flask, client: FlaskClient, ctx: None,
                                                         renders: list[str], drawn: list[str]) -> None:
    """The household's name is in the letter: changing it makes the PDF again, although no row of the request
    itself changed. The officer's name is not in a mediation letter: renaming them draws the letter again (its
    rows changed) and finds the same HTML, so the stored PDF stays."""
    officer = make_staff(role=Role.OFFICER)
    household = make_household(officer_id=officer.id)
    reference = _request(app, household.id)
    signed_in(client, household_id=household.id)
    url = f"/my/requests/{reference}/letter.pdf"
    client.get(url)
    client.get(url)
    with app.app_context():
        db.session.get_one(Household, household.id).display_name = "Famille Nouveau-Nom"
        db.session.commit()
    renamed = client.get(url)
    assert len(renders) == 2 and "Famille Nouveau-Nom" in renders[1], \
        "the letter was served from the PDF made before the household's name changed"
    assert len(drawn) == 2, f"the letter was drawn {len(drawn)} times for two versions"
    with app.app_context():
        db.session.get_one(StaffUser, officer.id).name = "Camille Remplaçante"
        db.session.commit()
    again = client.get(url)
    assert len(drawn) == 3, "the officer's row changed and the letter was not drawn again to check it"
    assert len(renders) == 2 and again.headers["ETag"] == renamed.headers["ETag"], \
        "a mediation letter, which does not name the officer, was made again"
    client.get(url)
    assert len(drawn) == 3, "the unchanged letter was drawn again"

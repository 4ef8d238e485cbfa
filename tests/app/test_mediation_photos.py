"""Staff see the photos households attach to mediation requests: a route that serves each one to the roles that may
see the case (and logs each view), thumbnails on the case page and in the household file, the photos in the staff
letter page and in the letter PDF. Also the staff letter page itself, and the case form that keeps the status."""

from __future__ import annotations

import io
import math
import re
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import event, select

from guide.core import audit
from guide.core.extensions import db
from guide.core.uploads import clean_photo
from guide.features.requests import service as written
from guide.models import Appointment, AuditEntry, Household, MediationCase, RequestPhoto, Role, StaffUser
from tests.app.test_template_queries import RenderQueries, _assert_no_render_queries
from tests.app.test_template_queries import render_queries as render_queries  # the fixture
from tests.conftest import csrf_token, get_page
from tests.factories import make_household, make_staff, signed_in

A4_CONTENT_PT = (174 / 25.4 * 72, 261 / 25.4 * 72)  # letter.css: A4 less 18 mm margins, in PDF points


def _photo(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture()
def world(app, ctx):
    """Household A (its officer, a mediation request with a wide and a tall photo); household B and its officer."""
    officer_a, officer_b = make_staff(name="Officier A"), make_staff(name="Officier B")
    a = make_household(officer_id=officer_a.id, language="tr")
    make_household(officer_id=officer_b.id)
    with app.test_request_context():
        sent = written.ask_mediation(db.session.get(Household, a.id), "La fenêtre est cassée", "", "",
                                     [clean_photo(_photo((900, 600), (200, 40, 40))),
                                      clean_photo(_photo((500, 1900), (40, 40, 200)))], "k" * 32, date.today())
        db.session.commit()
        photos = [(p.id, p.data) for p in sent.photos]
        case_id = db.session.scalars(select(MediationCase.id).where(MediationCase.household_id == a.id)).one()
    return {"a": a, "officer_a": officer_a, "officer_b": officer_b, "reference": sent.reference, "photos": photos,
            "case_id": case_id}


def _as(app, staff: StaffUser):
    client = app.test_client()
    signed_in(client, staff_id=staff.id, app=app)
    return client


def _views(app, photo_id: int) -> int:
    """Entries of the access log about this photo."""
    with app.test_request_context():
        key = audit.entity_pseudonym("request_photo", photo_id)
        return len(db.session.scalars(select(AuditEntry).where(AuditEntry.entity_key == key)).all())


def _url(world, index: int = 0, size: str = "") -> str:
    url = f"/staff/requests/{world['reference']}/photos/{world['photos'][index][0]}"
    return url + ("?size=thumbnail" if size else "")


@pytest.mark.parametrize("role", ["officer in charge", Role.MEDIATION_GROUP, Role.ADMIN])
def test_staff_who_may_see_the_case_get_the_photo_and_each_view_is_logged(app, world, role) -> None:
    staff = world["officer_a"] if role == "officer in charge" else make_staff(role=role)
    client = _as(app, staff)
    photo_id, stored = world["photos"][0]
    for views in (1, 2, 3):
        response = client.get(_url(world))
        assert response.status_code == 200, f"{role}: {response.status_code}"
        assert response.get_data() == stored, "the photo served is not the stored file"
        assert response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert _views(app, photo_id) == views, f"{role}: {views} views, {_views(app, photo_id)} log entries"
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_key.is_not(None), AuditEntry.entity == "request_photo")).first()
        assert entry is not None and entry.actor_id == staff.id and entry.action == "read"


def test_a_thumbnail_is_a_small_copy_and_a_view_too(app, world) -> None:
    client = _as(app, world["officer_a"])
    response = client.get(_url(world, 1, "thumbnail"))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-store"
    small = Image.open(io.BytesIO(response.get_data()))
    assert max(small.size) <= 320 and small.size[1] > small.size[0], f"thumbnail of a tall photo: {small.size}"
    assert _views(app, world["photos"][1][0]) == 1


def test_staff_who_may_not_see_the_case_get_nothing_and_nothing_is_logged(app, world) -> None:
    photo_id = world["photos"][0][0]
    refused = {"another household's officer": world["officer_b"],
               "a mediator not in charge": make_staff(role=Role.MEDIATOR)}
    for who, staff in refused.items():
        client = _as(app, staff)
        for url in (_url(world), _url(world, 0, "thumbnail")):
            response = client.get(url)
            assert response.status_code in (403, 404), f"{who}: {response.status_code}"
            assert response.mimetype != "image/jpeg" and response.get_data() != world["photos"][0][1], who
    assert _views(app, photo_id) == 0, "a refused request was logged as a view"
    household = app.test_client()
    signed_in(household, household_id=world["a"].id, app=app)
    assert household.get(_url(world)).status_code in (302, 303), "the household is sent to the staff sign-in"
    assert _views(app, photo_id) == 0


def test_a_photo_of_another_request_is_not_served_under_this_reference(app, world) -> None:
    other = make_household(officer_id=world["officer_a"].id)
    with app.test_request_context():
        sent = written.ask_mediation(db.session.get(Household, other.id), "Texte", "", "", [], "o" * 32,
                                     date.today())
        db.session.commit()
        reference = sent.reference
    client = _as(app, world["officer_a"])
    response = client.get(f"/staff/requests/{reference}/photos/{world['photos'][0][0]}")
    assert response.status_code == 404, "a photo was served under another request's reference"


def _thumbnail_links(page, reference: str) -> list:
    return page.soup.select(f"[data-photos='{reference}'] a[data-photo]")


@pytest.mark.parametrize("where", ["case", "household file"])
def test_case_page_and_household_file_link_to_the_photos(app, world, where) -> None:
    client = _as(app, world["officer_a"])
    url = f"/staff/mediation/{world['case_id']}" if where == "case" else f"/staff/households/{world['a'].id}"
    page = get_page(client, url)
    links = _thumbnail_links(page, world["reference"])
    assert [link["href"] for link in links] == [_url(world, 0), _url(world, 1)], f"{where}: {links}"
    for index, link in enumerate(links):
        image = link.select_one("img")
        assert image["src"] == _url(world, index, "thumbnail"), f"{where}: thumbnail {image['src']}"
        assert f"Photo {index + 1} sur 2" in image["alt"] and world["reference"] in image["alt"], image["alt"]
        assert int(image["width"]) <= 160 and int(image["height"]) <= 160
        assert client.get(link["href"]).get_data() == world["photos"][index][1], f"{where}: link {index}"
    wide = links[0].select_one("img")
    assert (int(wide["width"]), int(wide["height"])) == (160, 107), "the thumbnail keeps the photo's proportions"


def test_the_pages_load_the_photos_facts_not_their_bytes(app, world) -> None:
    """The case page and the file list the photos without reading their bytes (which only the photo route sends)."""
    statements: list[str] = []

    def listen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    client = _as(app, world["officer_a"])
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert client.get(f"/staff/mediation/{world['case_id']}").status_code == 200
        assert client.get(f"/staff/households/{world['a'].id}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    photo_reads = [s for s in statements if "FROM request_photo" in s]
    assert photo_reads, "the photos were not read at all"
    assert not any(re.search(r"request_photo\.data\b", s) for s in photo_reads), photo_reads


def test_the_pages_with_photos_read_no_database_while_rendering(app, world, render_queries: RenderQueries) -> None:
    client = _as(app, world["officer_a"])
    _assert_no_render_queries(client, render_queries, [
        f"/staff/mediation/{world['case_id']}", f"/staff/households/{world['a'].id}",
        f"/staff/requests/{world['reference']}/letter"])


def _letter_page(app, world, staff: StaffUser):
    client = _as(app, staff)
    return client, get_page(client, f"/staff/requests/{world['reference']}/letter")


def test_staff_letter_page_has_the_header_a_way_back_printing_the_pdf_and_its_size(app, world) -> None:
    client, page = _letter_page(app, world, make_staff(role=Role.MEDIATION_GROUP))
    assert page.soup.select_one("header.site-header") and page.soup.select_one("nav.session-bar"), "no staff header"
    back = page.soup.select_one("a.back")
    assert back["href"] == f"/staff/mediation/{world['case_id']}", f"back link: {back['href']}"
    button = page.soup.select_one("button[data-print]")
    assert button is not None and button.has_attr("hidden"), "the print button waits for JavaScript to show it"
    assert page.soup.select_one("script[src$='js/print.js']"), "no script to enhance the print button"
    assert "Imprimer" in page.text("[data-print-hint]"), "without JavaScript, the page says how to print"
    pdf = client.get(f"/staff/requests/{world['reference']}/letter.pdf").get_data()
    link = page.soup.select_one("a[data-pdf]")
    assert link["href"] == f"/staff/requests/{world['reference']}/letter.pdf"
    expected = f"Télécharger la lettre (PDF, {math.ceil(len(pdf) / 1000)}\u00a0ko)"
    assert " ".join(link.get_text().split()) == " ".join(expected.split()), f"{link.get_text()!r} != {expected!r}"


def test_staff_letter_page_shows_the_photos_with_captions(app, world) -> None:
    client, page = _letter_page(app, world, world["officer_a"])
    figures = page.soup.select("figure.letter-photo")
    assert [f.select_one("img")["src"] for f in figures] == [_url(world, 0), _url(world, 1)]
    assert "Photo 2 sur 2" in figures[1].select_one("figcaption").get_text()
    assert all(f.select_one("img")["alt"] for f in figures)
    # the officer's way back, without a case, is the household file
    with app.app_context():
        db.session.execute(MediationCase.__table__.delete())
        db.session.commit()
    _, page = _letter_page(app, world, world["officer_a"])
    assert page.soup.select_one("a.back")["href"] == f"/staff/households/{world['a'].id}#requests"


def _drawn_images(page) -> list[tuple[float, float]]:
    """Width and height (PDF points) each image is drawn at on a page: the transformation matrix at each `Do`."""
    drawn: list[tuple[float, float]] = []

    def before(operator, operands, cm, tm) -> None:  # type: ignore[no-untyped-def]
        if operator == b"Do":
            drawn.append((abs(cm[0]), abs(cm[3])))

    page.extract_text(visitor_operand_before=before)
    return drawn


def test_the_letter_pdf_holds_each_photo_sized_to_fit_the_page(app, world) -> None:
    client = _as(app, world["officer_a"])
    response = client.get(f"/staff/requests/{world['reference']}/letter.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.get_data()))
    images = list({image.indirect_reference.idnum: image for page in reader.pages for image in page.images}.values())
    with app.app_context():
        sizes = [(p.width, p.height) for p in db.session.scalars(select(RequestPhoto).order_by(RequestPhoto.id))]
    assert sorted(image.image.size for image in images) == sorted(sizes), "the PDF does not hold the stored photos"
    drawn = [size for page in reader.pages for size in _drawn_images(page)]
    assert len(drawn) == 2, f"images drawn: {drawn}"
    for width, height in drawn:
        assert width <= A4_CONTENT_PT[0] + 0.5 and height <= A4_CONTENT_PT[1] + 0.5, f"{width}x{height} pt"
    tall = drawn[1]
    assert abs(tall[0] / tall[1] - 500 / 1900) < 0.01, f"the tall photo is distorted: {tall}"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Photo 1 sur 2" in text and "Photo 2 sur 2" in text, "no captions in the PDF"
    # no photo, no image
    with app.app_context():
        db.session.execute(RequestPhoto.__table__.delete())
        db.session.commit()
    bare = PdfReader(io.BytesIO(client.get(f"/staff/requests/{world['reference']}/letter.pdf").get_data()))
    assert not [image for page in bare.pages for image in page.images]


# --- the case form keeps the status it shows ------------------------------------------------------------------

def _form(page) -> dict[str, str]:
    soup = page.soup
    selected = soup.select_one("select[name='case-status'] option[selected]")
    assert selected is not None, "the status list has no status selected"
    return {"csrf_token": csrf_token(soup), "case-version": soup.select_one("input[name='case-version']")["value"],
            "case-status": selected["value"], "case-meeting_at": "", "case-meeting_place": "", "case-outcome": "",
            "case-letter_text": ""}


def _status(app, case_id: int) -> str:
    with app.app_context():
        return db.session.get(MediationCase, case_id).status


def test_the_status_list_opens_on_the_current_status(app, world) -> None:
    client = _as(app, make_staff(role=Role.MEDIATION_GROUP))
    page = get_page(client, f"/staff/mediation/{world['case_id']}")
    assert _form(page)["case-status"] == "received", "the list is preset to another status than the case's"


def test_saving_only_a_meeting_date_keeps_the_status(app, world) -> None:
    client = _as(app, make_staff(role=Role.MEDIATION_GROUP))
    url = f"/staff/mediation/{world['case_id']}"
    data = _form(get_page(client, url)) | {"case-meeting_at": "2026-12-20T10:00"}
    response = client.post(url, data=data)
    assert _status(app, world["case_id"]) == "received", "a date alone moved the case to another status"
    assert response.status_code == 422, "a date without the status would be dropped without a word"
    assert "Réunion prévue" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(select(Appointment)).all()
    # a text alone is saved, the status kept
    data = _form(get_page(client, url)) | {"case-letter_text": "Points essentiels"}
    assert client.post(url, data=data).status_code == 303
    assert _status(app, world["case_id"]) == "received"


def test_moving_a_planned_meeting_keeps_meeting_planned(app, world) -> None:
    client = _as(app, make_staff(role=Role.MEDIATION_GROUP))
    url = f"/staff/mediation/{world['case_id']}"
    data = _form(get_page(client, url)) | {"case-status": "meeting_planned", "case-meeting_at": "2026-12-20T10:00"}
    assert client.post(url, data=data).status_code == 303
    page = get_page(client, url)
    assert _form(page)["case-status"] == "meeting_planned"
    assert client.post(url, data=_form(page) | {"case-meeting_at": "2026-12-21T10:00"}).status_code == 303
    assert _status(app, world["case_id"]) == "meeting_planned"
    # and saving the outcome alone does not ask for a date again
    page = get_page(client, url)
    assert client.post(url, data=_form(page) | {"case-outcome": "Accord trouvé"}).status_code == 303
    assert _status(app, world["case_id"]) == "meeting_planned"

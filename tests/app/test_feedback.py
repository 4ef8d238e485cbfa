"""'Was this page useful?': CSRF-protected, stored anonymously, works with and without htmx."""

from __future__ import annotations

from sqlalchemy import func, select

from guide.core.extensions import db
from guide.models import PageFeedback
from tests.conftest import csrf_token, get_page


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PageFeedback))


def test_feedback_is_stored_without_identity(client, app) -> None:
    token = csrf_token(get_page(client, "/pages/costs").soup)
    response = client.post("/feedback", data={"csrf_token": token, "page": "pages/costs", "useful": "yes"})
    assert response.status_code == 200
    with app.app_context():
        row = db.session.scalars(select(PageFeedback)).one()
        assert (row.page, row.lang, row.useful) == ("pages/costs", "fr", True)


def test_feedback_without_csrf_token_is_refused(client, app) -> None:
    response = client.post("/feedback", data={"page": "pages/costs", "useful": "yes"})
    assert response.status_code == 400
    assert _count(app) == 0


def test_feedback_for_an_unknown_page_is_refused(client, app) -> None:
    token = csrf_token(get_page(client, "/pages/costs").soup)
    response = client.post("/feedback", data={"csrf_token": token, "page": "pages/nope", "useful": "no"})
    assert response.status_code == 404 and _count(app) == 0


def test_feedback_without_an_answer_says_so(client, app) -> None:
    token = csrf_token(get_page(client, "/journey/visit", "en").soup)
    response = client.post("/feedback", data={"csrf_token": token, "page": "stages/visit"})
    assert response.status_code == 422 and _count(app) == 0
    assert "Choisissez oui ou non." not in response.get_data(as_text=True)  # said in English


def test_htmx_gets_only_the_fragment(client, app) -> None:
    token = csrf_token(get_page(client, "/journey/visit").soup)
    response = client.post("/feedback", data={"csrf_token": token, "page": "stages/visit", "useful": "no"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="feedback"' in body
    assert _count(app) == 1

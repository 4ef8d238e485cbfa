"""'Was this page useful?': stored anonymously, a plain form without script, and accepted only when the browser says
it was sent from this site (the pages it sits on are cached for every reader: no CSRF token in them)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from guide.core.extensions import db
from guide.models import PageFeedback
from tests.conftest import get_page

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PageFeedback))


def test_feedback_is_stored_without_identity(client, app) -> None:
    form = get_page(client, "/pages/costs").soup.find("form", action="/feedback")
    assert form is not None and form.find("input", attrs={"name": "csrf_token"}) is None
    response = client.post("/feedback", data={"page": "pages/costs", "useful": "yes"}, headers=SAME_ORIGIN)
    assert response.status_code == 200
    with app.app_context():
        row = db.session.scalars(select(PageFeedback)).one()
        assert (row.page, row.lang, row.useful) == ("pages/costs", "fr", True)


@pytest.mark.parametrize("headers", [
    {"Origin": "http://localhost"},  # a browser without Sec-Fetch-Site
    {"Referer": "http://localhost/pages/costs"},  # without Origin either
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
])
def test_feedback_from_this_site_is_accepted(client, app, headers) -> None:
    response = client.post("/feedback", data={"page": "pages/costs", "useful": "no"}, headers=headers)
    assert response.status_code == 200, f"{headers}: {response.status_code}"
    assert _count(app) == 1


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"},  # a sister site is not us
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # the browser's word wins
    {"Origin": "https://evil.example"},
    {"Origin": "null"},  # a sandboxed frame or a data: page
    {"Referer": "https://evil.example/pages/costs"},
    {},  # nothing says where it comes from
])
def test_feedback_from_another_site_is_refused_with_a_clear_message(client, app, headers) -> None:
    response = client.post("/feedback?lang=en", data={"page": "pages/costs", "useful": "yes"}, headers=headers)
    assert response.status_code == 403, f"{headers}: {response.status_code}"
    assert _count(app) == 0, "a cross-site answer was stored"
    body = response.get_data(as_text=True)
    assert "does not come from a page of this site" in body, "the refusal says why, in the reader's language"
    assert 'href="/pages/costs"' in body, "and leads back to the page"


def test_feedback_for_an_unknown_page_is_refused(client, app) -> None:
    response = client.post("/feedback", data={"page": "pages/nope", "useful": "no"}, headers=SAME_ORIGIN)
    assert response.status_code == 404 and _count(app) == 0


def test_feedback_without_an_answer_says_so(client, app) -> None:
    response = client.post("/feedback?lang=en", data={"page": "stages/visit"}, headers=SAME_ORIGIN)
    assert response.status_code == 422 and _count(app) == 0
    body = response.get_data(as_text=True)
    assert "Choisissez oui ou non." not in body and 'action="/feedback"' in body  # said in English, asked again

"""htmx through flask-htmx's `htmx` object, and "Vary: HX-Request" set in one place (create_app's after_request
hook) on exactly the responses whose content depends on that header: both the htmx and the plain answer."""

from __future__ import annotations

import re
from pathlib import Path

from guide.models import Role
from tests.conftest import csrf_token, get_page
from tests.factories import make_household, make_staff, signed_in


def _varies(response) -> bool:  # type: ignore[no-untyped-def]
    return "HX-Request" in response.headers.get("Vary", "")


def test_a_view_that_asks_htmx_varies_on_it_for_both_answers(client, app, ctx) -> None:  # type: ignore[no-untyped-def]
    officer = make_staff(role=Role.OFFICER)
    household = make_household(officer_id=officer.id)
    signed_in(client, staff_id=officer.id)
    url = f"/staff/households/{household.id}/sms/template?sms_template=received"
    fragment = client.get(url, headers={"HX-Request": "true"})
    plain = client.get(url)
    assert fragment.status_code == 200 and plain.status_code == 303
    assert _varies(fragment), "the htmx fragment must say it depends on HX-Request"
    assert _varies(plain), "the redirect without htmx depends on HX-Request too: a cache must not serve it to htmx"


def test_feedback_no_longer_depends_on_htmx(client, app) -> None:  # type: ignore[no-untyped-def]
    """The feedback widget is a plain form (no htmx on guide pages): its answer is the same page either way."""
    data = {"page": "pages/costs", "useful": "yes"}
    same_origin = {"Sec-Fetch-Site": "same-origin"}
    assert not _varies(client.post("/feedback", data=data, headers=same_origin))
    fragment_asked = client.post("/feedback", data=data, headers={**same_origin, "HX-Request": "true"})
    assert not _varies(fragment_asked) and "<html" in fragment_asked.get_data(as_text=True)


def test_pages_that_do_not_depend_on_htmx_do_not_vary_on_it(client, app, ctx) -> None:  # type: ignore[no-untyped-def]
    mediator = make_staff(role=Role.MEDIATOR)
    household = make_household(mediator_id=mediator.id)
    signed_in(client, staff_id=mediator.id)
    page = get_page(client, f"/staff/households/{household.id}")
    counter = client.post(f"/staff/households/{household.id}/sms/count",
                          data={"csrf_token": csrf_token(page.soup), "sms-text": "Bonjour"},
                          headers={"HX-Request": "true"})
    board = client.get(f"/staff/households/{household.id}/plan")
    assert counter.status_code == 200 and board.status_code == 200
    for name, response in (("household file", page.response), ("SMS counter", counter), ("plan board", board)):
        assert not _varies(response), f"the {name} is the same with or without htmx: it must not vary on HX-Request"


def test_no_view_reads_the_htmx_headers_itself() -> None:
    """Views ask flask-htmx's `htmx`; a raw header read would skip the Vary bookkeeping."""
    raw = re.compile(r"""headers(\.get\(|\[)\s*["']HX-""", re.IGNORECASE)
    guide = Path(__file__).resolve().parents[2] / "guide"
    found = [f"{path}:{n}" for path in guide.rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if raw.search(line)]
    assert not found, f"raw HX-* header reads (use guide.core.extensions.htmx): {found}"

"""Stored script: a corpus of payloads typed into every text field households and staff can write, then every page
that shows them is read back. A payload must come back as text: no script element, event handler, `javascript:`
link or foreign element made from it, and no template expression evaluated (`{{7*7}}` never shows as 49)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from guide.core.extensions import db
from guide.models import Household, SmsInbound
from tests.factories import make_proposal
from tests.security.helpers import PHONE, World, csrf, make_world, read_form, soup_of, submit_mediation

PAYLOADS = {
    "script": "<script>alert('XSS1')</script>",
    "attribute breakout": "\"><img src=x onerror=alert('XSS2')>",
    "javascript url": "javascript:alert('XSS3')//XSS3",
    "textarea breakout": "</textarea><svg onload=alert('XSS4')>",
    "template": "{{7*7}}XSS5 {{ config }}{% if 1 %}XSS5b{% endif %}",
    "format": "%(x)s %s {0} ${7*7} XSS6 %n",
    "rtl override": "\u202eXSS7 gpj.exe \u2066\u202b شقة",
    "comment breakout": "'--><script>alert('XSS8')</script><!--",
    "link": "<a href=\"javascript:alert('XSS9')\">XSS9</a>",
    "single quotes": "' onmouseover='alert(1)' x='XSS10",
    "iframe and style": "<iframe srcdoc=\"<b>XSS11</b>\"></iframe><style>*{display:none}</style>",
}
# Payloads that fit together in the shortest fields (80 signs) are typed together, to keep the suite fast.
GROUPS = [("script", "format"), ("attribute breakout", "rtl override"), ("javascript url", "textarea breakout"),
          ("comment breakout", "single quotes"), ("template",), ("link",), ("iframe and style",)]
DANGEROUS_TAGS = ("script", "img", "svg", "iframe", "style", "math", "object", "embed", "base", "meta", "link")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")


def assert_inert(body: str, payload: str, where: str) -> BeautifulSoup:
    """The payload is shown as text on this page: nothing it holds became markup or was evaluated."""
    for part in {payload, *(p for p in PAYLOADS.values() if p in payload)}:
        assert "<" not in part or part not in body, f"{where}: {part!r} is in the page unescaped"
    soup = BeautifulSoup(body, "html.parser")
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            assert not name.lower().startswith("on"), f"{where}: event handler {name}={value!r} on <{tag.name}>"
            if name.lower() in URL_ATTRIBUTES:
                assert not value.strip().lower().startswith("javascript:"), f"{where}: {name}={value!r}"
            assert name.lower() != "srcdoc", f"{where}: srcdoc on <{tag.name}>"
        if tag.name in DANGEROUS_TAGS:
            assert "XSS" not in str(tag), f"{where}: <{tag.name}> made from input: {tag}"
    for script in soup.find_all("script"):
        assert script.get("src") or not script.get_text(strip=True) or script.get("type") == "application/json", (
            f"{where}: inline script")
    assert "49XSS5" not in body and "XSS5b" not in body.replace("{% if 1 %}XSS5b{% endif %}", "").replace(
        "{% if 1 %}XSS5b{% endif %}".replace("'", "&#39;"), ""), f"{where}: a template expression was evaluated"
    assert "test-secret" not in body and "SECRET_KEY" not in body, f"{where}: the configuration leaked"
    return soup


def _fill(client, page_url: str, action: str, values: dict[str, object], expect=(303,)):  # type: ignore[no-untyped-def]
    """Submit a form as the page shows it, with its own defaults and these values; the save must succeed."""
    page = client.get(page_url)
    assert page.status_code == 200, f"{page_url}: {page.status_code}"
    soup = soup_of(page)
    spec = read_form(soup, action)
    data: dict[str, object] = {}
    for name, f in spec.fields.items():
        if f.kind in ("checkbox", "radio", "file"):
            continue
        if f.kind == "select":
            soup_select = soup.find("select", attrs={"name": name})
            chosen = soup_select.find("option", selected=True) if soup_select else None
            data[name] = chosen.get("value", chosen.get_text()) if chosen else f.value
        else:
            data[name] = f.value
    data.update(values)
    response = client.post(action, data=data, content_type="multipart/form-data" if spec.multipart else None)
    assert response.status_code in expect, f"{action}: {response.status_code} {response.get_data(as_text=True)[:3000]}"
    return response


def _write_everywhere(world: World, payload: str) -> dict[str, object]:
    """Every text field, through the forms people use; hands back what was made (references, ids)."""
    h, staff_file = world.household, f"/staff/households/{world.household_id}"
    made: dict[str, object] = {}
    # the household
    _fill(h, f"/my/appointments/{world.appointment_id}/change", f"/my/appointments/{world.appointment_id}/change",
          {"note": payload})
    second = make_proposal(_household(world), rank=2, status="visited", address="5 rue Test")
    page = soup_of(h.get(f"/my/proposals/{second.id}/answer"))
    data = {"csrf_token": csrf(page), "key": page.select_one("input[name=key]")["value"], "decision": "refuse",
            "motives": ["other"], "text": payload, "step": "review"}
    assert h.post(f"/my/proposals/{second.id}/answer", data=data).status_code == 200
    sent = h.post(f"/my/proposals/{second.id}/answer", data={**data, "step": "send"})
    assert sent.status_code == 303, sent.status_code
    made["refusal"] = sent.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    made["proposal"] = second.id
    made["mediation"] = submit_mediation(h, payload, disagreement=payload, wish=payload)
    _fill(h, f"/my/requests/{made['mediation']}", f"/my/requests/{made['mediation']}", {"text": payload})
    # the action plan (household and mediator)
    _fill(h, "/my/plan", "/my/plan/add/brake", {"new-brake-words": payload})
    _fill(h, "/my/plan", "/my/plan/add/action", {"new-action-what": payload, "new-action-who_name": payload[:120]})
    _fill(h, "/my/plan/profile", "/my/plan/add/trip", {"new-trip-place": payload})
    _fill(h, "/my/plan/profile", "/my/plan/add/attachment", {"new-attachment-words": payload})
    _fill(h, "/my/plan/visits", "/my/plan/add/visit", {"new-visit-place": payload, "new-visit-liked": payload,
                                                        "new-visit-worries": payload})
    _fill(h, "/my/plan/edit/wishes", "/my/plan/edit/wishes", {"item-places": payload, "item-must_haves": payload,
                                                               "item-deal_breakers": payload})
    _fill(world.mediator, f"{staff_file}/plan", f"{staff_file}/plan/add/brake", {"new-brake-words": payload})
    # staff
    o = world.officer
    _fill(o, staff_file, f"{staff_file}/facts", {"facts-display_name": payload[:120]})
    _fill(o, staff_file, f"{staff_file}/proposals", {
        "new-proposal-rank": "3", "new-proposal-address": payload, "new-proposal-commune": payload[:80],
        "new-proposal-landlord": payload, "new-proposal-rent": "400", "new-proposal-charges": "90",
        "new-proposal-received_on": "2026-11-10"})
    starts = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT10:00")
    _fill(o, staff_file, f"{staff_file}/appointments", {"new-appointment-starts_at": starts,
                                                        "new-appointment-place": payload,
                                                        "new-appointment-with_whom": payload})
    _fill(o, staff_file, f"{staff_file}/notes", {"note-on": "2026-11-20", "note-text": payload})
    _fill(o, staff_file, f"{staff_file}/phones", {"phone-number": "+33699999999", "phone-label": payload[:80],
                                                  "phone-sms_consent": "y"})
    _fill(o, staff_file, f"{staff_file}/sms", {"sms-text": payload, "action": "send"})
    case = f"/staff/mediation/{world.case_id}"
    _fill(world.group, case, case, {"case-status": "acknowledged", "case-meeting_place": payload,
                                    "case-outcome": payload, "case-letter_text": payload})
    # an SMS the household sent (the webhook stores it as written; tests/sms covers the webhook itself)
    with world.app.app_context():
        db.session.add(SmsInbound(message_sid="SM" + "9" * 32, household_id=world.household_id, from_number=PHONE,
                                  body=payload, inbox_status="open", received_at=datetime.now(UTC)))
        db.session.commit()
    return made


def _household(world: World):  # type: ignore[no-untyped-def]

    with world.app.app_context():
        found = db.session.get(Household, world.household_id)
        db.session.expunge(found)
        return found


def _pages(world: World, made: dict[str, object]) -> list[tuple[object, str]]:
    staff_file = f"/staff/households/{world.household_id}"
    refs = [world.reference, made["refusal"], made["mediation"]]
    household = [
        "/my", f"/my/proposals/{world.proposal_id}", f"/my/proposals/{made['proposal']}",
        f"/my/appointments/{world.appointment_id}/change", "/my/plan", "/my/plan/profile", "/my/plan/visits",
        "/my/plan/edit/wishes", "/my/plan/edit/phases",
        *(f"/my/requests/{ref}" for ref in refs), *(f"/my/requests/{ref}/letter" for ref in refs)]
    picker = soup_of(world.officer.get(staff_file)).select("select[name=sms_template] option[value]")
    templates = [f"{staff_file}?sms_template={o['value']}" for o in picker if o["value"]][:2]
    officer = ["/staff/", staff_file, "/staff/sms/inbox", "/staff/sms/inbox?all=1", *templates]
    group = ["/staff/mediation", "/staff/mediation?all=1", f"/staff/mediation/{world.case_id}",
             *(f"/staff/requests/{ref}/letter" for ref in refs)]
    mediator = [f"{staff_file}/plan", f"{staff_file}/plan/profile", f"{staff_file}/plan/visits", staff_file,
                f"{staff_file}/plan/edit/wishes"]
    return ([(world.household, url) for url in household] + [(world.officer, url) for url in officer]
            + [(world.group, url) for url in group] + [(world.mediator, url) for url in mediator])


@pytest.mark.parametrize("names", GROUPS, ids=" + ".join)
def test_payload_is_shown_as_text_everywhere(app, ctx, names) -> None:
    payload = " ".join(PAYLOADS[name] for name in names)
    world = make_world(app, display_name=payload, language="ar")
    made = _write_everywhere(world, payload)
    shown = 0
    for client, url in _pages(world, made):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        soup = assert_inert(response.get_data(as_text=True), payload, url)
        shown += payload.replace("\u202e", "").split()[0] in soup.get_text()
    assert shown >= 10, f"the payload was shown on {shown} pages only: the corpus reached too few pages"
    # item pages and their history (the plan keeps every version)
    for link in {a["href"] for a in soup_of(world.household.get("/my/plan")).select("a[href*='/my/plan/items/']")}:
        for url in (link.split("#")[0], link.split("#")[0].rstrip("/") + "/history"):
            response = world.household.get(url)
            if response.status_code == 200:
                assert_inert(response.get_data(as_text=True), payload, url)
    # previews: the segment counter (htmx) echoes nothing as markup
    token = csrf(soup_of(world.officer.get(f"/staff/households/{world.household_id}")))
    preview = world.officer.post(f"/staff/households/{world.household_id}/sms/count",
                                 data={"csrf_token": token, "sms-text": payload}, headers={"HX-Request": "true"})
    assert preview.status_code == 200
    assert_inert(preview.get_data(as_text=True), payload, "SMS counter")


def test_letters_as_pdf_keep_the_payloads_as_text(app, ctx) -> None:
    """One PDF (WeasyPrint is slow): every payload at once, read back as text with pypdf."""

    world = make_world(app)
    everything = "\n".join(PAYLOADS.values())
    reference = submit_mediation(world.household, everything[:4900], wish="{{7*7}}XSS5")
    for client, url in ((world.household, f"/my/requests/{reference}/letter.pdf"),
                        (world.group, f"/staff/requests/{reference}/letter.pdf")):
        pdf = client.get(url)
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), url
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        text = " ".join(text.replace("\x00", "").split())
        assert "alert('XSS1')" in text or "alert(’XSS1’)" in text, "the script tag is printed as text"
        assert "{{7*7}}XSS5" in text.replace(" ", "") or "{{7*7}}" in text, "the template is printed as written"
        assert "49XSS5" not in text.replace(" ", "")


PLAIN_TEXT = ("rtl override", "format")  # no markup can form from these: nothing for the check to catch


@pytest.mark.parametrize("name", [name for name in PAYLOADS if name not in PLAIN_TEXT])
def test_the_check_catches_a_payload_left_as_markup(name) -> None:
    """The check itself: a page that pasted the payload raw (where markup can form) is caught."""
    payload = PAYLOADS[name]
    if name == "template":
        page = "<html><body><p>49XSS5 XSS5b</p></body></html>"
    elif name in ("javascript url", "single quotes"):
        page = f"<html><body><a href='{payload}' title='{payload}'>x</a></body></html>"
    else:
        page = f"<html><body><textarea>{payload}</textarea></body></html>"
    with pytest.raises(AssertionError):
        assert_inert(page, payload, "a careless page")

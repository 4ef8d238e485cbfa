"""The household's journeys end to end in real Chromium, in French and Arabic, as a person walks them: by links,
buttons and forms, entering only by the personal link or the SMS code (households) and the staff sign-in page.
The household is on a phone (360×740), staff on a desk (1280 px). Every page visited passes axe, does not scroll
sideways, and its HTML (the server's answer) passes the Nu checker, all pages of a journey in one vnu run.

Journeys: sign in → where I stand → answer a proposal; mediation with a photo seen by the mediation group;
the plan co-edited (the status set on one side survives a save of "Quoi ?" started before on the other, both
ways, and a real conflict where "Garder ma version" only touches the field both changed); after the move → survey.

Full-page screenshots go to $GUIDE_JOURNEY_SHOTS (default /tmp/journeys-shots), with the heights of /my.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.numbers import format_decimal
from sqlalchemy import select

from guide.core.extensions import db
from guide.features.signin import service as signin
from guide.models import Household, MediationCase, MoveExpense, PlanItem, ProposalStatus, Role, SmsMessage, SurveyAnswer
from guide.rules.deadlines import decision_deadline
from tests.app.test_mediation_photos import _photo
from tests.app.test_valid_html import _run_vnu
from tests.browser.conftest import PHONE, click_through
from tests.factories import (
    PASSWORD,
    make_appointment,
    make_budget,
    make_household,
    make_plan_item,
    make_proposal,
    make_staff,
)

pytestmark = pytest.mark.browser

AXE = Axe()
DESK = {"width": 1280, "height": 800}
SHOTS = Path(os.environ.get("GUIDE_JOURNEY_SHOTS", "/tmp/journeys-shots"))
LANGS = ("fr", "ar")
ADDRESS, COMMUNE = "12 rue Pierre Legrand", "Lomme"


def _number(value: str, lang: str) -> str:
    """An amount's digits as the page writes them in `lang` ("35,90" in French, "35.90" in Arabic)."""
    return format_decimal(Decimal(value), format="0.00", locale=lang)


class Walk:
    """One journey: each page visited is scanned (axe, width) and its HTML kept for one Nu run at the end."""

    def __init__(self, name: str) -> None:
        self.name, self.lang = name, ""
        self.pages: dict[str, str] = {}
        self.problems: list[str] = []
        self._last: dict[int, object] = {}

    def watch(self, page):
        def keep(response) -> None:
            if response.request.resource_type == "document" and response.frame == page.main_frame \
                    and not 300 <= response.status < 400:
                self._last[id(page)] = response
        page.on("response", keep)
        return page

    def check(self, page, label: str, shot: bool = False) -> None:
        response = self._last.get(id(page))
        assert response is not None and response.url == page.url.split("#")[0], \
            f"{label}: no page answer kept for {page.url}"
        html = response.text()
        assert html.lstrip().lower().startswith("<!doctype html>"), f"{label}: {page.url} is not a whole page"
        self.pages[f"{self.lang} {len(self.pages):02d}-{label}"] = html
        self.problems += [f"{self.lang} {label} {page.url}: {v['id']} {[n['target'] for n in v['nodes']][:3]}"
                          for v in AXE.run(page).response["violations"]]
        width = page.viewport_size["width"]
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            self.problems.append(f"{self.lang} {label} {page.url}: {scroll} px wide in a {width} px window")
        if shot:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{self.name}-{self.lang}-{len(self.pages):02d}-{label}.png"),
                            full_page=True)

    def finish(self, folder: Path) -> None:
        """One vnu run over every page of the journey, then every problem found on the way."""
        names = {}
        for number, (label, html) in enumerate(self.pages.items()):
            names[f"page{number:02d}.html"] = label
            (folder / f"page{number:02d}.html").write_text(html, encoding="utf-8")
        errors = [f"{names.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine')}: {m['message']}"
                  for m in _run_vnu(folder) if m.get("type") == "error"]
        assert not errors, f"{self.name}: the Nu checker found errors:\n" + "\n".join(errors)
        assert not self.problems, f"{self.name}:\n" + "\n".join(self.problems)


def _phone(browser, live_server: str, contexts: list):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True,
                                  base_url=live_server)
    contexts.append(context)
    return context.new_page()


def _desk(browser, live_server: str, contexts: list):
    context = browser.new_context(viewport=DESK, base_url=live_server, locale="fr-FR")
    contexts.append(context)
    return context.new_page()


@pytest.fixture()
def contexts():
    opened: list = []
    yield opened
    for context in opened:
        context.close()


def _height(page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def _record_height(name: str, lang: str, height: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "my-heights.json"
    heights = json.loads(path.read_text()) if path.exists() else {}
    heights[f"{name}-{lang}"] = height
    path.write_text(json.dumps(heights, indent=1, sort_keys=True))


def _isolated(page, text: str) -> list[str]:
    """Where `text` is printed in <main> outside an isolating element (bdi, or any element with dir): in Arabic
    a Latin value there would be reordered by the surrounding right-to-left text."""
    return page.evaluate("""text => {
        const bad = [];
        const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
        let found = 0;
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (!node.textContent.includes(text)) continue;
            found += 1;
            const isolating = node.parentElement.closest('bdi, [dir], textarea, input');
            if (!isolating || isolating === document.documentElement) {
                bad.push(node.parentElement.outerHTML.slice(0, 200));
            }
        }
        if (!found) bad.push('not found: ' + text);
        return bad;
    }""", text)


def _time_order(page, scope: str) -> tuple[float, float]:
    """Where a time written the Arabic way ("4:49 م") is drawn: the left edge of its first digit and of its
    "م"/"ص" (after noon / before noon). Right-to-left, the hour comes first, so it is drawn to the right."""
    found = page.evaluate("""scope => {
        const walker = document.createTreeWalker(document.querySelector(scope), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, match = /\\d{1,2}:\\d{2}\\s*[مص]/.exec(node.textContent);
            if (!match) continue;
            const at = (offset) => {
                const range = document.createRange();
                range.setStart(node, offset); range.setEnd(node, offset + 1);
                return range.getBoundingClientRect().left;
            };
            return [at(match.index), at(match.index + match[0].length - 1)];
        }
        return null;
    }""", scope)
    assert found, f"no time written the Arabic way in {scope}"
    return found[0], found[1]


def _assert_isolated(page, lang: str, *texts: str) -> None:
    if lang != "ar":
        return
    for text in texts:
        bad = _isolated(page, text)
        assert not bad, f"{page.url}: {text!r} is not isolated in right-to-left text: {bad}"


def _enter_by_link(page, app, household_id: int, target: str = "/my") -> None:
    """The SMS personal link, then its one button (a link alone never signs in: previews would use it)."""
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household_id), target=target)
        db.session.commit()
    page.goto(f"/k/{token}")
    click_through(page.locator("main form button[type=submit]"))
    page.wait_for_url(f"**{target}")


def _staff_sign_in(page, email: str) -> None:
    page.goto("/staff/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    click_through(page.locator("form button[type=submit]"))
    page.wait_for_url("**/staff/")


def _sms_code(app) -> str:
    with app.app_context():
        body = db.session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc())).first().body
    return re.search(r"\b\d{6}\b", body).group(0)


# 1. Sign in with the SMS code → where I stand → answer the second proposal (a written refusal)

def _answer_journey(walk: Walk, browser, live_server: str, contexts: list, app, lang: str) -> None:
    walk.lang = lang
    number = "+33611220001" if lang == "fr" else "+33611220002"
    officer = make_staff(name="Nadia Benali", phone="+33320123456")
    household = make_household(phone=number, language=lang, stage="my-answer", officer_id=officer.id,
                               reference=f"LIL-2026-004{LANGS.index(lang)}")
    visit = date.today() - timedelta(days=2)
    make_proposal(household, rank=1, status=ProposalStatus.REFUSED, address="3 rue de Lille", commune="Roubaix")
    proposal = make_proposal(household, rank=2, status=ProposalStatus.VISITED, visit_on=visit, address=ADDRESS,
                             commune=COMMUNE, rent=Decimal("455.20"), landlord="Vilogia")
    make_budget(household)
    make_appointment(household, starts_at=datetime.now(UTC) + timedelta(days=3), place="Mairie de Lomme")
    page = walk.watch(_phone(browser, live_server, contexts))
    page.goto(f"/language/{lang}?next=/")  # the language menu's link, as a household would choose it
    walk.check(page, "home", shot=True)
    click_through(page.locator("footer a[href='/sign-in']"))
    walk.check(page, "sign-in")
    page.locator("input[name=phone]").fill(number.replace("+33", "0"))
    click_through(page.locator("main form button[type=submit]"))
    page.wait_for_url("**/sign-in/code")
    walk.check(page, "code")
    page.locator("input[name=code]").fill(_sms_code(app))
    click_through(page.locator("main form button[type=submit]"))
    page.wait_for_url("**/my")
    assert page.locator("html").get_attribute("lang") == lang
    walk.check(page, "my", shot=True)
    height = _height(page)
    _record_height("before-move", lang, height)
    assert height <= 3 * 740, f"'where I stand' is {height} px high at 360 px: more than three screens"
    if lang == "ar":  # "4:49 م": the hour first, read from the right, then the Arabic "PM" to its left
        hour, suffix = _time_order(page, "#appointment")
        assert suffix < hour, f"the appointment time reads backwards in Arabic (hour at {hour}, م/ص at {suffix})"
    answer_by = decision_deadline(visit)
    assert str(answer_by.year) in page.locator("#next").inner_text(), "the answer-by date is not on /my"
    click_through(page.locator("#next a.button"))  # "Voir la proposition"
    page.wait_for_url(f"**/my/proposals/{proposal.id}")
    walk.check(page, "proposal", shot=True)
    _assert_isolated(page, lang, ADDRESS, "Vilogia", _number("455.20", lang))
    click_through(page.locator(f"main a[href$='/proposals/{proposal.id}/answer']"))
    walk.check(page, "answer")
    click_through(page.locator("main form button[type=submit]"))  # nothing chosen: the error summary
    assert page.locator(".error-summary").count() == 1, "an empty answer gave no error summary"
    walk.check(page, "answer-error")
    page.locator("label[for='decision-1']").click()
    page.locator("input[name=motives]").first.check()
    page.locator("textarea[name=text]").fill("Le logement est trop loin de l'école de ma fille.")
    click_through(page.locator("main form button[type=submit]"))
    assert page.locator("main form button[name=step][value=send]").count() == 1, "no check-before-sending page"
    walk.check(page, "answer-review", shot=True)
    click_through(page.locator("main form button[name=step][value=send]"))
    page.wait_for_url("**/my/requests/*")
    assert page.locator("[data-mediation-opened]").count() == 1, "a second refusal did not say a mediation opens"
    reference = page.locator("[data-reference]").get_attribute("data-reference")
    walk.check(page, "receipt", shot=True)
    _assert_isolated(page, lang, reference)
    click_through(page.locator("main a.back"))
    page.wait_for_url("**/my")
    click_through(page.locator("#link-requests a"))
    assert reference in page.locator("main").inner_text()
    walk.check(page, "requests")
    _assert_isolated(page, lang, reference)
    with app.app_context():
        case = db.session.scalars(select(MediationCase).where(MediationCase.household_id == household.id)).first()
    assert case is not None and case.source == "second_refusal", "no mediation case opened by the second refusal"


# 2. Ask for a mediation with a photo; the mediation group sees the photo on its desk

def _mediation_journey(walk: Walk, browser, live_server: str, contexts: list, app, lang: str) -> None:
    walk.lang = lang
    group = make_staff(role=Role.MEDIATION_GROUP, email=f"groupe-{lang}@example.org", name="Groupe de médiation")
    household = make_household(language=lang, stage="my-answer", officer_id=make_staff().id,
                               display_name="Famille Haddad" if lang == "fr" else "عائلة حداد")
    page = walk.watch(_phone(browser, live_server, contexts))
    _enter_by_link(page, app, household.id)
    walk.check(page, "my")
    click_through(page.locator("#link-requests a"))
    walk.check(page, "requests")
    click_through(page.locator("main a.button[href$='/my/mediation']"))
    walk.check(page, "mediation-form", shot=True)
    page.locator("textarea[name=what_happened]").fill("La fenêtre de la chambre est cassée depuis la visite."
                                                      if lang == "fr" else "نافذة الغرفة مكسورة منذ الزيارة.")
    page.locator("textarea[name=disagreement]").fill("Le bailleur dit que tout est en bon état.")
    page.locator("textarea[name=wish]").fill("Que la fenêtre soit réparée avant le déménagement.")
    page.locator("input[name=photos]").set_input_files(
        [{"name": "fenetre.jpg", "mimeType": "image/jpeg", "buffer": _photo((900, 600), (200, 40, 40))}])
    click_through(page.locator("main form button[type=submit]"))
    page.wait_for_url("**/my/requests/*")
    reference = page.locator("[data-reference]").get_attribute("data-reference")
    shown = page.locator("main .photo-list img")
    assert shown.count() == 1, "the household's receipt does not show its photo"
    shown.scroll_into_view_if_needed()  # (loading="lazy")
    assert shown.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0, "the receipt's photo did not load"
    walk.check(page, "receipt", shot=True)
    _assert_isolated(page, lang, reference)

    desk = walk.watch(_desk(browser, live_server, contexts))
    _staff_sign_in(desk, group.email)
    walk.check(desk, "staff-home")
    out, everywhere = (desk.locator(".session-bar form button").nth(i).bounding_box() for i in (0, 1))
    apart = everywhere["x"] - (out["x"] + out["width"]) if abs(everywhere["y"] - out["y"]) < 1 else 99
    assert apart >= 12, f"'Se déconnecter' and 'Se déconnecter partout' read as one link: {apart:.0f} px apart"
    click_through(desk.locator(".session-bar a[href='/staff/mediation']"))
    walk.check(desk, "staff-mediation-inbox", shot=True)
    click_through(desk.locator("tr[data-case]", has_text=household.reference).locator("a"))
    thumbnails = desk.locator(f"[data-photos='{reference}'] a[data-photo] img")
    assert thumbnails.count() == 1, "the mediation group does not see the household's photo"
    thumbnails.first.scroll_into_view_if_needed()  # (loading="lazy": the group scrolls down to it)
    assert thumbnails.first.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0, "the photo did not load"
    walk.check(desk, "staff-mediation-case", shot=True)
    click_through(desk.locator(f"a[href='/staff/requests/{reference}/letter']"))
    assert desk.locator("figure.letter-photo img").count() == 1, "the letter for the group lacks the photo"
    walk.check(desk, "staff-letter")


# 3. The plan co-edited by the household (phone) and the mediator (desk)

def _open_action(page, walk: Walk, what: str, label: str) -> None:
    """From a plan page, by the plan's own menu ("Plan d'actions", the board as it is now) to the action's page."""
    click_through(page.locator(".plan-nav li:first-child a"))
    click_through(page.locator("#actions li, #actions tr", has_text=what).locator("a", has_text=re.compile(".")).first)
    page.locator("#item-form").wait_for()
    walk.check(page, label)


def _plan_journey(walk: Walk, browser, live_server: str, contexts: list, app, lang: str) -> None:
    walk.lang = lang
    mediator = make_staff(role=Role.MEDIATOR, name="Samir Haddad", email=f"mediateur-j-{lang}@example.org")
    household = make_household(language=lang, mediator_id=mediator.id, stage="project")
    make_plan_item(household, "brake", {"category": "transport", "words": ""}, rank=1)
    action = make_plan_item(household, "action", {"what": "Visiter Lomme", "who": "household", "status": "todo",
                                                  "when_date": (date.today() + timedelta(days=9)).isoformat()})
    mine = walk.watch(_phone(browser, live_server, contexts))
    _enter_by_link(mine, app, household.id)
    click_through(mine.locator("#link-plan a"))
    walk.check(mine, "plan-board", shot=True)
    theirs = walk.watch(_desk(browser, live_server, contexts))
    _staff_sign_in(theirs, mediator.email)
    click_through(theirs.locator("main a", has_text=household.display_name))
    walk.check(theirs, "staff-household")
    click_through(theirs.locator(f"main a[href='/staff/households/{household.id}/plan']"))
    walk.check(theirs, "staff-plan-board")

    def item() -> dict:
        with app.app_context():
            return dict(db.session.get(PlanItem, action.id).data)

    # a) the mediator's form is open first; the household sets "Fait"; the mediator saves only "Quoi ?"
    _open_action(theirs, walk, "Visiter Lomme", "staff-action")
    _open_action(mine, walk, "Visiter Lomme", "action")
    mine.locator("select[name='item-status']").select_option("done")
    click_through(mine.locator("#item-form button[type=submit]"))
    mine.wait_for_url("**/my/plan*")
    walk.check(mine, "plan-after-done")
    theirs.locator("textarea[name='item-what']").fill("Visiter Lomme mardi matin")
    click_through(theirs.locator("#item-form button[type=submit]"))
    theirs.wait_for_url("**/plan*")
    assert theirs.locator("[data-conflict]").count() == 0, "(a) different fields reached the conflict screen"
    assert theirs.locator("[data-kept]").count() == 1, "(a) the mediator is not told the household's change was kept"
    walk.check(theirs, "staff-plan-kept", shot=True)
    assert (item()["status"], item()["what"]) == ("done", "Visiter Lomme mardi matin"), f"(a) {item()}"

    # b) the mirror: the household's form is open first; the mediator sets "À faire"; the household saves "Quoi ?"
    click_through(mine.locator(".session-bar a[href='/my']"))  # "Mon espace"
    click_through(mine.locator("#link-plan a"))
    _open_action(mine, walk, "Visiter Lomme mardi matin", "action-again")
    _open_action(theirs, walk, "Visiter Lomme mardi matin", "staff-action-again")
    theirs.locator("select[name='item-status']").select_option("todo")
    click_through(theirs.locator("#item-form button[type=submit]"))
    theirs.wait_for_url("**/plan*")
    mine.locator("textarea[name='item-what']").fill("Visiter Lomme mardi matin avec ma fille")
    click_through(mine.locator("#item-form button[type=submit]"))
    mine.wait_for_url("**/my/plan*")
    assert mine.locator("[data-conflict]").count() == 0, "(b) different fields reached the conflict screen"
    assert "Samir Haddad" in mine.locator("[data-kept]").inner_text(), "(b) the household is not told who changed"
    walk.check(mine, "plan-kept", shot=True)
    assert (item()["status"], item()["what"]) == ("todo", "Visiter Lomme mardi matin avec ma fille"), f"(b) {item()}"

    # c) both change "Quoi ?"; the mediator also the status, the household also the name: only "Quoi ?" is asked,
    #    and "Garder ma version" keeps the mediator's status
    _open_action(mine, walk, "avec ma fille", "action-third")
    _open_action(theirs, walk, "avec ma fille", "staff-action-third")
    theirs.locator("textarea[name='item-what']").fill("Visiter Lomme et Hellemmes")
    theirs.locator("select[name='item-status']").select_option("done")
    click_through(theirs.locator("#item-form button[type=submit]"))
    theirs.wait_for_url("**/plan*")
    mine.locator("textarea[name='item-what']").fill("Visiter Lomme avec ma fille et mon fils")
    mine.locator("input[name='item-who_name']").fill("Amina")
    click_through(mine.locator("#item-form button[type=submit]"))
    assert mine.locator("[data-conflict]").count() == 1, "(c) a change both made did not reach the conflict screen"
    differs = mine.locator("[data-conflict] tr.differs")
    assert differs.count() == 1 and "Visiter Lomme et Hellemmes" in differs.inner_text(), \
        f"(c) only 'Quoi ?' should be asked: {differs.all_inner_texts()}"
    assert mine.locator("[data-kept]").count() == 1, "(c) the conflict screen does not say what is kept anyway"
    walk.check(mine, "plan-conflict", shot=True)
    click_through(mine.locator("#keep-mine button[type=submit]"))
    mine.wait_for_url("**/my/plan*")
    walk.check(mine, "plan-resolved", shot=True)
    saved = item()
    assert (saved["what"], saved["who_name"], saved["status"]) == (
        "Visiter Lomme avec ma fille et mon fils", "Amina", "done"), f"(c) keep mine touched another field: {saved}"
    assert "Visiter Lomme avec ma fille et mon fils" in mine.locator("#actions").inner_text()
    click_through(mine.locator("#actions li", has_text="et mon fils").locator("a").first)
    click_through(mine.locator("main a[href$='/history']"))
    assert mine.locator(".history > li").count() == 7, "the history does not hold the six saves and the creation"
    walk.check(mine, "plan-history")


# 4. After the move: send a cost to refund, then answer the satisfaction survey

def _after_move_journey(walk: Walk, browser, live_server: str, contexts: list, app, lang: str) -> None:
    walk.lang = lang
    officer = make_staff(name="Nadia Benali", email=f"agent-after-{lang}@example.org")
    household = make_household(language=lang, stage="after-move", officer_id=officer.id,
                               moved_on=date.today() - timedelta(days=200))
    page = walk.watch(_phone(browser, live_server, contexts))
    _enter_by_link(page, app, household.id)
    walk.check(page, "my", shot=True)
    _record_height("after-move", lang, _height(page))
    click_through(page.locator("#after-move a[href='/my/move']"))
    walk.check(page, "move", shot=True)
    page.locator("input[name=kind]").first.check()
    page.locator("input[name=amount]").fill("35,90")
    invoice = date.today() - timedelta(days=3)
    for part in ("day", "month", "year"):  # a date as three boxes (GOV.UK pattern)
        page.locator(f"input[name=invoice_on-{part}]").fill(str(getattr(invoice, part)))
    page.locator("input[name=photo]").set_input_files(
        {"name": "facture.jpg", "mimeType": "image/jpeg", "buffer": _photo((600, 800), (240, 240, 240))})
    click_through(page.locator("#new-expense button[type=submit]"))
    sent = page.locator("[data-expense]")
    sent.first.wait_for()
    assert sent.count() == 1 and _number("35.90", lang) in sent.inner_text(), "the cost is not listed with its amount"
    walk.check(page, "move-sent", shot=True)
    _assert_isolated(page, lang, _number("35.90", lang))
    with app.app_context():
        expense = db.session.scalars(select(MoveExpense).where(MoveExpense.household_id == household.id)).one()
        assert expense.amount == Decimal("35.90") and expense.invoice_on == invoice

    desk = walk.watch(_desk(browser, live_server, contexts))
    _staff_sign_in(desk, officer.email)
    click_through(desk.locator("main a", has_text=household.display_name))
    walk.check(desk, "staff-household")
    click_through(desk.locator(f"main a[href='/staff/households/{household.id}/after-move']"))
    assert desk.locator(f"[data-expense='{expense.id}']").count() == 1, "the officer does not see the cost sent"
    walk.check(desk, "staff-after-move", shot=True)

    click_through(page.locator("main a.back"))
    page.wait_for_url("**/my")
    click_through(page.locator("#after-move a.button[href='/my/survey']"))
    walk.check(page, "survey", shot=True)
    click_through(page.locator("main a.button"))
    questions = 0
    while not page.url.endswith("/my/survey/check"):
        questions += 1
        assert questions <= 8, f"more than 8 questions: {page.url}"
        if questions == 1:
            walk.check(page, "survey-question", shot=True)
        page.locator("main input[type=radio]").first.check()
        click_through(page.locator("main form button[type=submit]"))
        page.wait_for_load_state()
    assert questions == 8, f"the survey asked {questions} questions"
    walk.check(page, "survey-check", shot=True)
    click_through(page.locator("main form button[type=submit]"))
    page.locator("[data-survey='answered']").wait_for()
    walk.check(page, "survey-thanks", shot=True)
    with app.app_context():
        kept = db.session.scalars(select(SurveyAnswer)).all()
    assert len(kept) == LANGS.index(lang) + 1 and len(kept[-1].answers) == 8, "the answers were not all kept"


# One test per journey; each walks it in French then in Arabic, and checks all its pages in one vnu run.

def _walk(journey, name: str, browser, live_server: str, contexts: list, app, tmp_path: Path) -> None:
    walk = Walk(name)
    for lang in LANGS:
        journey(walk, browser, live_server, contexts, app, lang)
    walk.finish(tmp_path)


def test_sign_in_see_where_i_stand_and_refuse_a_proposal(browser, live_server, contexts, app, ctx, tmp_path) -> None:
    _walk(_answer_journey, "answer", browser, live_server, contexts, app, tmp_path)


def test_ask_mediation_with_a_photo_seen_by_the_mediation_group(browser, live_server, contexts, app, ctx,
                                                                tmp_path) -> None:
    _walk(_mediation_journey, "mediation", browser, live_server, contexts, app, tmp_path)


def test_the_plan_co_edited_keeps_both_sides_changes(browser, live_server, contexts, app, ctx, tmp_path) -> None:
    _walk(_plan_journey, "plan", browser, live_server, contexts, app, tmp_path)


def test_after_the_move_send_a_cost_then_answer_the_survey(browser, live_server, contexts, app, ctx,
                                                           tmp_path) -> None:
    _walk(_after_move_journey, "after-move", browser, live_server, contexts, app, tmp_path)

"""Right-to-left pages on a phone: Latin-script values keep their order, French passages speak French, a personal
link opens in the household's language, read-aloud says why it is missing."""

from __future__ import annotations

from guide.core.extensions import db
from guide.features.signin import service as signin
from guide.models import Household
from tests.browser.conftest import click_through
from tests.factories import make_household, make_proposal, make_staff

# Where each piece of the address is drawn: the left edge of "12" and of "rue" (a Range over their characters).
EDGES = """(el) => {
  const text = el.firstChild;
  const left = (from, to) => { const r = document.createRange(); r.setStart(text, from); r.setEnd(text, to);
                               return r.getBoundingClientRect().left; };
  const style = getComputedStyle(el);
  return {number: left(0, 2), street: left(3, 6), lille: left(text.length - 5, text.length),
          bidi: style.unicodeBidi, direction: style.direction};
}"""


def _link(app, household_id: int) -> str:
    with app.test_request_context():
        token = signin.create_link(db.session.get(Household, household_id))
        db.session.commit()
    return f"/k/{token}"


def test_an_address_reads_in_its_own_order_in_arabic(phone_ctx, app, ctx) -> None:
    officer = make_staff(name="Nadia Benali", phone="+33320123456")
    household = make_household(language="ar", stage="my-answer", officer_id=officer.id)
    proposal = make_proposal(household, rank=1, address="12 rue des Tilleuls", commune="Lille")
    page = phone_ctx()  # the browser asks for nothing in particular: the link alone chooses Arabic
    page.goto(_link(app, household.id))
    assert page.locator("html").get_attribute("lang") == "ar", "the personal link ignored the household's language"
    assert page.locator("html").get_attribute("dir") == "rtl"
    click_through(page.locator("main form button[type=submit]"))
    page.goto(f"/my/proposals/{proposal.id}")
    address = page.locator("bdi[data-address]")
    assert address.inner_text() == "12 rue des Tilleuls, Lille", "the address is not printed whole inside its <bdi>"
    edges = address.evaluate(EDGES)
    assert edges["bidi"] == "isolate", f"the address is not isolated from the Arabic around it: {edges}"
    assert edges["direction"] == "ltr", f"the address is not laid out left to right: {edges}"
    assert edges["number"] < edges["street"] < edges["lille"], (
        f"the address is drawn out of order (\"12\" must come first, on the left): {edges}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_french_passages_speak_french_and_read_aloud_explains_its_absence(phone_ctx, app) -> None:
    page = phone_ctx("ar")
    page.goto("/glossary")
    french = page.locator("#g-npnru .expansion[lang=fr]")
    assert french.inner_text() == "(Nouveau programme national de renouvellement urbain)"
    assert french.evaluate("e => getComputedStyle(e).direction") == "ltr", "the French brackets are mirrored apart"
    assert "((" not in page.locator("main").inner_text() and "))" not in page.locator("main").inner_text()
    assert page.locator("footer [lang=fr]").inner_text() == "(Charte métropolitaine de relogement)"
    button = page.locator("button.listen")
    missing = page.locator(".listen-missing")
    has_voice = page.evaluate("speechSynthesis.getVoices().some(v => v.lang.toLowerCase().startsWith('ar'))")
    if has_voice:
        assert button.is_visible() and not missing.is_visible()
    else:  # Debian's headless Chromium has no voice at all: the message must say so, in Arabic
        assert not button.is_visible(), "the read-aloud button shows without a voice to read with"
        assert missing.is_visible(), "read-aloud vanished without saying why"
        assert "ليس" in missing.inner_text() or "لا" in missing.inner_text(), missing.inner_text()

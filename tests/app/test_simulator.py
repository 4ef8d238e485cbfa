"""The budget simulator: figures read in the page's language, results in data attributes and words, errors by field;
the one-page form (/simulator/all) and the question pages (five steps, "check your answers", the result)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

from guide.core.forms import BadFigure, parse_amount
from guide.features.simulator.service import parse_people
from guide.rules.budget import EXPENSE_KINDS
from tests.conftest import ALL_LANGUAGES, Page, check_page, get_page, visible_text

# The worked example of tests/unit/test_budget.py: RAC 450 + 80 − 250 = 280; TE 280 ÷ 1400 = 20 %;
# RAV (1400 − (280 + 300)) ÷ (3 × 30) = 9.11.
EXAMPLE = {"people": "3", "resources": "1400", "rent_now": "450", "charges_now": "80", "benefit_now": "250",
           "electricity": "120", "gas": "60", "taxes": "120"}
# A family of 4, before and after: RAC 417.50 → 407.50; TE 33.40 → 32.60 %; RAV 3.52 → 3.60.
FAMILY = {"people": "4", "resources": "1 250", "rent_now": "520,40", "charges_now": "95.10", "benefit_now": "198",
          "taxes": "410,25", "rent_new": "560", "charges_new": "110", "benefit_new": "262,50"}


def simulate(client, lang: str = "fr", **figures: str) -> Page:
    """The one-page form sent with these figures."""
    return get_page(client, "/simulator/all?" + urlencode({**figures, "sent": "1"}), lang)


def data(page: Page, name: str) -> str:
    found = page.soup.select_one(f"[data-{name}]")
    assert found is not None, f"no element carries data-{name}"
    return str(found[f"data-{name}"])


def field(page: Page, name: str):
    found = page.soup.select_one(f"form.sim-form input[name={name}]")
    assert found is not None, f"no field {name}"
    return found


# --- reading figures -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("450", "450"),
        ("450 €", "450"),
        ("€450", "450"),
        ("450 euros", "450"),
        ("1234.5", "1234.5"),
        ("1234,5", "1234.5"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50\u00a0€", "1234.50"),  # no-break spaces, as French software writes them
        ("1\u202f234,50", "1234.50"),  # narrow no-break space (Babel's French grouping)
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("99.999,99", "99999.99"),
        ("  85,3 ", "85.3"),
        ("+20", "20"),
        ("0", "0"),
        ("٤٥٠", "450"),  # Arabic-Indic digits
        ("١٢٣٫٥", "123.5"),  # with the Arabic decimal mark
    ],
)
def test_parse_amount_reads_french_and_other_writings(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "required"),
        ("  ", "required"),
        ("€", "required"),
        ("abc", "invalid"),
        ("12a", "invalid"),
        ("1,2,3", "invalid"),
        ("1.2.3", "invalid"),
        ("12.34,5", "invalid"),  # "12.34" is not a thousands group
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("1e5", "invalid"),
        ("-30", "negative"),
        ("−30", "negative"),  # the typographic minus
        ("1.234", "decimals"),  # 1.234 € or 1 234 €? Asked, never guessed
        ("12,345", "decimals"),
        ("100001", "too_large"),
        ("9" * 50, "invalid"),
    ],
)
def test_parse_amount_says_why_it_cannot_read(text: str, code: str) -> None:
    with pytest.raises(BadFigure) as raised:
        parse_amount(text)
    assert raised.value.code == code


@pytest.mark.parametrize(("text", "result"), [("1", 1), ("3", 3), (" 4 ", 4), ("30", 30), ("٣", 3), ("2.0", 2),
                                               ("", "required"), ("0", "range"), ("2,5", "whole"), ("-1", "range"),
                                               ("deux", "invalid"), ("31", "range"), ("1000", "range")])
def test_parse_people(text: str, result: int | str) -> None:
    if isinstance(result, int):
        assert parse_people(text) == result
    else:
        with pytest.raises(BadFigure) as raised:
            parse_people(text)
        assert raised.value.code == result


# --- the page ------------------------------------------------------------------------------------

def test_empty_form_has_one_labelled_field_per_figure(client) -> None:
    page = get_page(client, "/simulator/all")
    form = page.soup.select_one("form.sim-form")
    assert form["method"] == "get" and form["action"] == "/simulator/all"
    names = [i["name"] for i in form.select("input")]
    assert names == ["sent", "people", "resources", "adults", "children", "salary", "unemployment", "pension", "rsa",
                     "rent_now", "charges_now", "commune_now", "benefit_now", "rent_new", "charges_new", "commune_new",
                     "benefit_new", "hlm_new", "hlm_new", *EXPENSE_KINDS]
    assert not page.soup.select(".sim-result, .error, .error-summary, [aria-invalid]")
    assert not page.soup.select("form.sim-form input[name=csrf_token]"), "nothing is posted, no token needed"


def test_no_inline_style_or_script(client) -> None:
    page = simulate(client, **FAMILY)
    assert not page.soup.select("[style]")
    assert all(script.get("src") for script in page.soup.find_all("script"))


def test_single_situation_worked_example(client) -> None:
    page = simulate(client, **EXAMPLE)
    assert (data(page, "reste-a-charge"), data(page, "taux-effort"), data(page, "reste-a-vivre")) == (
        "280.00", "20.00", "9.11")
    assert data(page, "verdict") == "ok"
    text = page.text(".sim-result")
    assert "280,00 €" in text and "20 %" in text and "9,11 €" in text
    assert not page.soup.select("[data-reste-a-charge-avant]"), "no comparison without a proposed flat"


def test_before_and_after_worked_example(client) -> None:
    page = simulate(client, **FAMILY)
    values = {name: data(page, name) for name in (
        "reste-a-charge-avant", "reste-a-charge-apres", "taux-effort-avant", "taux-effort-apres",
        "reste-a-vivre-avant", "reste-a-vivre-apres")}
    assert values == {"reste-a-charge-avant": "417.50", "reste-a-charge-apres": "407.50",
                      "taux-effort-avant": "33.40", "taux-effort-apres": "32.60",
                      "reste-a-vivre-avant": "3.52", "reste-a-vivre-apres": "3.60"}
    assert data(page, "verdict") == "watch"
    assert not page.soup.select("[data-reste-a-charge]"), "the single-situation figures are not shown"
    changes = page.text(".sim-changes")
    assert "10,00 € de moins par mois" in changes and "0,08 € de plus" in changes
    assert len(page.soup.select(".sim-verdict li")) == 2  # two alerts: RAV 6.50 € or less, TE 30 % or more


@pytest.mark.parametrize(
    ("figures", "verdict", "words"),
    [
        # one person, 1 000 €, 200 € rent, 500 € expenses: RAV (1000 − 700) ÷ 30 = 10.00 € before
        ({"rent_new": "250"}, "ok", "respecte les règles"),  # TE 25 %, RAV 250 ÷ 30 = 8.33 €
        ({"rent_new": "300"}, "watch", "30 % ou plus"),  # TE exactly 30 %, RAV 200 ÷ 30 = 6.67 €
        ({"rent_new": "305"}, "watch", "6,50 € ou moins"),  # RAV 195 ÷ 30 = 6.50 €: at the threshold, not below
        ({"rent_new": "260", "charges_new": "50"}, "not_affordable", "ne respecte pas"),  # RAV 190 ÷ 30 = 6.33 €
        ({"rent_new": "310"}, "not_affordable", "Après, il resterait moins"),  # RAV 190 ÷ 30 = 6.33 €, TE 31 %
    ],
)
def test_move_verdicts(client, figures: dict[str, str], verdict: str, words: str) -> None:
    page = simulate(client, **{"people": "1", "resources": "1000", "rent_now": "200", "electricity": "500",
                               **figures})
    assert data(page, "verdict") == verdict
    assert words in page.text(".sim-verdict")


def test_not_affordable_says_the_rule_and_the_right_to_refuse(client) -> None:
    page = simulate(client, people="2", resources="1500", rent_now="400", benefit_now="100", electricity="400",
                    rent_new="500", benefit_new="100")
    # before: RAC 300, TE 20 %, RAV (1500 − 700) ÷ 60 = 13.33; after: RAC 400, TE 26.67 %, RAV 700 ÷ 60 = 11.67
    assert data(page, "verdict") == "ok"
    page = simulate(client, people="2", resources="1500", rent_now="400", benefit_now="100", electricity="400",
                    rent_new="750", charges_new="60", benefit_new="100")
    # after: RAC 710, RAV (1500 − 1110) ÷ 60 = 6.50 → at the threshold, rule kept, but TE 710 ÷ 1500 = 47.33 %
    assert (data(page, "reste-a-vivre-apres"), data(page, "taux-effort-apres")) == ("6.50", "47.33")
    assert data(page, "verdict") == "watch"
    page = simulate(client, people="2", resources="1500", rent_now="400", benefit_now="100", electricity="400",
                    rent_new="760", charges_new="60", benefit_new="100")
    # after: RAV (1500 − 1120) ÷ 60 = 6.33: from above 6.50 € to below
    assert data(page, "verdict") == "not_affordable"
    text = page.text(".sim-verdict")
    assert "ne respecte pas" in text and "refuser" in text and "par écrit" in text
    assert "6,50 €" in text
    assert page.soup.select("td.sim-alert .sim-flag")


@pytest.mark.parametrize(
    ("written", "expected"),
    [("1 234,50", "1234.50"), ("1234.5", "1234.50"), ("450 €", "450.00"), ("1.234,50", "1234.50"),
     ("1\u202f234,50\u00a0€", "1234.50"), ("٤٥٠", "450.00")],
)
def test_french_number_formats(client, written: str, expected: str) -> None:
    page = simulate(client, people="1", resources="5000", rent_now=written)
    assert data(page, "reste-a-charge") == expected
    assert field(page, "rent_now")["value"] == written, "the figure is shown as it was typed"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("people", "", "Écrivez le nombre de personnes"),
        ("people", "0", "entre 1 et 30"),
        ("people", "2,5", "nombre entier"),
        ("people", "45", "entre 1 et 30"),
        ("people", "trois", "en chiffres"),
        ("resources", "", "Écrivez un montant"),
        ("resources", "beaucoup", "seulement un nombre"),
        ("rent_now", "", "Écrivez un montant"),
        ("rent_now", "-450", "signe moins"),
        ("charges_now", "1.234", "2 chiffres après la virgule"),
        ("benefit_now", "250000", "trop grand"),
        ("gas", "trente", "seulement un nombre"),
        ("landlord_plan", "12,345", "2 chiffres après la virgule"),
    ],
)
def test_each_invalid_figure_gets_a_message_next_to_its_field(client, name: str, value: str, message: str) -> None:
    page = simulate(client, **{**EXAMPLE, name: value})
    field_id = "field-" + name.replace("_", "-")
    error = page.soup.select_one(f"#{field_id}-error")
    assert error is not None and message in error.get_text()
    assert error.find_parent(class_="sim-field") is field(page, name).find_parent(class_="sim-field")
    invalid = field(page, name)
    assert invalid["aria-invalid"] == "true"
    assert f"{field_id}-error" in invalid["aria-describedby"].split()
    assert invalid["value"] == value, "the typed value is kept"
    kept = {n: field(page, n)["value"] for n in EXAMPLE if n != name}
    assert kept == {n: v for n, v in EXAMPLE.items() if n != name}, "the other values are kept"
    assert len(page.soup.select("[aria-invalid]")) == 1
    assert page.soup.select_one(f".error-summary a[href='#{field_id}']")
    assert not page.soup.select(".sim-result"), "no result from wrong figures"
    assert page.text("title").startswith("Erreur")


def test_several_errors_at_once(client) -> None:
    page = simulate(client, people="0", resources="abc", rent_now="-3", charges_new="30")
    invalid = sorted(i["name"] for i in page.soup.select("[aria-invalid=true]"))
    assert invalid == ["people", "rent_new", "rent_now", "resources"]
    assert "loyer du logement proposé" in page.text("#field-rent-new-error")
    assert field(page, "charges_new")["value"] == "30"


def test_zero_people_is_a_message_not_a_crash(client) -> None:
    page = simulate(client, **{**EXAMPLE, "people": "0"})
    assert page.status == 200
    assert "Écrivez un nombre entre 1 et 30" in page.text("#field-people-error")


def test_zero_resources_gives_a_result_and_a_message(client) -> None:
    page = simulate(client, people="2", resources="0", rent_now="300", charges_now="50", benefit_now="0")
    # RAV (0 − 350) ÷ 60 = −5.83; no effort rate without resources
    assert (data(page, "reste-a-charge"), data(page, "taux-effort"), data(page, "reste-a-vivre")) == (
        "350.00", "", "-5.83")
    assert data(page, "verdict") == "watch"
    assert "Sans ressources" in page.text("[data-taux-effort]")
    assert "Il manque 5,83 €" in page.text("[data-reste-a-vivre]")


def test_zero_resources_before_and_after(client) -> None:
    page = simulate(client, people="1", resources="0", rent_now="300", rent_new="250")
    assert (data(page, "taux-effort-avant"), data(page, "taux-effort-apres")) == ("", "")
    assert "Pas calculé" in page.text("[data-taux-effort-avant]")
    assert data(page, "verdict") == "watch"


def test_a_benefit_larger_than_the_cost_is_pointed_out(client) -> None:
    page = simulate(client, people="1", resources="900", rent_now="300", charges_now="20", benefit_now="400")
    assert data(page, "reste-a-charge") == "0.00"
    note = page.soup.select_one("#field-benefit-now-note")
    assert note is not None and "plus grande que le loyer" in note.get_text()
    assert "field-benefit-now-note" in field(page, "benefit_now")["aria-describedby"].split()
    assert not page.soup.select("[aria-invalid]"), "a note, not an error: the result is still given"


def test_expenses_are_optional_and_add_up(client) -> None:
    page = simulate(client, people="1", resources="1000", rent_now="400")
    assert data(page, "reste-a-vivre") == "20.00"  # (1000 − 400) ÷ 30
    all_kinds = {kind: "10" for kind in EXPENSE_KINDS}  # 10 kinds × 10 € = 100 €
    page = simulate(client, people="1", resources="1000", rent_now="400", **all_kinds)
    assert data(page, "reste-a-vivre") == "16.67"  # (1000 − 500) ÷ 30 = 16.666…


def test_the_result_can_be_bookmarked(client) -> None:
    first = simulate(client, **FAMILY)
    again = client.get("/simulator/all?" + urlencode(FAMILY))
    assert again.status_code == 200
    assert visible_text(first.soup).count("417,50 €") >= 1
    assert 'data-reste-a-charge-avant="417.50"' in again.get_data(as_text=True)


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_the_page_renders_in_every_language(client, lang: str) -> None:
    empty = get_page(client, "/simulator/all", lang)
    assert empty.soup.select_one("form.sim-form")
    single = simulate(client, lang, **EXAMPLE)
    assert (data(single, "reste-a-charge"), data(single, "taux-effort"), data(single, "reste-a-vivre")) == (
        "280.00", "20.00", "9.11"), "data attributes use a dot decimal in every language"
    both = simulate(client, lang, **FAMILY)
    assert data(both, "verdict") == "watch"
    wrong = simulate(client, lang, **{**EXAMPLE, "resources": "abc"})
    assert wrong.soup.select_one("#field-resources-error")


# --- amounts in the page's language ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("locale", "text", "value"),
    [
        ("en", "1,650", "1650"),  # an English thousands separator in English
        ("en", "1,650.50", "1650.50"),
        ("en", "1650.5", "1650.5"),
        ("fr", "1 650,50", "1650.50"),
        ("fr", "1650,5", "1650.5"),
        ("fr", "1\u202f650,50", "1650.50"),
        ("fr", "1.650,50", "1650.50"),  # both marks: the last one is the decimal mark
        ("pt", "1.650,50", "1650.50"),
        ("pt", "1.650", "1650"),  # the Portuguese thousands separator
        ("pt", "1650.50", "1650.50"),  # a phone keypad's point: not a thousands group, so the decimal mark
        ("tr", "1.650,50", "1650.50"),
        ("tr", "1.650", "1650"),
        ("ar", "١٬٦٥٠٫٥٠", "1650.50"),  # Arabic-Indic digits with the Arabic marks
        ("ar", "1,650.50", "1650.50"),
        ("ar", "1650,5", "1650.5"),
        ("ar", "٤٥٠", "450"),
    ],
)
def test_amounts_are_read_in_the_pages_language(locale: str, text: str, value: str) -> None:
    assert parse_amount(text, locale=locale) == Decimal(value), f"{text!r} in {locale}"


@pytest.mark.parametrize(
    ("locale", "text", "code"),
    [
        # A French reader reads the comma as the cents mark: "1,650" has three decimals, which euros do not have.
        # Guessing 1 650 € or 1,65 € could be 1 000 times wrong, so the field asks again (at most 2 decimals).
        ("fr", "1,650", "decimals"),
        ("fr", "1.650", "decimals"),  # 1,650 € or 1 650 €? asked, never guessed
        ("en", "1.650", "decimals"),  # in English the point is the decimal mark
        ("en", "1,2,3", "invalid"),
        ("pt", "12.34,5", "invalid"),
        ("en", "-5", "negative"),
    ],
)
def test_amounts_the_pages_language_cannot_read_are_refused(locale: str, text: str, code: str) -> None:
    with pytest.raises(BadFigure) as raised:
        parse_amount(text, locale=locale)
    assert raised.value.code == code, f"{text!r} in {locale}: {raised.value.code}"


def test_english_1650_is_one_thousand_six_hundred_and_fifty_on_the_page(client) -> None:
    english = simulate(client, "en", people="1", resources="5,000", rent_now="1,650")
    assert data(english, "reste-a-charge") == "1650.00", "1,650 in English is 1 650"
    assert "€1,650.00" in english.text(".sim-result"), "results in the English writing of numbers"
    french = simulate(client, "fr", people="1", resources="5000", rent_now="1,650")
    assert "2 chiffres après la virgule" in french.text("#field-rent-now-error")
    assert not french.soup.select(".sim-result")


# --- the question pages ---------------------------------------------------------------------------

STEP_URLS = ["/simulator/household", "/simulator/income", "/simulator/expenses", "/simulator/current-home",
             "/simulator/offered-home"]


def path_and_query(location: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(location)
    return parts.path, dict(parse_qsl(parts.query))


def send_step(client, url: str, lang: str = "fr", **figures: str):  # type: ignore[no-untyped-def]
    """Send one step's form as the browser does (GET with the hidden answers and sent=1)."""
    return client.get(url + "?" + urlencode({**figures, "sent": "1", "lang": lang}))


def test_the_start_page_leads_to_the_steps_and_to_the_one_page_form(client) -> None:
    page = get_page(client, "/simulator")
    assert page.soup.select_one("a[data-start]")["href"] == "/simulator/household"
    assert page.soup.select_one("a[data-all-on-one-page]")["href"] == "/simulator/all"
    assert not page.soup.select("form input"), "the start page asks nothing"
    again = client.get("/simulator")
    assert again.headers["Cache-Control"].startswith("public"), "the same page for everyone: cacheable"


def test_walk_the_five_steps_to_the_check_page_and_the_result(client) -> None:
    answers: dict[str, str] = {}
    step_figures = [{"people": "4"}, {"resources": "1 250"}, {"taxes": "410,25"},
                    {"rent_now": "520,40", "charges_now": "95.10", "benefit_now": "198"},
                    {"rent_new": "560", "charges_new": "110", "benefit_new": "262,50", "hlm_new": "1"}]
    for number, (url, figures) in enumerate(zip(STEP_URLS, step_figures, strict=True), start=1):
        page = get_page(client, url + ("?" + urlencode(answers) if answers else ""))
        assert page.text("[data-progress]") == f"Étape {number} sur 5"
        hidden = {i["name"]: i["value"] for i in page.soup.select("form.sim-step input[type=hidden]")}
        assert hidden == {**answers, "sent": "1"}, f"step {number} carries the answers given so far"
        visible = {i["name"] for i in page.soup.select("form.sim-step input:not([type=hidden])")}
        assert set(figures) <= visible, f"step {number} asks {figures}"
        answers.update(figures)
        sent = send_step(client, url, **answers)
        assert sent.status_code == 303, f"step {number} answered: on to the next page"
        path, kept = path_and_query(sent.headers["Location"])
        assert path == (STEP_URLS[number] if number < 5 else "/simulator/check")
        assert kept == answers, "the answers ride in the address, nothing else"
    check = get_page(client, "/simulator/check?" + urlencode(answers))
    assert [h.get_text() for h in check.soup.select("main h2")] == [
        "Qui vit chez vous ?", "L'argent qui rentre chaque mois", "Vos dépenses obligatoires",
        "Votre logement aujourd'hui", "Le logement proposé"]
    result_link = check.soup.select_one("a[data-see-result]")["href"]
    result = get_page(client, result_link)
    one_page = simulate(client, **FAMILY)
    for name in ("reste-a-charge-avant", "reste-a-charge-apres", "taux-effort-avant", "taux-effort-apres",
                 "reste-a-vivre-avant", "reste-a-vivre-apres", "verdict"):
        assert data(result, name) == data(one_page, name), f"{name}: the steps and the one-page form agree"
    assert data(result, "reste-a-charge-avant") == "417.50"


def test_back_keeps_the_answers(client) -> None:
    page = get_page(client, "/simulator/expenses?people=2&resources=900")
    back = page.soup.select_one("a[data-back]")["href"]
    assert path_and_query(back) == ("/simulator/income", {"people": "2", "resources": "900"})
    previous = get_page(client, back)
    assert previous.soup.select_one("#field-resources")["value"] == "900", "the answer is shown again"
    assert not previous.soup.select(".error"), "coming back is not sending: no message"
    first = get_page(client, "/simulator/household?people=2")
    assert first.soup.select_one("a[data-back]")["href"] == "/simulator"


@pytest.mark.parametrize(
    ("url", "figures", "lang", "field_name", "message"),
    [
        ("/simulator/household", {}, "fr", "people", "Écrivez le nombre de personnes"),
        ("/simulator/household", {}, "en", "people", "Write the number of people"),
        ("/simulator/household", {"people": "0"}, "fr", "people", "Écrivez un nombre entre 1 et 30"),
        ("/simulator/household", {"people": "0"}, "en", "people", "Write a number from 1 to 30"),
        ("/simulator/household", {"people": "45"}, "pt", "people", "Escreva um número de 1 a 30"),
        ("/simulator/household", {"people": "3", "adults": "3"}, "fr", "adults", "Écrivez 1 ou 2"),
        ("/simulator/household", {"people": "3", "children": "40"}, "fr", "children",
         "Écrivez un nombre entre 0 et 30"),
        ("/simulator/household", {"people": "2", "adults": "1", "children": "2"}, "fr", "children",
         "plus que le nombre de personnes"),
        ("/simulator/income", {"people": "3"}, "fr", "resources", "Écrivez un montant"),
        ("/simulator/income", {"people": "3"}, "en", "resources", "Write an amount"),
        ("/simulator/income", {"resources": "1,650"}, "fr", "resources", "2 chiffres après la virgule"),
        ("/simulator/expenses", {"gas": "trente"}, "fr", "gas", "seulement un nombre"),
        ("/simulator/expenses", {"gas": "thirty"}, "en", "gas", "Write only a number"),
        ("/simulator/current-home", {}, "fr", "rent_now", "Écrivez un montant"),
        ("/simulator/current-home", {"rent_now": "400", "commune_now": "Atlantis"}, "fr", "commune_now",
         "Nous ne trouvons pas cette commune"),
        ("/simulator/offered-home", {"charges_new": "30"}, "fr", "rent_new", "loyer du logement proposé"),
    ],
)
def test_each_step_checks_its_own_fields_in_the_users_language(client, url, figures, lang, field_name,
                                                               message) -> None:  # type: ignore[no-untyped-def]
    response = send_step(client, url, lang, **figures)
    assert response.status_code == 200, f"{url} with {figures}: stays on the step to say what is wrong"
    page = Page(200, BeautifulSoup(response.get_data(as_text=True), "html.parser"), response)
    check_page(page.soup, lang)
    field_id = "field-" + field_name.replace("_", "-")
    assert message in page.text(f"#{field_id}-error"), page.text(f"#{field_id}-error")
    assert [i["name"] for i in page.soup.select("[aria-invalid=true]")] == [field_name], "only this step's field"
    assert page.soup.select_one(f".error-summary a[href='#{field_id}']"), "the summary links to the field"
    assert page.text("title").startswith(("Erreur", "Error", "Erro")), page.text("title")
    kept = {i["name"]: i.get("value") for i in page.soup.select("form.sim-step input") if i["name"] in figures}
    assert kept == figures, "what was typed is shown again"


def test_the_check_page_shows_each_answer_in_the_pages_writing_with_a_change_link(client) -> None:
    answers = {"people": "3", "adults": "2", "resources": "1650,5", "electricity": "40", "rent_now": "450",
               "commune_now": "Lille"}
    french = get_page(client, "/simulator/check?" + urlencode(answers))
    shown = {dd["data-answer"]: " ".join(dd.get_text().replace("\u202f", " ").split())
             for dd in french.soup.select("dd[data-answer]")}
    assert shown["resources"] == "1 650,50 €" and shown["people"] == "3" and shown["commune_now"] == "Lille"
    assert shown["children"] == "Rien écrit" and shown["rent_new"] == "Pas de logement proposé"
    assert "gas" not in shown, "only the expenses typed are listed"
    english = get_page(client, "/simulator/check?" + urlencode({**answers, "resources": "1,650.50"}), "en")
    assert english.text("dd[data-answer=resources]") == "€1,650.50", "English writing on an English page"
    change = french.soup.select_one("dl[data-check=income] dd.change a")
    path, kept = path_and_query(change["href"].split("#")[0])
    assert (path, change["href"].split("#")[1]) == ("/simulator/income", "field-resources")
    assert kept == {**answers, "return": "check"}
    assert "Ressources du foyer" in change.select_one(".visually-hidden").get_text()
    step = get_page(client, change["href"].split("#")[0])
    assert step.soup.select_one("a[data-back]")["href"].startswith("/simulator/check?"), "back to the check page"
    assert step.soup.select_one("form.sim-step input[name=return]")["value"] == "check"
    sent = send_step(client, "/simulator/income", **{**answers, "resources": "1700", "return": "check"})
    path, kept = path_and_query(sent.headers["Location"])
    assert sent.status_code == 303 and path == "/simulator/check", "a change returns to the check page"
    assert kept == {**answers, "resources": "1700"}


def test_the_check_page_sends_a_wrong_or_missing_answer_back_to_its_step(client) -> None:
    empty = client.get("/simulator/check")
    assert (empty.status_code, empty.headers["Location"]) == (303, "/simulator/household")
    wrong = client.get("/simulator/check?" + urlencode({"people": "3", "resources": "1400", "rent_now": "-4"}))
    path, kept = path_and_query(wrong.headers["Location"])
    assert wrong.status_code == 303 and path == "/simulator/current-home" and kept["sent"] == "1"
    missing = client.get("/simulator/result?people=3&rent_now=400")
    assert path_and_query(missing.headers["Location"])[0] == "/simulator/income"


def test_not_social_housing_rides_with_the_answers(client) -> None:
    sent = send_step(client, "/simulator/offered-home", people="2", resources="900", rent_now="300",
                     rent_new="350", hlm_new="0")
    _path, kept = path_and_query(sent.headers["Location"])
    assert kept["hlm_new"] == "0"
    page = get_page(client, "/simulator/offered-home?" + urlencode(kept))
    assert page.soup.select_one("#field-hlm-new-no").has_attr("checked")
    check = get_page(client, "/simulator/check?" + urlencode(kept))
    assert check.text("dd[data-answer=hlm_new]") == "Non"


def test_an_empty_one_page_form_says_what_is_missing(client) -> None:
    page = get_page(client, "/simulator/all?sent=1")
    invalid = sorted(i["name"] for i in page.soup.select("[aria-invalid=true]"))
    assert invalid == ["people", "rent_now", "resources"], "the three figures the result needs"
    assert "Écrivez le nombre de personnes" in page.text("#field-people-error")
    assert len(page.soup.select(".error-summary li")) == 3


def test_an_address_of_the_first_version_opens_the_one_page_result(client) -> None:
    old = client.get("/simulator?" + urlencode({"people": "1", "resources": "900", "rent_now": "300",
                                                "rent_new": "350"}))
    path, kept = path_and_query(old.headers["Location"])
    assert old.status_code == 301 and path == "/simulator/all"
    assert kept["hlm_new"] == "0", "that form's unticked box meant: not social housing"


def test_pages_with_answers_are_never_kept_by_a_cache(client) -> None:
    empty = client.get("/simulator/household")
    assert empty.headers["Cache-Control"].startswith("public")
    for url in ("/simulator/income?people=3", "/simulator/check?people=3&resources=900&rent_now=300",
                "/simulator/result?people=3&resources=900&rent_now=300", "/simulator/all?people=3&resources=900"
                "&rent_now=300"):
        response = client.get(url)
        assert response.status_code == 200
        assert "public" not in response.headers.get("Cache-Control", ""), f"{url}: someone's figures, not public"
    stored = client.application.extensions["page_cache"].entries
    assert not [key for key in stored if "people" in str(key)], "no one's figures in the page cache"

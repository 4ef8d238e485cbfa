"""Random input into every form (households, staff, public): never a server error, bad input answered with a 4xx or
the form again with its message. The forms are read from the pages themselves (every named control, its options)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.helpers import (
    FUZZ,
    PHONE,
    World,
    assert_answered,
    csrf,
    dates,
    form_data,
    fuzz_text,
    make_world,
    read_form,
    reset_limits,
    send,
    soup_of,
)


@dataclass(frozen=True)
class Case:
    """One form: who fills it, the page that shows it and where it posts (both built from the world's ids)."""

    client: str
    page: Callable[[World], str]
    action: Callable[[World], str]
    overrides: Callable[[], dict] | None = None


def _staff_file(w: World) -> str:
    return f"/staff/households/{w.household_id}"


def _staff(suffix: str) -> Callable[[World], str]:
    return lambda w: f"/staff/households/{w.household_id}/{suffix.format(w=w)}"


def _plan(client: str, page: str, action: str) -> Case:
    if client == "household":
        return Case(client, lambda w: f"/my/plan{page}", lambda w: f"/my/plan{action}")
    return Case(client, lambda w: f"/staff/households/{w.household_id}/plan{page}",
                lambda w: f"/staff/households/{w.household_id}/plan{action}")


CASES: dict[str, Case] = {
    # the household space
    "household:sign-in phone": Case("anonymous", lambda w: "/sign-in", lambda w: "/sign-in"),
    "household:change request": Case("household", lambda w: f"/my/appointments/{w.appointment_id}/change",
                                     lambda w: f"/my/appointments/{w.appointment_id}/change"),
    "household:answer or refusal": Case(
        "household", lambda w: f"/my/proposals/{w.proposal_id}/answer",
        lambda w: f"/my/proposals/{w.proposal_id}/answer",
        lambda: {"step": st.one_of(st.sampled_from(["review", "send", "edit"]), fuzz_text)}),
    "household:mediation request": Case("household", lambda w: "/my/mediation", lambda w: "/my/mediation"),
    "household:addition to a request": Case("household", lambda w: f"/my/requests/{w.reference}",
                                            lambda w: f"/my/requests/{w.reference}"),
    # the action plan, on both sides
    **{f"{side}:plan {kind}": _plan(side, page, f"/add/{kind}")
       for side in ("household", "mediator")
       for kind, page in (("brake", ""), ("action", ""), ("trip", "/profile"), ("attachment", "/profile"),
                          ("visit", "/visits"))},
    **{f"{side}:plan {kind}": _plan(side, f"/edit/{kind}", f"/edit/{kind}")
       for side in ("household", "mediator") for kind in ("phases", "wishes")},
    # staff
    "staff:login": Case("anonymous", lambda w: "/staff/login", lambda w: "/staff/login"),
    "staff:household facts": Case("officer", _staff_file, _staff("facts")),
    "staff:new proposal": Case("officer", _staff_file, _staff("proposals")),
    "staff:proposal decision": Case("officer", _staff_file, _staff("proposals/{w.proposal_id}")),
    "staff:new appointment": Case("officer", _staff_file, _staff("appointments")),
    "staff:appointment update": Case("officer", _staff_file, _staff("appointments/{w.appointment_id}")),
    "staff:budget": Case("officer", _staff_file, _staff("budget")),
    "staff:contact note": Case("officer", _staff_file, _staff("notes")),
    "staff:phones": Case("officer", _staff_file, _staff("phones")),
    "staff:consents": Case("officer", _staff_file, _staff("consents")),
    "staff:sms reply": Case("officer", _staff_file, _staff("sms"),
                            lambda: {"action": st.one_of(st.sampled_from(["send", "count"]), fuzz_text)}),
    "staff:sms template picker": Case("officer", _staff_file, _staff_file),
    "staff:mediation case": Case("group", lambda w: f"/staff/mediation/{w.case_id}",
                                 lambda w: f"/staff/mediation/{w.case_id}"),
    # public
    "public:simulator": Case("anonymous", lambda w: "/simulator/all", lambda w: "/simulator/all"),
    "public:simulator step": Case("anonymous", lambda w: "/simulator/household?people=3&resources=900",
                                  lambda w: "/simulator/household"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_random_input_into_a_form_never_breaks_the_server(app, ctx, name) -> None:
    case = CASES[name]
    world = make_world(app)
    client = getattr(world, case.client)
    page = client.get(case.page(world))
    assert page.status_code == 200, f"{name}: {case.page(world)} gave {page.status_code}"
    spec = read_form(soup_of(page), case.action(world))
    if spec.method == "post":
        assert "csrf_token" in spec.fields, f"{name}: a form that changes something carries a CSRF token"

    @FUZZ
    @given(data=form_data(spec, case.overrides() if case.overrides else None), htmx=st.booleans())
    def fill(data: dict, htmx: bool) -> None:
        reset_limits()
        assert_answered(send(client, spec, data, headers={"HX-Request": "true"} if htmx else None), name)

    fill()


def test_random_sign_in_codes(app, ctx) -> None:
    world = make_world(app)
    client = world.anonymous
    token = csrf(soup_of(client.get("/sign-in")))
    assert client.post("/sign-in", data={"csrf_token": token, "phone": PHONE}).status_code == 303
    spec = read_form(soup_of(client.get("/sign-in/code")), "/sign-in/code")

    @FUZZ
    @given(data=form_data(spec, {"code": st.one_of(st.from_regex(r"\s*\d(\s*\d){5}\s*", fullmatch=True),
                                                    fuzz_text)}))
    def fill(data: dict) -> None:
        reset_limits()
        assert_answered(send(client, spec, data), "sign-in code")

    fill()


def test_random_personal_link_tokens(app, ctx) -> None:
    world = make_world(app)
    client = world.anonymous
    token = csrf(soup_of(client.get("/sign-in")))

    @FUZZ
    @given(link=st.one_of(fuzz_text, st.text(alphabet="abcdefABCDEF0123456789-_", max_size=90)).filter(
        lambda s: s and "/" not in s and s not in (".", "..")))
    def follow(link: str) -> None:
        reset_limits()
        assert_answered(client.get(f"/k/{quote(link)}"), "personal link (open)")
        assert_answered(client.post(f"/k/{quote(link)}", data={"csrf_token": token}), "personal link (use)")
        for url in (f"/my/requests/{quote(link)}", f"/my/requests/{quote(link)}/letter"):
            assert_answered(world.household.get(url), "request reference")
        assert_answered(world.group.get(f"/staff/requests/{quote(link)}/letter"), "request reference (staff)")

    follow()


def test_random_photos_and_csv_files(app, ctx) -> None:
    """Uploads: random bytes under any name, as photos of a mediation request and as the staff CSV import."""
    world = make_world(app)
    mediation = read_form(soup_of(world.household.get("/my/mediation")), "/my/mediation")
    import_form = read_form(soup_of(world.admin.get("/staff/import")), "/staff/import")
    names = st.one_of(st.sampled_from(["photo.jpg", "a.png", "x.gif", "menages.csv", "menages.txt", "", ".csv",
                                       "../../x.csv", "\u202egpj.exe"]), fuzz_text)
    csv_rows = st.lists(st.lists(fuzz_text, max_size=14).map(";".join), max_size=6).map(
        lambda rows: "reference;nom;langue;personnes;telephone;accord_sms;operation;commune;charge_email;"
                     "mediateur_email;etape;papiers_le\n" + "\n".join(rows))
    encodings = st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1"])
    csv_bytes = st.one_of(st.binary(max_size=3000), st.builds(
        lambda text, enc: text.encode(enc, errors="replace"), csv_rows, encodings))

    @FUZZ
    @given(photos=st.lists(st.tuples(st.binary(max_size=3000), names), max_size=4), text=fuzz_text,
           csv=csv_bytes, csv_name=names)
    def upload(photos: list, text: str, csv: bytes, csv_name: str) -> None:
        reset_limits()
        data = {"csrf_token": mediation.fields["csrf_token"].value, "key": mediation.fields["key"].value,
                "what_happened": text, "photos": [(io.BytesIO(content), name) for content, name in photos]}
        assert_answered(world.household.post("/my/mediation", data=data, content_type="multipart/form-data"),
                        "mediation photos")
        data = {"csrf_token": import_form.fields["csrf_token"].value, "file": (io.BytesIO(csv), csv_name)}
        assert_answered(world.admin.post("/staff/import", data=data, content_type="multipart/form-data"),
                        "CSV import")

    upload()


def test_random_sms_counter_inbox_and_template_requests(app, ctx) -> None:
    world = make_world(app)
    token = csrf(soup_of(world.officer.get(f"/staff/households/{world.household_id}")))
    base = f"/staff/households/{world.household_id}"

    @FUZZ
    @given(text=fuzz_text, template=fuzz_text, next_url=st.one_of(fuzz_text, st.sampled_from(
        ["//evil.example", "https://evil.example/", "/staff/", "javascript:alert(1)"])), query=fuzz_text)
    def poke(text: str, template: str, next_url: str, query: str) -> None:
        reset_limits()
        for headers in ({}, {"HX-Request": "true"}):
            assert_answered(world.officer.post(f"{base}/sms/count", data={"csrf_token": token, "sms-text": text},
                                               headers=headers), "SMS counter")
            assert_answered(world.officer.get(f"{base}/sms/template", query_string={"sms_template": template},
                                              headers=headers), "SMS template")
        assert_answered(world.officer.get("/staff/sms/inbox", query_string={"all": query, "page": query}),
                        "SMS inbox")
        assert_answered(world.group.get("/staff/mediation", query_string={"all": query}), "mediation inbox")
        done = world.officer.post(f"/staff/sms/inbox/{world.inbound_id}/done",
                                  data={"csrf_token": token, "next": next_url})
        assert_answered(done, "SMS done")
        if done.status_code in (302, 303):
            location = done.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), f"open redirect to {location}"

    poke()


def _flow_steps(app) -> dict[str, dict[str, list[str]]]:
    with app.app_context():
        flows = app.extensions["content"].flows
        return {fid: {step.id: [c.id for c in getattr(step, "choices", ()) or ()] for step in flow.steps.values()
                      if step.kind != "result"} for fid, flow in flows.items()}


def test_random_answers_in_the_guided_questions_url(app, client) -> None:
    steps = _flow_steps(app)

    @st.composite
    def walk(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
        flow_id = draw(st.sampled_from(sorted(steps)))
        params = {}
        for step_id, choices in steps[flow_id].items():
            answer = draw(st.one_of(st.sampled_from(choices) if choices else dates, dates.map(
                lambda d: "/".join(reversed(d.split("-")))), fuzz_text, st.none()))
            if answer is not None:
                params[step_id] = answer
        at = draw(st.one_of(st.none(), st.sampled_from(sorted(steps[flow_id])), fuzz_text))
        if at is not None:
            params["at"] = at
        return flow_id, params

    @FUZZ
    @given(walk=walk(), lang=st.one_of(st.sampled_from(["fr", "ar", "en", "tr", "pt"]), fuzz_text))
    def answer(walk: tuple[str, dict[str, str]], lang: str) -> None:
        flow_id, params = walk
        assert_answered(client.get(f"/flows/{flow_id}", query_string={**params, "lang": lang}), flow_id)

    answer()


def test_random_feedback_language_and_public_urls(app, client) -> None:
    page = client.get("/journey")
    stage_link = next(a["href"] for a in soup_of(page).select("a[href^='/journey/']"))
    stage = soup_of(client.get(stage_link))
    form = stage.find("form", action="/feedback")
    assert form is not None, "stage pages carry the feedback form"
    spec = read_form(stage, "/feedback")
    public_pages = ["/", "/journey", stage_link, "/pages", "/glossary", "/flows", "/language", "/simulator",
                    "/sign-in", "/staff/login", "/signed-out"]

    @FUZZ
    @given(data=form_data(spec, {"useful": st.one_of(st.sampled_from(["yes", "no"]), fuzz_text),
                                 "page": st.one_of(st.just(spec.fields["page"].value), st.from_regex(
                                     r"(stages|pages|flows)/[a-z0-9-]{1,20}", fullmatch=True), fuzz_text)}),
           code=fuzz_text, lang=fuzz_text, path=st.sampled_from(public_pages), next_url=fuzz_text)
    def poke(data: dict, code: str, lang: str, path: str, next_url: str) -> None:
        reset_limits()
        assert_answered(send(client, spec, data, headers={"Sec-Fetch-Site": "same-origin"}), "feedback")
        assert_answered(send(client, spec, data, headers={"Sec-Fetch-Site": "cross-site"}), "feedback (cross-site)")
        assert_answered(client.get(path, query_string={"lang": lang, "next": next_url, "expired": code}), path)
        if code and "/" not in code and code not in (".", ".."):
            assert_answered(client.get(f"/language/{quote(code)}", query_string={"next": next_url}), "language")
            assert_answered(client.get(f"/journey/{quote(code)}"), "stage slug")
            assert_answered(client.get(f"/pages/{quote(code)}"), "page slug")
            assert_answered(client.get(f"/flows/{quote(code)}"), "flow id")

    poke()


# --- numbers Decimal accepts but a form must refuse (found by the fuzzing above) ----------------------------------

ODD_NUMBERS = ["sNaN", "NaN", "Infinity", "-inf", "1e309", "99999999999", "9" * 40]


@pytest.mark.parametrize("name", ["staff:new proposal", "staff:budget"])
def test_odd_numbers_in_staff_amounts_are_refused_with_a_message(app, ctx, name) -> None:
    """Was a 500: "sNaN" made NumberRange raise, and an unbounded rent overflowed NUMERIC(10, 2) on PostgreSQL."""
    case = CASES[name]
    world = make_world(app)
    spec = read_form(soup_of(world.officer.get(case.page(world))), case.action(world))
    data = {n: f.value for n, f in spec.fields.items() if f.kind not in ("checkbox", "radio")}
    data.update({"new-proposal-address": "1 rue", "new-proposal-commune": "Lille", "new-proposal-landlord": "LMH",
                 "new-proposal-received_on": "2026-11-10"} if name == "staff:new proposal" else {})
    amounts = [n for n, f in spec.fields.items() if f.kind == "text" and any(
        k in n for k in ("rent", "charges", "benefit", "surface", "resources", "expense"))]
    assert amounts, "the form has amount fields"
    for field_name in amounts[:4]:
        for value in ODD_NUMBERS:
            response = send(world.officer, spec, {**data, field_name: value})
            assert response.status_code == 422, f"{field_name}={value!r}: {response.status_code}"
            assert_answered(response, f"{field_name}={value!r}")


def test_odd_number_in_a_plan_trip_cost_is_refused(app, ctx) -> None:
    world = make_world(app)
    spec = read_form(soup_of(world.household.get("/my/plan/profile")), "/my/plan/add/trip")
    data = {n: f.value for n, f in spec.fields.items() if f.kind not in ("checkbox", "radio")}
    data.update({"new-trip-place": "Lille", "new-trip-monthly_cost": "sNaN"})
    assert send(world.household, spec, data).status_code == 422


# --- CSRF tokens stay hidden (found while reading the forms above) ---------------------------------------------

def _visible_token_boxes(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    soup = soup_of(client.get(url))
    return [i["name"] for i in soup.select("input[name$='csrf_token']") if i.get("type", "text") != "hidden"]


def test_staff_forms_keep_their_csrf_token_hidden(app, ctx) -> None:
    """Was a visible "CSRF Token" text box in every prefixed staff form (the template skipped `name`, which
    carries the prefix, instead of `short_name`)."""
    world = make_world(app)
    assert _visible_token_boxes(world.officer, f"/staff/households/{world.household_id}") == []


def test_plan_forms_keep_their_csrf_token_hidden(app, ctx) -> None:
    world = make_world(app)
    assert _visible_token_boxes(world.household, "/my/plan") == []


def test_nul_characters_are_dropped_from_what_people_write(app, ctx) -> None:
    """Was a 500 on PostgreSQL (text columns refuse NUL): a contact note and a mediation request holding one."""
    world = make_world(app)
    staff_file = f"/staff/households/{world.household_id}"
    spec = read_form(soup_of(world.officer.get(staff_file)), f"{staff_file}/notes")
    data = {n: f.value for n, f in spec.fields.items()}
    assert send(world.officer, spec, {**data, "note-on": "2026-11-20", "note-text": "a\x00b"}).status_code == 303
    assert "ab" in soup_of(world.officer.get(staff_file)).get_text()
    spec = read_form(soup_of(world.household.get("/my/mediation")), "/my/mediation")
    data = {n: f.value for n, f in spec.fields.items() if f.kind != "file"}
    assert send(world.household, spec, {**data, "what_happened": "\x00x\x00"}).status_code == 303
    for client, url in ((world.household, f"/my/requests/{world.reference}%00"), (world.anonymous, "/k/a%00b"),
                        (world.group, f"/staff/requests/{world.reference}%00/letter")):
        assert client.get(url).status_code == 404, url

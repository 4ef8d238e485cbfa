"""Random text into the SMS keyword parser (pure) and random signed bodies into the inbound webhook: no crash, ever.

The parser must answer every string with one of its intents, whatever the script, length or control characters;
its normalisation must be stable (normalising twice changes nothing). The webhook must answer every signed request
without a server error, and an unsigned or badly signed one with 403.
"""

from __future__ import annotations

import itertools
import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from guide.core.i18n import LANGUAGES
from guide.features.sms_replies import keywords
from guide.features.sms_replies.keywords import Intent, Parsed, normalize, parse
from tests.factories import make_appointment, make_household, make_proposal
from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.security.helpers import FUZZ, NASTY, arabic_text, control_text, fuzz_text

PURE = settings(FUZZ, max_examples=200)
URL = "http://localhost/sms/inbound"
_sids = itertools.count(1)

WORDS = sorted(keywords.load().phrases)
mixed = st.lists(st.one_of(st.sampled_from(WORDS), arabic_text, control_text, st.text(max_size=12),
                           st.sampled_from(["?", "؟", " ", "\u202e", "\u200f", "\ufeff", "\u0640", "١", "۲"])),
                 max_size=8).map("".join)
sms_text = st.one_of(fuzz_text, mixed, st.text(alphabet=st.characters(codec="utf-8"), max_size=2000),
                     st.sampled_from(WORDS).map(str.upper), st.builds(lambda w, rest: f"{w} {rest}",
                                                                     st.sampled_from(WORDS), fuzz_text))


def _check(parsed: Parsed, text: str) -> None:
    assert isinstance(parsed, Parsed)
    assert parsed.intent in set(Intent)
    assert parsed.normalized == normalize(text)
    assert parsed.number is None or 0 <= parsed.number <= 999
    assert isinstance(parsed.argument, str)
    if parsed.intent is Intent.LANGUAGE:
        assert parsed.argument in ("", *LANGUAGES)
    if parsed.intent is not Intent.MEDIATION:
        assert parsed.argument in ("", *LANGUAGES)


@PURE
@given(text=sms_text)
def test_parse_never_raises_and_returns_a_known_intent(text: str) -> None:
    _check(parse(text), text)


@PURE
@given(text=sms_text)
def test_normalisation_is_idempotent_and_plain(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip() and "  " not in once
    assert not any(ch in once for ch in "\t\r\n\x00\u202e\u200f\ufeff\u0640")


@PURE
@given(text=sms_text)
def test_case_accents_and_surrounding_spaces_do_not_change_the_intent(text: str) -> None:
    assume(normalize(text))  # an empty SMS goes to a person, a blank one gets the menu (like a lone "?")
    assert parse(f"  {text.upper()}\n").intent == parse(text.upper()).intent
    assert parse(text).intent == parse(f" {text}\t").intent


@PURE
@given(word=st.sampled_from(WORDS), noise=st.sampled_from(["", " ", "!", ".", "\u0640", " \u200f"]))
def test_every_listed_word_is_understood_even_with_noise(word: str, noise: str) -> None:
    parsed = parse(word.upper() + noise)
    assert parsed.intent is keywords.load().phrases[word]


@settings(FUZZ, max_examples=20)
@given(size=st.integers(10_000, 200_000), alphabet=st.sampled_from([string.printable, "مرحبا ", "é\u0301\x00\x07"]))
def test_very_long_messages(size: int, alphabet: str) -> None:
    text = (alphabet * (size // len(alphabet) + 1))[:size]
    _check(parse(text), text)


def test_the_nasty_corpus() -> None:
    for text in NASTY:
        _check(parse(text), text)


# --- the signed webhook ---------------------------------------------------------------------------------------

phone = st.one_of(st.sampled_from(["+33612345678", "+33600000000", "", "RELOGEMENT", "+1", "0612345678"]),
                  st.from_regex(r"\+\d{1,16}", fullmatch=True), fuzz_text)


@st.composite
def inbound_params(draw: st.DrawFn) -> dict[str, str]:
    params = {"MessageSid": draw(st.one_of(st.just(f"SM{next(_sids):032d}"), fuzz_text)),
              "AccountSid": DEFAULT_ACCOUNT_SID, "From": draw(phone), "To": "+33700000000", "Body": draw(sms_text),
              "NumMedia": draw(st.sampled_from(["0", "1", "-1", "x"])), "NumSegments": "1"}
    extra = draw(st.dictionaries(st.sampled_from(["SmsSid", "MediaUrl0", "FromCountry", "OptOutType", "Zzz"]),
                                 fuzz_text, max_size=3))
    params.update(extra)
    return {k: v for k, v in params.items() if draw(st.booleans()) or k in ("MessageSid", "Body", "From")}


def test_random_signed_bodies_never_break_the_webhook(sms_app, ctx) -> None:
    household = make_household("+33612345678", language="ar")
    make_appointment(household)
    make_proposal(household)
    client = sms_app.test_client()
    validator = RequestValidator(DEFAULT_AUTH_TOKEN)

    @settings(FUZZ, max_examples=40)
    @given(params=inbound_params(), forged=st.booleans())
    def receive(params: dict[str, str], forged: bool) -> None:
        signature = validator.compute_signature(URL, params)
        if forged:
            signature = signature[::-1]
        response = client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code < 500
        if forged:
            assert response.status_code == 403
        else:
            assert response.status_code in (200, 400), response.status_code

    receive()


def test_compatibility_letters_are_read_as_plain_letters() -> None:
    """Found by the fuzzing: "𝐎𝐊" (styled letters some keyboards type) once stayed upper case after normalising."""
    assert normalize("𝐎𝐊") == normalize("ＯＫ") == normalize("OK") == "ok"
    assert parse("𝐎𝐊").intent is parse("OK").intent


def test_a_nul_in_an_incoming_sms_is_dropped(sms_app, ctx) -> None:
    """Was a 500 on PostgreSQL (text columns refuse NUL), found by the webhook fuzzing above."""
    params = {"MessageSid": f"SM{next(_sids):032d}", "From": "+33612345678", "To": "+33700000000",
              "Body": "Bonjour\x00 ?"}
    signature = RequestValidator(DEFAULT_AUTH_TOKEN).compute_signature(URL, params)
    response = sms_app.test_client().post("/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200

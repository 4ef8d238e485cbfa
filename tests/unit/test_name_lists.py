"""Names joined for reading are joined as a list of the reader's language (Babel's CLDR lists), not with a Latin
", " in every language: Arabic joins with "و", French ends with "et"."""

from __future__ import annotations

from guide.core.templating import names
from guide.features.plan import display
from guide.features.plan import words as plan_words


def test_names_are_joined_as_a_list_of_the_readers_language() -> None:
    fields = ["Où en est-on ?", "Qui ?", "Quoi ?"]
    assert names(fields, "fr") == "Où en est-on ?, Qui ? et Quoi ?"
    assert names(["Status", "Who?"], "en") == "Status and Who?"
    arabic = names(["أ", "ب", "ج"], "ar")
    assert ", " not in arabic and " و" in arabic, f"an Arabic list joined the Latin way: {arabic!r}"
    assert names([], "fr") == "" and names(["Seul"], "tr") == "Seul"


def test_the_plans_chosen_labels_are_a_list_in_the_households_language() -> None:
    codes = [code for code, _label in plan_words.choices("ar", "modes")][:2]
    joined = display.labels("ar", "modes", codes)
    first, second = (plan_words.label("ar", "modes", code) for code in codes)
    assert joined == f"{first} و{second}", f"the modes of a trip are not an Arabic list: {joined!r}"

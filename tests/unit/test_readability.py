"""The Kandel–Moles measure itself, on texts whose counts are known."""

import pytest

from guide.core.readability import measure, plain_text, syllables


@pytest.mark.parametrize(
    ("word", "count"),
    [("vous", 1), ("maison", 2), ("une", 1), ("votre", 1), ("relogement", 4), ("école", 2), ("l'école", 2),
     ("proposition", 4), ("oui", 1), ("a", 1), ("mes", 1), ("charges", 1)],
)
def test_syllables_are_vowel_groups_without_mute_e(word: str, count: int) -> None:
    assert syllables(word) == count


def test_measure_counts_words_sentences_and_syllables() -> None:
    result = measure("Vous avez dix jours. Vous pouvez dire non !")
    assert (result.words, result.sentences, result.syllables) == (8, 2, 10)
    assert result.score == pytest.approx(207 - 1.015 * 4 - 73.6 * 10 / 8)


def test_each_line_ends_a_sentence_and_markdown_is_stripped() -> None:
    text = "## Vos droits\n- Le bail\n- [La médiation](/pages/mediation)\n**Attention** : {answer_by}"
    assert plain_text(text).split() == ["Vos", "droits", "Le", "bail", "La", "médiation", "Attention", ":"]
    assert measure(text).sentences == 4


def test_long_words_and_sentences_score_lower() -> None:
    easy = measure("Vous allez voir le logement. Puis vous dites oui ou non.")
    hard = measure("L'attribution définitive du logement proposé intervient après délibération de la commission "
                   "d'attribution des logements et d'examen de l'occupation des logements.")
    assert easy.score > 90 > 40 > hard.score

"""Every language is complete, every flow has its words, and the French is plain enough to read."""

from __future__ import annotations

import re

import pytest

from guide.core.content import ACRONYM, load_flow_structures, load_journey, load_language, readability_report
from guide.core.i18n import LANGUAGES, SOURCE_LANGUAGE

OTHER_LANGUAGES = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
FRENCH = load_language("fr")
STRUCTURES = load_flow_structures()
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
COMPUTED = {
    "answer_deadline": {"answer_by", "days_left"},
    "refund_deadline": {"refund_by", "refund_days_left"},
    "hosted_eight_months": {"eight_months_on"},
}


@pytest.fixture(scope="module", params=list(LANGUAGES))
def content(request):
    return load_language(request.param)


def test_french_has_every_stage_and_flow() -> None:
    assert set(FRENCH.stages) == {s["slug"] for s in load_journey()}
    assert set(FRENCH.flows) == set(STRUCTURES)
    assert len(FRENCH.pages) >= 10 and FRENCH.glossary


def test_same_files_in_every_language(content) -> None:
    assert set(content.stages) == set(FRENCH.stages)
    assert set(content.pages) == set(FRENCH.pages)
    assert set(content.flows) == set(FRENCH.flows)
    assert content.glossary, f"{content.lang}: no glossary"


def test_pages_have_title_summary_sections_and_details(content) -> None:
    for kind in ("stages", "pages"):
        for slug, page in getattr(content, kind).items():
            french = getattr(FRENCH, kind)[slug]
            where = f"{content.lang}/{kind}/{slug}"
            assert page.title and page.summary and page.body, f"{where}: empty title, summary or body"
            assert page.order == french.order, f"{where}: order differs from French"
            assert page.details and "§" in page.details, f"{where}: the 'more details' part must cite the charter"
            headings = re.findall(r"^## ", page.body, flags=re.MULTILINE)
            french_headings = re.findall(r"^## ", french.body, flags=re.MULTILINE)
            assert len(headings) == len(french_headings), f"{where}: sections differ from French"
            if kind == "stages":
                assert len(headings) == 5, f"{where}: a stage has five sections"
            assert _links(page.body + page.details) == _links(french.body + french.details), f"{where}: links differ"


def _links(text: str) -> list[str]:
    return sorted(re.findall(r"\]\((/[^)]*)\)", text))


def test_flow_words_cover_every_step_choice_and_block(content) -> None:
    for flow_id, structure in STRUCTURES.items():
        words = content.flows[flow_id]
        where = f"{content.lang}/flows/{flow_id}"
        assert words.get("title") and words.get("summary"), f"{where}: title and summary"
        for step_id, step in structure["steps"].items():
            step_words = (words.get("steps") or {}).get(step_id) or {}
            if step["kind"] == "result":
                assert step_words.get("heading"), f"{where}.{step_id}: heading"
                block_words = step_words.get("blocks") or {}
                allowed = set().union(*(COMPUTED[c] for c in step.get("compute", [])))
                for block in step["blocks"]:
                    text = block_words.get(block["id"])
                    assert isinstance(text, str) and text.strip(), f"{where}.{step_id}.{block['id']}: missing"
                    used = set(PLACEHOLDER.findall(text))
                    assert used <= allowed, f"{where}.{step_id}.{block['id']}: unknown placeholder {used - allowed}"
                    french_text = FRENCH.flows[flow_id]["steps"][step_id]["blocks"][block["id"]]
                    french_used = set(PLACEHOLDER.findall(french_text))
                    assert used == french_used, f"{where}.{step_id}.{block['id']}: placeholders differ from French"
                assert set(block_words) == {b["id"] for b in step["blocks"]}, f"{where}.{step_id}: stray blocks"
            else:
                assert step_words.get("question"), f"{where}.{step_id}: question"
            if step["kind"] == "choice":
                labels = step_words.get("choices") or {}
                ids = {str(c["id"]) for c in step["choices"]}
                assert {str(k) for k in labels} == ids, f"{where}.{step_id}: labels {sorted(labels)} ≠ {sorted(ids)}"
                assert all(str(v).strip() for v in labels.values()), f"{where}.{step_id}: empty label"


def test_every_acronym_used_is_in_the_glossary(content) -> None:
    texts = [p.all_text for p in [*content.stages.values(), *content.pages.values()]]
    texts += [str(v) for v in _strings(content.flows)]
    used = set(ACRONYM.findall("\n".join(PLACEHOLDER.sub("", t) for t in texts)))
    missing = used - set(content.glossary)
    assert not missing, f"{content.lang}: acronyms without a glossary entry: {sorted(missing)}"


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_glossary_entries_are_filled(content) -> None:
    for term, entry in content.glossary.items():
        assert entry.name.strip() and entry.text.strip(), f"{content.lang} glossary {term!r} is empty"


def test_no_placeholder_text_left(content) -> None:
    everything = "\n".join([*(p.all_text for p in [*content.stages.values(), *content.pages.values()]),
                            *_strings(content.flows)])
    for marker in ("TODO", "TBD", "XXX", "FIXME", "Lorem", "lorem ipsum"):  # case matters: "todo" is Portuguese
        assert not re.search(rf"\b{marker}\b", everything), f"{content.lang}: {marker!r} left in the text"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_translations_are_not_french_copies(lang: str) -> None:
    other = load_language(lang)
    same = [slug for slug, page in other.stages.items() if page.body == FRENCH.stages[slug].body]
    same += [slug for slug, page in other.pages.items() if page.body == FRENCH.pages[slug].body]
    assert not same, f"{lang}: pages identical to French: {same}"


def test_arabic_text_is_arabic_script() -> None:
    arabic = load_language("ar")
    for page in [*arabic.stages.values(), *arabic.pages.values()]:
        letters = [c for c in page.body if c.isalpha()]
        share = sum("\u0600" <= c <= "\u06ff" for c in letters) / len(letters)
        assert share > 0.8, f"ar/{page.kind}/{page.slug}: only {share:.0%} Arabic letters"


# --- plain French: Kandel–Moles ----------------------------------------------------------------

def test_household_french_reads_easily() -> None:
    per_file, household, everything = readability_report(FRENCH)
    assert household.score >= 75, f"household French scores {household.score:.1f} (< 75)"
    assert household.words_per_sentence <= 12, f"{household.words_per_sentence:.1f} words per sentence (> 12)"
    assert everything.score >= 65, f"all of content/fr scores {everything.score:.1f} (< 65)"
    hard = {name: round(r.score, 1) for name, r in per_file.items() if r.score < 75}
    assert not hard, f"files below 75: {hard}"


def test_readability_is_not_fooled_by_empty_text() -> None:
    per_file, household, _ = readability_report(FRENCH)
    assert household.words > 5000 and all(r.words > 50 for r in per_file.values())


def test_french_uses_no_typographic_trap_characters() -> None:
    """Plain ASCII apostrophes keep elisions one word for readers, screen readers and the measure."""
    for page in [*FRENCH.stages.values(), *FRENCH.pages.values()]:
        assert "’" not in page.all_text, f"fr/{page.kind}/{page.slug} uses a typographic apostrophe"

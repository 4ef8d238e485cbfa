"""Loads the guide's words from content/: stages, pages, flows, the glossary and every YAML file of words.

This is the one content loader: every module that reads `content/` comes here. The app builds one ContentStore at
start-up and keeps it; `words()` gives any per-language YAML file (SMS texts, keywords, the plan's words...) with
the one fallback rule (a language without the file gets the French one; the tests forbid such gaps). The folder is
the running app's `CONTENT_DIR`, else the project's `content/` (tools and tests without an app).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import frontmatter
import markdown
import nh3
import yaml
from flask import current_app, has_app_context

from guide.core.bidi import mark_french, words_of
from guide.core.i18n import SOURCE_LANGUAGE
from guide.core.readability import EMPTY, Readability, measure
from guide.rules.flows import build_flow

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
MORE_MARKER = "<!-- more -->"

_ALLOWED_TAGS = {"p", "h2", "h3", "ul", "ol", "li", "strong", "em", "a", "br", "blockquote", "table",
                 "thead", "tbody", "tr", "th", "td", "abbr", "span"}
_ALLOWED_ATTRS = {"a": {"href", "class"}, "abbr": {"title"}, "span": {"class", "dir"}, "th": {"scope"}}


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML (content is data: it never carries script)."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS, link_rel=None)


@dataclass(frozen=True)
class Page:
    """A stage or a rights page in one language."""

    kind: str  # "stages" or "pages"
    slug: str
    lang: str
    title: str
    summary: str
    order: int
    body: str  # Markdown before the "more" marker
    details: str  # Markdown after it ("more details", charter citations)

    @property
    def household_text(self) -> str:
        return "\n".join([self.title, self.summary, self.body])

    @property
    def all_text(self) -> str:
        return "\n".join([self.household_text, self.details])

    @cached_property
    def details_html(self) -> str:
        return render_markdown(self.details) if self.details.strip() else ""


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    name: str
    text: str


@dataclass
class LanguageContent:
    lang: str
    stages: dict[str, Page] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    words: dict[str, Any] = field(default_factory=dict)  # the household-facing YAML files (HOUSEHOLD_WORDS)


def _load_page(path: Path, kind: str, lang: str) -> Page:
    post = frontmatter.load(str(path))
    body, _, details = post.content.partition(MORE_MARKER)
    return Page(
        kind=kind,
        slug=path.stem,
        lang=lang,
        title=str(post.get("title", "")).strip(),
        summary=str(post.get("summary", "")).strip(),
        order=_number(post.get("order", 0)),
        body=body.strip(),
        details=details.strip(),
    )


def _number(value: object) -> int:
    """A front-matter number: YAML gives an int (a float or a string when so written); anything else is refused
    as int() would refuse it."""
    if not isinstance(value, int | float | str):
        raise TypeError(f"not a number: {value!r}")
    return int(value)


# libyaml's loader when PyYAML was built with it (several times faster at start-up), the pure-Python one otherwise
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_YAML_LOADER) or {}  # noqa: S506 (a safe loader)
    return document


def content_root() -> Path:
    """The content folder: the running app's CONTENT_DIR, else the project's own."""
    return Path(current_app.config["CONTENT_DIR"]) if has_app_context() else CONTENT_DIR


def words(lang: str, name: str, root: Path | None = None) -> dict[str, Any]:
    """The YAML file `content/<lang>/<name>.yaml`; French when the language has none (read once, then kept)."""
    return _words(root or content_root(), lang, name)


@lru_cache(maxsize=256)
def _words(root: Path, lang: str, name: str) -> dict[str, Any]:
    path = root / lang / f"{name}.yaml"
    if not path.exists():
        path = root / SOURCE_LANGUAGE / f"{name}.yaml"
    return _load_yaml(path)


def load_language(lang: str, root: Path = CONTENT_DIR) -> LanguageContent:
    """Every text file of one language; missing folders give empty maps (the tests catch them)."""
    base = root / lang
    content = LanguageContent(lang)
    for kind, target in (("stages", content.stages), ("pages", content.pages)):
        for path in sorted((base / kind).glob("*.md")):
            target[path.stem] = _load_page(path, kind, lang)
    for path in sorted((base / "flows").glob("*.yaml")):
        content.flows[path.stem] = _load_yaml(path)
    glossary_path = base / "glossary.yaml"
    if glossary_path.exists():
        for term, entry in (_load_yaml(glossary_path) or {}).items():
            content.glossary[str(term)] = GlossaryEntry(str(term), str(entry.get("name", "")),
                                                        str(entry.get("text", "")))
    for name in HOUSEHOLD_WORDS:
        if (base / f"{name}.yaml").exists():
            content.words[name] = _load_yaml(base / f"{name}.yaml")
    return content


def load_journey(root: Path | None = None) -> list[dict[str, Any]]:
    """The ordered stages (slug, charter steps), language-neutral."""
    return list(_load_yaml((root or content_root()) / "journey.yaml")["stages"])


def load_flow_structures(root: Path = CONTENT_DIR) -> dict[str, dict[str, Any]]:
    return {path.stem: _load_yaml(path) for path in sorted((root / "flows").glob("*.yaml"))}


def _flow_strings(texts: dict[str, Any]) -> list[str]:
    """Every string in a flow's words, in document order."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(texts)
    return found


# The per-language YAML files whose words households read (pages and SMS), measured like the pages. What is not
# read by households is skipped: codes ("key", "who") and the labels staff pick a reply template by.
HOUSEHOLD_WORDS = ("plan", "after_move", "survey", "sms", "sms_replies")
_NOT_READ_BY_HOUSEHOLDS = {"sms_replies": {"label"}, "plan": {"key", "who"}}


def _word_strings(data: Any, skip: set[str]) -> list[str]:
    """Every string of a YAML tree, leaves only (keys are codes), in file order; keys in `skip` left out."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [text for key, value in data.items() if key not in skip for text in _word_strings(value, skip)]
    if isinstance(data, list):
        return [text for value in data for text in _word_strings(value, skip)]
    return []


def household_texts(content: LanguageContent) -> dict[str, str]:
    """The household-facing text of every file, keyed by a readable name (for readability scores)."""
    texts = {f"stages/{slug}": page.household_text for slug, page in content.stages.items()}
    texts.update({f"pages/{slug}": page.household_text for slug, page in content.pages.items()})
    texts.update({f"flows/{fid}": "\n".join(_flow_strings(words)) for fid, words in content.flows.items()})
    texts["glossary"] = "\n".join(f"{e.name}\n{e.text}" for e in content.glossary.values())
    for name, data in content.words.items():
        texts[name] = "\n".join(_word_strings(data, _NOT_READ_BY_HOUSEHOLDS.get(name, set())))
    return texts


def detail_texts(content: LanguageContent) -> dict[str, str]:
    texts = {f"stages/{slug}": page.details for slug, page in content.stages.items()}
    texts.update({f"pages/{slug}": page.details for slug, page in content.pages.items()})
    return texts


def readability_report(content: LanguageContent) -> tuple[dict[str, Readability], Readability, Readability]:
    """Per-file household scores, their total, and the total of everything (details included)."""
    per_file = {name: measure(text) for name, text in household_texts(content).items()}
    household_total = sum(per_file.values(), EMPTY)
    everything = household_total + sum((measure(t) for t in detail_texts(content).values()), EMPTY)
    return per_file, household_total, everything


ACRONYM = re.compile(r"\b[A-Z]{2,}\b")


def term_anchor(term: str) -> str:
    """A stable id for a glossary entry: "g-" and the term, lower case, spaces as hyphens."""
    return "g-" + re.sub(r"\s+", "-", term.strip().lower())


_TAG_OR_TEXT = re.compile(r"(<[^>]+>)")
_SKIP_TAGS = {"a", "h1", "h2", "h3", "abbr"}


def link_terms(html: str, glossary: dict[str, GlossaryEntry], glossary_url: str = "/glossary") -> str:
    """Link the first use of each glossary term in the text to its entry (not inside links or headings)."""
    if not glossary:
        return html
    terms = sorted(glossary, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in terms) + r")(?![\w-])",
                         re.IGNORECASE)
    by_lower = {t.lower(): glossary[t] for t in terms}
    seen: set[str] = set()
    skip_depth = 0
    out: list[str] = []
    for piece in _TAG_OR_TEXT.split(html):
        if piece.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", piece)
            if name and name.group(1).lower() in _SKIP_TAGS:
                skip_depth += -1 if piece.startswith("</") else 1
            out.append(piece)
            continue
        if skip_depth > 0 or not piece:
            out.append(piece)
            continue

        def replace(match: re.Match[str]) -> str:
            entry = by_lower.get(match.group(1).lower())
            if entry is None or entry.term.lower() in seen:
                return match.group(0)
            seen.add(entry.term.lower())
            return f'<a class="term" href="{glossary_url}#{term_anchor(entry.term)}">{match.group(0)}</a>'

        out.append(pattern.sub(replace, piece))
    return "".join(out)


def content_version(root: Path) -> str:
    """A short hash of every content file's name and bytes: equal on every worker and host serving the same
    content, different as soon as one word changes."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class ContentStore:
    """All languages' content, loaded once at start-up; French fills any gap (the tests forbid gaps)."""

    def __init__(self, languages: list[str], root: Path = CONTENT_DIR) -> None:
        self.root = root
        self.journey = load_journey(root)
        self.flows = {fid: build_flow(fid, data) for fid, data in load_flow_structures(root).items()}
        self.languages = {lang: load_language(lang, root) for lang in languages}
        if SOURCE_LANGUAGE not in self.languages:
            self.languages[SOURCE_LANGUAGE] = load_language(SOURCE_LANGUAGE, root)
        self._html_cache: dict[tuple[str, str], str] = {}
        self.version = content_version(root)  # the page cache's key and ETags change with it
        self._words: dict[str, frozenset[str]] = {}

    def words_for(self, lang: str) -> frozenset[str]:
        """Every word of a language's content, what it quotes in brackets or quotes left out (to tell a French
        passage quoted in brackets from the language's own words: `bidi.mark_french`)."""
        if lang not in self._words:
            content = self._lang(lang)
            texts = [*household_texts(content).values(), *detail_texts(content).values()]
            self._words[lang] = words_of(texts, unquoted=lang != SOURCE_LANGUAGE)
        return self._words[lang]

    @property
    def french_words(self) -> frozenset[str]:
        return self.words_for(SOURCE_LANGUAGE)

    @classmethod
    def load(cls, languages: list[str], root: Path = CONTENT_DIR) -> ContentStore:
        return cls(languages, root)

    def _lang(self, lang: str) -> LanguageContent:
        return self.languages.get(lang) or self.languages[SOURCE_LANGUAGE]

    def stage_slugs(self) -> list[str]:
        return [s["slug"] for s in self.journey]

    def stage(self, lang: str, slug: str) -> Page | None:
        return self._lang(lang).stages.get(slug) or self.languages[SOURCE_LANGUAGE].stages.get(slug)

    def page(self, lang: str, slug: str) -> Page | None:
        return self._lang(lang).pages.get(slug) or self.languages[SOURCE_LANGUAGE].pages.get(slug)

    def pages(self, lang: str) -> list[Page]:
        slugs = self.languages[SOURCE_LANGUAGE].pages
        found = [self.page(lang, slug) for slug in slugs]
        return sorted((p for p in found if p), key=lambda p: (p.order, p.slug))

    def flow_words(self, lang: str, flow_id: str) -> dict[str, Any]:
        return self._lang(lang).flows.get(flow_id) or self.languages[SOURCE_LANGUAGE].flows.get(flow_id, {})

    def glossary(self, lang: str) -> dict[str, GlossaryEntry]:
        return self._lang(lang).glossary or self.languages[SOURCE_LANGUAGE].glossary

    def html(self, lang: str, text: str, glossary_url: str = "/glossary", cache: bool = True) -> str:
        """Markdown rendered, sanitised and linked to the glossary (cached: content does not change)."""
        key = (lang, text)
        if not cache or key not in self._html_cache:
            linked = link_terms(render_markdown(text), self.glossary(lang), glossary_url)
            html = mark_french(linked, lang, self.french_words, self.words_for(lang))
            if not cache:
                return html
            self._html_cache[key] = html
        return self._html_cache[key]

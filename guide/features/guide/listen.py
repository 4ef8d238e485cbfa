"""Spoken pages of the guide (core/audio.py): which pages have one, their readable text, and building them.

The readable text is the template's `readable` block, rendered with the page's own context and read as listen.js
reads `#content` (core/audio.readable_text). The page's view and `flask --app guide audio build` both come here,
so the file a page looks for is the one the build wrote for exactly that text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from flask import current_app, g
from flask_babel import refresh
from jinja2_fragments.flask import render_block

from guide.core.audio import AudioFile, AudioLibrary, SpeechError, readable_text
from guide.core.content import ContentStore

READABLE_BLOCK = "readable"


def library() -> AudioLibrary:
    return AudioLibrary(Path(current_app.config["AUDIO_DIR"]))


def store() -> ContentStore:
    return current_app.extensions["content"]


def page_text(template: str, context: dict[str, Any]) -> str:
    return readable_text(render_block(template, READABLE_BLOCK, **context))


def page_audio(page: str, template: str, context: dict[str, Any], lang: str) -> AudioFile | None:
    """The spoken file of this page as it reads now, when built; None otherwise (the page offers none)."""
    return library().find(page, lang, page_text(template, context))


# --- the pages that have a spoken file: (key, template, context builder) --------------------------------------

def stage_context(lang: str, slug: str) -> dict[str, Any] | None:
    slugs = store().stage_slugs()
    page = store().stage(lang, slug) if slug in slugs else None
    if page is None:
        return None
    index = slugs.index(slug)
    return {"page": page, "number": index + 1, "total": len(slugs),
            "body": store().html(lang, page.body), "details": store().html(lang, page.details),
            "previous": store().stage(lang, slugs[index - 1]) if index > 0 else None,
            "next": store().stage(lang, slugs[index + 1]) if index + 1 < len(slugs) else None}


def rights_page_context(lang: str, slug: str) -> dict[str, Any] | None:
    found = store().page(lang, slug)
    if found is None:
        return None
    return {"page": found, "body": store().html(lang, found.body), "details": store().html(lang, found.details)}


def glossary_context(lang: str) -> dict[str, Any]:
    return {"entries": sorted(store().glossary(lang).values(), key=lambda e: e.term.casefold())}


@dataclass(frozen=True)
class SpokenPage:
    key: str  # the file name's first part: "stages-visit", "pages-costs", "glossary"
    template: str
    context: Callable[[str], dict[str, Any] | None] = field(compare=False)


def spoken_pages() -> list[SpokenPage]:
    stages = [SpokenPage(f"stages-{slug}", "public/stage.html", partial(stage_context, slug=slug))
              for slug in store().stage_slugs()]
    pages = [SpokenPage(f"pages-{p.slug}", "public/page.html", partial(rights_page_context, slug=p.slug))
             for p in store().pages("fr")]
    return [*stages, *pages, SpokenPage("glossary", "public/glossary.html", glossary_context)]


@dataclass
class BuildReport:
    made: list[str] = field(default_factory=list)
    kept: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (page.lang, why): the others are built anyway
    seconds: float = 0.0
    bytes: int = 0


@contextmanager
def _in_language(lang: str) -> Iterator[None]:
    """A request context whose language is `lang` (what the page's view would see)."""
    with current_app.test_request_context("/", headers={"Accept-Language": lang}):
        g.lang_code = lang  # what negotiate_language answers for the rest of this context
        refresh()
        yield


def readable_texts(languages: list[str], only: set[str] | None = None) -> list[tuple[str, str, str]]:
    """(page key, language, readable text) of every spoken page, rendered as each page's view renders it."""
    found = []
    for lang in languages:
        for spoken in spoken_pages():
            if only is not None and spoken.key not in only:
                continue
            with _in_language(lang):
                context = spoken.context(lang)
                text = page_text(spoken.template, context) if context is not None else ""
            if text:
                found.append((spoken.key, lang, text))
    return found


def build(languages: list[str], only: set[str] | None = None, jobs: int = 1,
          progress: Callable[[str, bool], None] | None = None) -> BuildReport:
    """Make the missing spoken files of every page (or those in `only`) in each language; keep the others.
    The texts are rendered here; espeak-ng and opusenc then run `jobs` at a time (each is one process). A page
    that cannot be spoken (SpeechError, a file error) is noted in `report.failed` and the build goes on."""
    started = time.perf_counter()
    report = BuildReport()
    shelf = library()

    def make(item: tuple[str, str, str]) -> tuple[str, bool, int, str | None]:
        key, lang, text = item
        try:
            made = shelf.build(key, lang, text)
        except (SpeechError, OSError) as error:  # one page's voice or file: the other pages are still spoken
            return f"{key}.{lang}", False, 0, str(error) or type(error).__name__
        found = shelf.find(key, lang, text)
        return f"{key}.{lang}", made, found.size if found else 0, None

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for name, made, size, error in pool.map(make, readable_texts(languages, only)):
            if error is not None:
                report.failed.append((name, error))
                continue
            if made:
                report.made.append(name)
            else:
                report.kept += 1
            report.bytes += size
            if progress is not None:
                progress(name, made)
    report.seconds = time.perf_counter() - started
    return report

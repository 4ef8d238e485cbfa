"""The guide's languages: one registry, how one is chosen, and a start-up check of the catalogues.

The configured codes (`GUIDE_LANGUAGES`, config.Config.LANGUAGES) are the only list of languages. Everything else
about a language comes from Babel's locale data (CLDR): its name in itself for the menu, its writing direction,
and its script, which decides how an SMS is encoded (a Latin-script text is transliterated to GSM-7). A new
language is a code in the configuration, a content folder and a catalogue: no code changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global, parse_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_app_context, request, session
from flask_babel import refresh

from guide.core.config import Config

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "translations"
SOURCE_LANGUAGE = "fr"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # the language named in itself, for the menu
    direction: str  # "ltr" or "rtl"
    script: str  # ISO 15924 code of its usual script: "Latn", "Arab"...

    @property
    def latin(self) -> bool:
        """Written in Latin script: its SMS are transliterated to the GSM-7 alphabet (one segment is 160 signs)."""
        return self.script == "Latn"


@lru_cache(maxsize=64)
def language(code: str) -> Language:
    """What CLDR knows of a language: its own name (capitalised for a menu), direction and usual script."""
    locale = Locale.parse(code)
    name = locale.get_display_name(locale) or code
    likely = get_global("likely_subtags").get(code, code)  # "ar" -> "ar_Arab_EG": language, script, territory
    script = locale.script or parse_locale(likely)[2] or "Latn"
    return Language(code, name[:1].upper() + name[1:], locale.text_direction, script)


def is_latin(code: str) -> bool:
    """Whether text in this language (a code such as "pt" or "pt-BR") is written in Latin script."""
    try:
        return language(code.replace("-", "_").split("_")[0].lower()).latin
    except (UnknownLocaleError, ValueError):
        return False  # "mul" (several languages at once) or an unknown code: sent as written


def configured_languages() -> list[str]:
    """The enabled language codes: the running app's configuration, else the defaults (tools, tests)."""
    return list(current_app.config["LANGUAGES"]) if has_app_context() else list(Config.LANGUAGES)


# the default languages, for tools and tests that run without an app (the app reads its configuration)
LANGUAGES: dict[str, Language] = {code: language(code) for code in Config.LANGUAGES}


def compile_catalogues(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Compile each messages.po whose .mo is missing or older; returns the languages compiled."""
    compiled = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")  # processes starting together each write their own
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        compiled.append(po_path.parent.parent.name)
    return compiled


def check_languages(app: Flask) -> None:
    """Refuse to start with a configured language that has no compiled catalogue (SecureDrop's habit)."""
    directory = Path(app.config["TRANSLATIONS_DIR"])
    compile_catalogues(directory)
    missing = []
    for code in app.config["LANGUAGES"]:
        try:
            language(code)
        except (UnknownLocaleError, ValueError):
            missing.append(code)
            continue
        if code != SOURCE_LANGUAGE and not (directory / code / "LC_MESSAGES" / "messages.mo").exists():
            missing.append(code)
    if missing:
        raise RuntimeError(f"No translation catalogue for configured language(s): {', '.join(missing)}")


def enabled_languages() -> list[Language]:
    return [language(code) for code in current_app.config["LANGUAGES"]]


def negotiate_language() -> str:
    """Explicit choice (?lang=, then the remembered cookie) → browser → French."""
    if "lang_code" in g:
        code: str = g.lang_code
        return code
    enabled: list[str] = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in enabled:
        g.lang_chosen = chosen  # remembered by an after_request hook
        g.lang_code = chosen
        return chosen
    remembered = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if remembered in enabled:
        g.lang_code = remembered
        return remembered
    preferred: str | None = session.get("household_lang")  # the signed-in household's own language
    if preferred in enabled:
        g.lang_code = preferred
        return preferred
    code = request.accept_languages.best_match(enabled) or current_app.config["DEFAULT_LANGUAGE"]
    g.lang_code = code
    return code


def prefer_language(code: str | None) -> None:
    """This page speaks `code` (the household's own language, on a page reached from their SMS), not the
    browser's: only a language chosen in the address (?lang=) wins over it."""
    enabled: list[str] = current_app.config["LANGUAGES"]
    if code in enabled and request.args.get("lang") not in enabled:
        g.lang_code = code
        refresh()


def current_language() -> Language:
    return language(negotiate_language())

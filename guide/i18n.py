"""The guide's languages: which exist, how one is chosen, and a start-up check of the catalogues."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request, session

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # the language named in itself, for the menu
    direction: str  # "ltr" or "rtl"


LANGUAGES: dict[str, Language] = {
    "fr": Language("fr", "Français", "ltr"),
    "ar": Language("ar", "العربية", "rtl"),
    "en": Language("en", "English", "ltr"),
    "tr": Language("tr", "Türkçe", "ltr"),
    "pt": Language("pt", "Português", "ltr"),
}
SOURCE_LANGUAGE = "fr"


def compile_catalogues(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Compile each messages.po whose .mo is missing or older; returns the languages compiled."""
    compiled = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        compiled.append(po_path.parent.parent.name)
    return compiled


def check_languages(app: Flask) -> None:
    """Refuse to start with a configured language that has no compiled catalogue (SecureDrop's habit)."""
    compile_catalogues()
    missing = [
        code
        for code in app.config["LANGUAGES"]
        if code not in LANGUAGES
        or (code != SOURCE_LANGUAGE and not (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.mo").exists())
    ]
    if missing:
        raise RuntimeError(f"No translation catalogue for configured language(s): {', '.join(missing)}")


def enabled_languages() -> list[Language]:
    return [LANGUAGES[code] for code in current_app.config["LANGUAGES"]]


def negotiate_language() -> str:
    """Explicit choice (?lang=, then the remembered cookie) → browser → French."""
    if "lang_code" in g:
        return g.lang_code
    enabled = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in enabled:
        g.lang_chosen = chosen  # remembered by an after_request hook
        g.lang_code = chosen
        return chosen
    remembered = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if remembered in enabled:
        g.lang_code = remembered
        return remembered
    preferred = session.get("household_lang")  # the signed-in household's own language
    if preferred in enabled:
        g.lang_code = preferred
        return preferred
    g.lang_code = request.accept_languages.best_match(enabled) or current_app.config["DEFAULT_LANGUAGE"]
    return g.lang_code


def current_language() -> Language:
    return LANGUAGES[negotiate_language()]

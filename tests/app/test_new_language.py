"""A new language is configuration and data, not code.

A throwaway sixth language is made in temporary folders (its content copied from a language it resembles, its
catalogue copied too) and switched on by configuration alone: the app must serve it, name it in itself, write it in
the right direction, and encode its SMS by its script, with no code change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from guide import create_app
from guide.core.config import Config
from guide.features.sms_replies import keywords
from guide.messaging import texts
from guide.messaging.encoding import SmsEncoding
from tests.conftest import TEST_CONFIG

ROOT = Path(__file__).resolve().parents[2]


def _app_with(tmp_path: Path, database_url: str, code: str, model: str) -> Flask:
    content = tmp_path / "content"
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "content" / model, content / code)
    shutil.copytree(ROOT / "translations", translations, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copytree(translations / model, translations / code)
    return create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "LANGUAGES": [*Config.LANGUAGES, code],
                       "CONTENT_DIR": str(content), "TRANSLATIONS_DIR": str(translations)})


def _main_text(app: Flask, url: str) -> tuple[BeautifulSoup, str]:
    response = app.test_client().get(url)
    assert response.status_code == 200, f"{url} gave {response.status_code}"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    main = soup.find("main")
    assert main is not None, f"{url} has no <main>"
    return soup, " ".join(main.get_text(" ").split())


@pytest.mark.parametrize(("code", "model", "direction", "name", "encoding"), [
    ("es", "en", "ltr", "Español", SmsEncoding.GSM7),
    ("fa", "ar", "rtl", "فارسی", SmsEncoding.UCS2),
])
def test_a_sixth_language_is_served_with_no_code_change(app: Flask, database_url: str, tmp_path: Path, code: str,
                                                        model: str, direction: str, name: str,
                                                        encoding: SmsEncoding) -> None:
    new = _app_with(tmp_path, database_url, code, model)
    stage = new.extensions["content"].stage_slugs()[0]
    for url in ("/", "/journey", f"/journey/{stage}", "/simulator"):
        soup, text = _main_text(new, f"{url}?lang={code}")
        html = soup.find("html")
        assert html is not None and (html.get("lang"), html.get("dir")) == (code, direction), url
        # its words are its own (copied from `model`): interface strings from its catalogue, pages from its folder
        _, model_text = _main_text(new, f"{url}?lang={model}")
        assert text == model_text, f"{url} in {code} does not show the words of its own files"

    menu, _ = _main_text(new, "/language")
    link = menu.find("a", hreflang=code)
    assert link is not None, "the language menu does not offer the new language"
    assert (link.get_text(strip=True), link.get("dir")) == (name, direction)

    with new.app_context():
        _body, count = texts.render("sign_in_code", code, code="123456")
        assert count.encoding is encoding, f"an SMS in {code} should be sent as {encoding}"
        assert code in set(keywords.load().languages.values()), "the SMS keywords do not know the new language"


def test_a_language_without_a_catalogue_stops_the_start(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="es"):
        create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "LANGUAGES": [*Config.LANGUAGES, "es"],
                    "TRANSLATIONS_DIR": str(tmp_path)})

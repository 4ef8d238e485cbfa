"""The guide's spoken pages (guide/features/guide/listen.py): `flask --app guide audio build` makes them from the
text the page shows, the page offers a plain player only when its file is built (none otherwise, never an error),
the file is served as immutable audio/ogg, and the page cache never keeps a page without the player it now has.
Only two pages in two languages are built (real espeak-ng and opusenc): the shortest ones."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from flask import Flask

from guide.core import audio
from guide.core.audio import AudioLibrary, tools_missing
from guide.features.guide import listen
from tests.app.test_valid_html import _run_vnu
from tests.conftest import get_page
from tests.unit.test_audio import opus_facts

BUILT = {"stages-visit": "/journey/visit", "stages-after-move": "/journey/after-move"}


@pytest.fixture(autouse=True)
def _speech_tools() -> None:
    assert not tools_missing(), f"{tools_missing()} not installed: apt-get install espeak-ng opus-tools (bin/test does)"


@pytest.fixture(scope="module")
def built(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two stages spoken in French and Arabic, once for the module, through the command the operator runs."""
    folder = tmp_path_factory.mktemp("audio")
    runner = app.test_cli_runner()
    saved = app.config["AUDIO_DIR"]
    app.config["AUDIO_DIR"] = str(folder)
    try:
        result = runner.invoke(args=["audio", "build", "--lang", "fr", "--lang", "ar",
                                     *(arg for page in BUILT for arg in ("--page", page))])
    finally:
        app.config["AUDIO_DIR"] = saved
    assert result.exit_code == 0, result.output
    assert "4 made, 0 already up to date" in result.output, result.output
    return folder


@pytest.fixture()
def audio_dir(app: Flask, built: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "AUDIO_DIR", str(built))
    return built


@pytest.fixture()
def empty_audio_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "AUDIO_DIR", str(tmp_path))
    return tmp_path


def test_the_build_makes_small_mono_files_named_by_page_language_and_words(audio_dir: Path) -> None:
    files = sorted(audio_dir.glob("*.opus"))
    assert [f.name.split(".")[:2] for f in files] == [
        ["stages-after-move", "ar"], ["stages-after-move", "fr"], ["stages-visit", "ar"], ["stages-visit", "fr"]]
    for file in files:
        channels, seconds = opus_facts(file)
        size = file.stat().st_size
        assert channels == 1, f"{file.name}: {channels} channels"
        assert 30 < seconds < 240, f"{file.name}: {seconds:.0f} s for one stage"
        assert 20_000 < size < 300_000, f"{file.name}: {size} bytes, not tens of KB"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_page_offers_its_file_as_a_plain_player(client, audio_dir: Path, lang: str) -> None:
    page = get_page(client, "/journey/visit", lang=lang)
    player = page.soup.select_one(".listen-audio audio")
    assert player is not None, "the built page should offer its spoken file"
    assert player.has_attr("controls") and player["preload"] == "none", "a plain player that downloads on play"
    name = str(player["src"]).rsplit("/", 1)[-1]
    assert (audio_dir / name).is_file(), f"the player points to {name}, which is not the built file"
    assert name.startswith(f"stages-visit.{lang}."), name
    label = page.soup.find(id=player["aria-labelledby"])
    assert label is not None, "the player is named by its visible label"
    kilobytes = round((audio_dir / name).stat().st_size / 1000)
    assert str(kilobytes) in label.get_text(), f"the label should give the size ({kilobytes}): {label.get_text()!r}"
    if lang == "fr":
        assert label.get_text() == f"Écouter cette page (fichier audio, {kilobytes} Ko)"
    assert page.soup.select_one(".listen-missing") is None, "no 'no voice' sentence where a file plays"
    assert page.soup.select_one("button.listen") is not None, "the device's voice is still preferred (listen.js)"


def test_the_file_the_page_names_is_the_text_it_shows(client, audio_dir: Path, app: Flask) -> None:
    page = get_page(client, "/journey/visit", lang="fr")
    prose = page.soup.select_one("#content .prose")
    assert prose is not None
    shown = " ".join(prose.get_text().split())
    with app.app_context(), listen._in_language("fr"):
        spoken = listen.page_text("public/stage.html", listen.stage_context("fr", "visit") or {})
    assert " ".join(spoken.split()).endswith(shown), "the spoken text should end with the page's body as shown"
    assert "Écouter" not in spoken and "Ko" not in spoken, "the player's own words must not be spoken"


def test_a_page_without_its_file_offers_none_and_says_why(client, audio_dir: Path) -> None:
    for url, lang in (("/journey/visit", "en"), ("/pages/costs", "fr"), ("/glossary", "ar")):
        page = get_page(client, url, lang=lang)
        assert page.soup.select_one("audio") is None, f"{url} [{lang}] offers a file that was not built"
        assert page.soup.select_one(".listen-missing") is not None, f"{url} [{lang}]: the reason is gone"


def test_the_file_is_served_as_immutable_ogg(client, audio_dir: Path) -> None:
    name = next(audio_dir.glob("stages-visit.fr.*.opus")).name
    response = client.get(f"/audio/{name}")
    assert response.status_code == 200
    assert response.mimetype == "audio/ogg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.get_data()[:4] == b"OggS"
    assert "Content-Encoding" not in response.headers, "Opus is compressed already"
    ranged = client.get(f"/audio/{name}", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.get_data()) == 100, "players seek with range requests"
    with client.session_transaction() as cookie_session:  # a visitor with a session cookie (a form was shown)
        cookie_session["csrf_token"] = "0" * 40
    for headers in ({}, {"Range": "bytes=0-99"}):
        served = client.get(f"/audio/{name}", headers=headers)
        assert "cookie" not in served.headers.get("Vary", "").lower(), (
            f"an immutable public file varies with the cookie: Vary: {served.headers.get('Vary')}")
        assert "Set-Cookie" not in served.headers, "serving a public file touched the session"
        assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for unknown in ("stages-visit.fr.0123456789abcdef.opus", "nothing.opus", "..%2Fsecret_key", ".version"):
        assert client.get(f"/audio/{unknown}").status_code == 404, unknown


def test_a_build_shows_on_pages_the_cache_kept_without_a_player(app: Flask, client, empty_audio_dir: Path) -> None:
    before = client.get("/journey/after-move", headers={"Cookie": "lang=fr"})
    assert b"<audio" not in before.get_data()
    again = client.get("/journey/after-move", headers={"Cookie": "lang=fr"})
    assert again.get_data() == before.get_data(), "the page is kept by the page cache"
    with app.app_context():
        report = listen.build(["fr"], only={"stages-after-move"})
    assert report.made == ["stages-after-move.fr"]
    after = client.get("/journey/after-move", headers={"Cookie": "lang=fr", "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200, "the page changed: its old ETag must not get a 304"
    assert b"<audio" in after.get_data(), "the page cache served the page stored before the build"


def test_changed_words_hide_the_old_file_and_the_next_build_redoes_it(
        app: Flask, client, empty_audio_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        assert listen.build(["fr"], only={"stages-after-move"}).made == ["stages-after-move.fr"]
        store = listen.store()
        original = store.stage
        first = next(empty_audio_dir.glob("*.opus")).name

        def edited(lang: str, slug: str):  # type: ignore[no-untyped-def]
            page = original(lang, slug)
            if page is not None and slug == "after-move":
                return dataclasses.replace(page, summary=page.summary + " Nous venons vous voir.")
            return page

        monkeypatch.setattr(store, "stage", edited)
        app.extensions["page_cache"].clear()  # a content change comes with a new content version (a restart)
        page = get_page(client, "/journey/after-move", lang="fr")
        assert page.soup.select_one("audio") is None, "the old file must not be offered for the new words"
        report = listen.build(["fr"], only={"stages-after-move"})
    assert report.made == ["stages-after-move.fr"], report.made
    assert not (empty_audio_dir / first).exists(), "the file of the old words should be gone"
    page = get_page(client, "/journey/after-move", lang="fr")
    assert page.soup.select_one("audio") is not None, "the rebuilt file should be offered"
    with app.app_context():
        again = listen.build(["fr"], only={"stages-after-move"})
    assert again.made == [] and again.kept == 1, "an unchanged page is not spoken again"


def test_the_library_follows_the_configured_folder(app: Flask, empty_audio_dir: Path) -> None:
    with app.app_context():
        assert listen.library().folder == empty_audio_dir
        assert AudioLibrary(empty_audio_dir).version() == "none"


def test_the_pages_with_their_player_are_valid_html(client, audio_dir: Path, tmp_path: Path) -> None:
    """The Nu checker on the pages as they are with a player (test_valid_html.py checks them without one)."""
    for number, lang in enumerate(("fr", "ar")):
        html = client.get(f"/journey/visit?lang={lang}").get_data(as_text=True)
        assert "<audio" in html
        (tmp_path / f"page{number}.html").write_text(html, encoding="utf-8")
    errors = [f"{Path(m['url']).name} line {m.get('lastLine')}: {m['message']}"
              for m in _run_vnu(tmp_path) if m.get("type") == "error"]
    assert not errors, "\n".join(errors)


def test_a_page_that_cannot_be_spoken_does_not_stop_the_others(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                               empty_audio_dir: Path) -> None:
    """The Arabic voice fails (espeak-ng or opusenc exits non-zero): the French pages are still built, the
    command lists the Arabic ones at the end and exits non-zero, and no half-written file is left."""
    real = audio.synthesize

    def arabic_fails(text: str, lang: str, target: Path) -> None:
        if lang == "ar":
            raise audio.SpeechError(f"espeak-ng (1) or opusenc (0) failed for {target.name}: no voice")
        real(text, lang, target)

    monkeypatch.setattr(audio, "synthesize", arabic_fails)
    result = app.test_cli_runner().invoke(args=[
        "audio", "build", "--lang", "ar", "--lang", "fr", "--jobs", "1",
        *(arg for page in BUILT for arg in ("--page", page))])
    assert result.exit_code != 0, f"a failed page was reported as success: {result.output}"
    assert "2 made, 0 already up to date" in result.output, result.output
    for page in BUILT:
        assert f"failed {page}.ar: espeak-ng (1)" in result.output, result.output
        assert next(empty_audio_dir.glob(f"{page}.fr.*.opus"), None) is not None, f"{page} in French was not built"
    assert "2 page(s) could not be spoken" in result.output, result.output
    assert sorted(p.name.split(".")[1] for p in empty_audio_dir.glob("*.opus")) == ["fr", "fr"]
    assert not list(empty_audio_dir.glob(".part-*")), "a half-written file was left behind"

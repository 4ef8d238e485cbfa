"""The spoken page on a phone (headless Chromium has no voice, like many budget phones in Arabic or Turkish): the
player shows instead of the button, plays the file (the browser reads its length), passes axe at 360 px in French
and Arabic with a 44 px target, works without JavaScript, and gives way to the device's voice when there is one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from guide.features.guide import listen
from tests.browser.test_guide_browser import FAKE_VOICES

AXE = Axe()


@pytest.fixture(scope="module")
def spoken_visit(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """/journey/visit spoken in French and Arabic (real espeak-ng and opusenc), for this module's tests."""
    folder = tmp_path_factory.mktemp("audio")
    saved = app.config["AUDIO_DIR"]
    app.config["AUDIO_DIR"] = str(folder)
    try:
        with app.app_context():
            report = listen.build(["fr", "ar"], only={"stages-visit"}, jobs=2)
        assert report.made == ["stages-visit.fr", "stages-visit.ar"], report.made
        yield folder
    finally:
        app.config["AUDIO_DIR"] = saved


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_without_a_voice_the_player_plays_the_page_and_passes_axe(phone, spoken_visit: Path, lang: str) -> None:
    page = phone(lang)
    page.goto("/journey/visit")
    page.wait_for_load_state("load")
    assert not page.evaluate(f"speechSynthesis.getVoices().some(v => v.lang.startsWith('{lang}'))"), \
        "this Chromium has a voice: the test needs one without"
    assert page.locator("button.listen").is_hidden(), "no voice: no button"
    player = page.locator(".listen-audio audio")
    assert player.is_visible(), "no voice: the spoken file is offered instead"
    assert page.locator(".listen-missing").count() == 0
    box = player.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, f"player target too small: {box}"
    seconds = page.evaluate("""() => new Promise((done, fail) => {
        const audio = document.querySelector('.listen-audio audio');
        audio.addEventListener('loadedmetadata', () => done(audio.duration));
        audio.addEventListener('error', () => fail(new Error('error ' + (audio.error && audio.error.code))));
        audio.preload = 'metadata'; audio.load();
    })""")
    assert 30 < seconds < 240, f"the browser reads {seconds} s in the spoken file"
    problems = [f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
                for v in AXE.run(page).response["violations"]]
    assert not problems, "\n".join(problems)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the player makes the page scroll sideways"


def test_without_javascript_the_player_is_there(phone, spoken_visit: Path) -> None:
    page = phone("ar", javascript=False)
    page.goto("/journey/visit")
    assert page.locator(".listen-audio audio").is_visible()
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_with_a_voice_the_device_reads_and_the_player_steps_aside(phone, spoken_visit: Path) -> None:
    page = phone("ar")
    page.add_init_script(FAKE_VOICES)
    page.goto("/journey/visit")
    button = page.locator("button.listen")
    button.wait_for(state="visible")
    assert page.locator(".listen-audio").is_hidden(), "a voice on the phone: one way to listen, the button"
    button.click()
    spoken = page.evaluate("window.__spoken")
    assert "ملف صوتي" not in spoken["text"] and "كيلوبايت" not in spoken["text"], "the player's label is not read"

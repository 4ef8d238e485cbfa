"""Spoken pages made ahead of time: the read-aloud fallback for phones without a voice in the page's language.

A page's readable text (what listen.js reads: the main content, without buttons or the player itself) is spoken
by Debian's espeak-ng and encoded by opus-tools' opusenc as a small Ogg Opus file (mono, speech bitrate). Each file
is named after the page, the language and a hash of the text and the settings, so a changed word gives a new name:
a page never offers stale audio, a URL never changes meaning (served as immutable), and a build skips every file
already there. The folder is `AUDIO_DIR`; a stamp in it changes whenever a file comes or goes, and the page cache
(core/page_cache.py) keys pages on it, so a page stored without its player is rendered again after a build.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from babel.dates import format_date

ESPEAK = "espeak-ng"
OPUSENC = "opusenc"
STAMP = ".version"
SUFFIX = ".opus"
MIME_TYPE = "audio/ogg"
# espeak-ng's voice for each language of the site (`espeak-ng --voices`); a language missing here gets no audio
VOICES = {"fr": "fr-fr", "ar": "ar", "en": "en-gb", "tr": "tr", "pt": "pt"}
WORDS_PER_MINUTE = 150  # espeak-ng's default is 175: slower is easier for a listener reading in a second language
# the lowest rate at which Opus keeps espeak-ng's voice wideband (up to 8 kHz: the s, f, ch): about 75 KB a minute;
# at 8 kbit/s it falls to narrowband (4 kHz, a telephone) for 23 % less
BITRATE_KBPS = 10
# in the name's hash: changing how pages are spoken renames (so rebuilds) every file
SETTINGS = f"espeak-ng:{WORDS_PER_MINUTE}wpm;opus:{BITRATE_KBPS}k;spoken-form:1"
NAME = re.compile(r"^[a-z0-9-]+\.[a-z]{2,3}\.[0-9a-f]{16}\.opus$")

_SKIPPED_TAGS = {"button", "input", "select", "textarea", "script", "style", "audio", "svg", "template"}
_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "li", "dt", "dd", "tr", "blockquote", "div", "article", "section",
               "ul", "ol", "dl", "table", "br"}
_VOID_TAGS = {"br", "input", "img", "hr", "meta", "link", "source", "wbr"}


class _Reader(HTMLParser):
    """Text of an HTML fragment as listen.js reads it: skips controls, the read-aloud parts (class "listen…") and
    anything hidden from assistive technology; one paragraph per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.skipping: list[str] = []  # open tags of a skipped subtree

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if tag == "br" and not self.skipping:
                self.blocks.append([])
            return
        if self.skipping:
            self.skipping.append(tag)
            return
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if (tag in _SKIPPED_TAGS or any(c.startswith("listen") for c in classes)
                or found.get("aria-hidden") == "true" or "hidden" in found):
            self.skipping.append(tag)
            return
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping.pop()
            return
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.blocks[-1].append(data)


def readable_text(html: str) -> str:
    """The words of a page's main content, a paragraph per block (a blank line: espeak-ng pauses there)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    paragraphs = (" ".join("".join(block).split()) for block in reader.blocks)
    return "\n\n".join(p for p in paragraphs if p)


_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DATE_LOCALES = {"en": "en_GB"}  # "20 November 2026", not "November 20, 2026"
_PT_ORDINALS = ("primeir", "segund", "terceir", "quart", "quint", "sext", "sétim", "oitav", "non", "décim")


def _pt_ordinal(match: re.Match[str]) -> str:
    number, ending = int(match.group(1)), "a" if match.group(2) == "ª" else "o"
    return _PT_ORDINALS[number - 1] + ending if 1 <= number <= len(_PT_ORDINALS) else match.group(0)


# what espeak-ng misreads, written as said: "3e" is read "trois e", "3.ª" "três ordinal feminino"
_SAID_AS: dict[str, list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]]] = {
    "fr": [(re.compile(r"\b1re\b"), "première"), (re.compile(r"\b(\d+)e\b"), r"\1ème")],
    "pt": [(re.compile(r"\b(\d+)\.([ªº])"), _pt_ordinal)],
}


def _long_date(lang: str) -> Callable[[re.Match[str]], str]:
    def said(match: re.Match[str]) -> str:
        day, month, year = (int(part) for part in match.groups())
        try:
            return format_date(date(year, month, day), format="long", locale=_DATE_LOCALES.get(lang, lang))
        except ValueError:
            return match.group(0)

    return said


def spoken_form(text: str, lang: str) -> str:
    """The text as espeak-ng should get it: 20/11/2026 as "20 novembre 2026" (a slash is read "slash" in Arabic and
    English), ordinals as words. Part of the files' names through SETTINGS: bump it when this changes."""
    text = _NUMERIC_DATE.sub(_long_date(lang), text)
    for pattern, replacement in _SAID_AS.get(lang, []):
        text = pattern.sub(replacement, text)
    return text


def text_hash(lang: str, text: str) -> str:
    return hashlib.blake2b(f"{SETTINGS}\0{lang}\0{text}".encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class AudioFile:
    name: str  # page.lang.hash.opus, the URL's last part
    size: int  # bytes

    @property
    def kilobytes(self) -> int:
        return max(1, round(self.size / 1000))


class SpeechError(RuntimeError):
    """espeak-ng or opusenc is missing or failed."""


def tools_missing() -> list[str]:
    return [tool for tool in (ESPEAK, OPUSENC) if shutil.which(tool) is None]


def synthesize(text: str, lang: str, target: Path) -> None:
    """Speak `text` in `lang` into the Ogg Opus file `target` (espeak-ng's WAV piped to opusenc, nothing on disk)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as words:
        words.write(spoken_form(text, lang))
        words.flush()
        speaker = subprocess.Popen(  # noqa: S603 (fixed programs, no shell)
            [ESPEAK, "-v", VOICES[lang], "-s", str(WORDS_PER_MINUTE), "-b", "1", "-f", words.name, "--stdout"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert speaker.stdout is not None
        encoder = subprocess.run(  # noqa: S603
            [OPUSENC, "--quiet", "--speech", "--downmix-mono", "--bitrate", str(BITRATE_KBPS), "--framesize", "40",
             "-", str(target)], stdin=speaker.stdout, capture_output=True, check=False)
        speaker.stdout.close()
        speaker_errors = speaker.stderr.read() if speaker.stderr else b""
        speaker.wait()
    if speaker.returncode or encoder.returncode:
        raise SpeechError(f"{ESPEAK} ({speaker.returncode}) or {OPUSENC} ({encoder.returncode}) failed for "
                          f"{target.name}: {(speaker_errors + encoder.stderr).decode(errors='replace')[-300:]}")


class AudioLibrary:
    """The folder of spoken pages: which file a page has, writing one, dropping the ones no page names any more."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def name(self, page: str, lang: str, text: str) -> str:
        return f"{page}.{lang}.{text_hash(lang, text)}{SUFFIX}"

    def find(self, page: str, lang: str, text: str) -> AudioFile | None:
        """The file of this exact text, when built (a missing folder or file: None, the page offers no audio)."""
        if lang not in VOICES or not text:
            return None
        name = self.name(page, lang, text)
        try:
            size = (self.folder / name).stat().st_size
        except OSError:
            return None
        return AudioFile(name, size) if size else None

    def path(self, name: str) -> Path | None:
        """The file behind a URL's name, or None (a name not of ours, or not built)."""
        if not NAME.match(name):
            return None
        path = self.folder / name
        return path if path.is_file() else None

    def version(self) -> str:
        """Changes whenever a file is added or removed (the stamp is replaced, so its inode changes too)."""
        try:
            stat = (self.folder / STAMP).stat()
        except OSError:
            return "none"
        return f"{stat.st_ino}.{stat.st_mtime_ns}"

    def build(self, page: str, lang: str, text: str) -> bool:
        """Make the file of this text unless it is there; drop the page's older files. True when one was made."""
        if lang not in VOICES or not text:
            return False
        name = self.name(page, lang, text)
        if (self.folder / name).is_file():
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".part-", suffix=SUFFIX)
        os.close(handle)
        try:
            synthesize(text, lang, Path(temporary))
            os.chmod(temporary, 0o644)
            os.replace(temporary, self.folder / name)  # whole or absent: a reader never gets half a file
        finally:
            Path(temporary).unlink(missing_ok=True)
        self.prune(page, lang, keep=name)
        return True

    def prune(self, page: str, lang: str, keep: str) -> None:
        for old in self.folder.glob(f"{page}.{lang}.*{SUFFIX}"):
            if old.name != keep and NAME.match(old.name):
                old.unlink(missing_ok=True)
        self.touch()

    def touch(self) -> None:
        """Replace the stamp: every process's page cache renders the guide's pages again."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".stamp-")
        os.close(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, self.folder / STAMP)

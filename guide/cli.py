"""Flask commands: `flask --app guide demo`, `flask --app guide translate extract|update|compile`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from guide.i18n import LANGUAGES, SOURCE_LANGUAGE, TRANSLATIONS_DIR, compile_catalogues

ROOT = Path(__file__).resolve().parent.parent


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Bring the schema up to date and print where to look (demo households come with the household space)."""
        upgrade()
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        click.echo("The database is ready. The public guide needs no sign-in:")
        for code in current_app.config["LANGUAGES"]:
            click.echo(f"  {LANGUAGES[code].name:10} {base}/?lang={code}")

    @app.cli.group("translate")
    def translate() -> None:
        """Interface strings: extract, update and compile the gettext catalogues."""

    def pybabel(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)

    @translate.command("extract")
    def extract() -> None:
        """Collect the strings from code and templates into translations/messages.pot."""
        pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
                "-o", str(TRANSLATIONS_DIR / "messages.pot"), "guide", "templates")

    @translate.command("update")
    def update() -> None:
        """Extract, then merge the new strings into every language's messages.po."""
        extract.callback()  # type: ignore[misc]
        for code in LANGUAGES:
            if code == SOURCE_LANGUAGE:
                continue
            po = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"
            action = "update" if po.exists() else "init"
            pybabel(action, "-i", str(TRANSLATIONS_DIR / "messages.pot"), "-d", str(TRANSLATIONS_DIR), "-l", code,
                    *(["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []))

    @translate.command("compile")
    def compile_() -> None:
        """Compile the catalogues (the app also does it at start when a .po is newer)."""
        click.echo("compiled: " + (", ".join(compile_catalogues()) or "nothing to do"))

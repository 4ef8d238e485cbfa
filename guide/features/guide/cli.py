"""`flask --app guide audio build`: the spoken guide pages, made ahead of time (guide/features/guide/listen.py)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from guide.core.audio import tools_missing
from guide.features.guide import listen


def register(app: Flask) -> None:
    group = AppGroup("audio", help="Spoken guide pages: the read-aloud fallback for phones without a voice.")
    app.cli.add_command(group)

    @group.command("build")
    @click.option("--lang", "languages", multiple=True, help="Only this language (repeatable); default: all.")
    @click.option("--page", "pages", multiple=True, help='Only this page, e.g. "stages-visit", "pages-costs", '
                  '"glossary" (repeatable); default: every stage, rights page and the glossary.')
    @click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="the cores",
                  help="Pages spoken at once (each is an espeak-ng and an opusenc process).")
    @click.option("--quiet", is_flag=True, help="Print the summary only.")
    def build(languages: tuple[str, ...], pages: tuple[str, ...], jobs: int, quiet: bool) -> None:
        """Speak every guide page in each language into AUDIO_DIR (espeak-ng, opusenc); files already up to date
        are kept, so a second run only renders the pages. A page whose file is missing simply offers none.
        A page that fails to be spoken does not stop the others: the failures are listed at the end, exit 1."""
        missing = tools_missing()
        if missing:
            raise click.ClickException(f"not installed: {', '.join(missing)} (Debian: apt-get install espeak-ng "
                                       "opus-tools)")
        configured = list(current_app.config["LANGUAGES"])
        unknown = [code for code in languages if code not in configured]
        if unknown:
            raise click.BadParameter(f"not a language of the site: {', '.join(unknown)}", param_hint="--lang")

        def progress(name: str, made: bool) -> None:
            if made and not quiet:
                click.echo(f"made {name}")

        report = listen.build(list(languages) or configured, only=set(pages) or None, jobs=jobs, progress=progress)
        files = len(report.made) + report.kept
        average = report.bytes / files / 1000 if files else 0
        click.echo(f"{len(report.made)} made, {report.kept} already up to date, {files} files, "
                   f"{report.bytes / 1_000_000:.1f} MB ({average:.0f} KB each on average), "
                   f"{report.seconds:.1f} s, in {current_app.config['AUDIO_DIR']}")
        if report.failed:  # the other pages were built; the ones listed keep offering no file (or their old one)
            for name, why in report.failed:
                click.echo(f"failed {name}: {why}", err=True)
            raise click.ClickException(f"{len(report.failed)} page(s) could not be spoken: "
                                       f"{', '.join(name for name, _why in report.failed)}")

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
        """Bring the schema up to date, load demo staff and households, and print how to sign in as each."""
        from guide.demo import load_demo
        from guide.public.views import today

        upgrade()
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        rows = load_demo(today())
        click.echo("The public guide needs no sign-in:")
        for code in current_app.config["LANGUAGES"]:
            click.echo(f"  {LANGUAGES[code].name:10} {base}/?lang={code}")
        click.echo(f"Staff sign in at {base}/staff/login:")
        for who, _lang, how in rows:
            if "@" in how:
                click.echo(f"  {who:40} {how}")
        click.echo(f"Households sign in at {base}/sign-in with their phone number; the SMS code is printed here:")
        for who, lang, how in rows:
            if "@" not in how:
                click.echo(f"  {who:40} [{lang}] {how}")

    sms_group = click.Group("sms", help="The SMS channel.")
    app.cli.add_command(sms_group)

    @sms_group.command("dispatch")
    @click.option("--once", is_flag=True, help="Drain what is due, then exit.")
    @click.option("--interval", default=5.0, help="Seconds between rounds when running continuously.")
    def sms_dispatch(once: bool, interval: float) -> None:
        """Send due SMS from the outbox (safe to run as several processes)."""
        import time

        from guide.sms.outbox import dispatch_once

        while True:
            result = dispatch_once()
            if result.claimed or result.reconciled:
                click.echo(f"sent {result.sent}, retried {result.retried}, failed {result.failed}, "
                           f"reconciled {result.reconciled}, review {result.review}, skipped {result.skipped}")
            if once and not result.claimed:
                break
            if not result.claimed:
                time.sleep(interval)

    @sms_group.command("schedule")
    def sms_schedule() -> None:
        """Recompute every household's reminders (also done on each change; run it nightly as a safety net)."""
        import time

        from guide.extensions import db
        from guide.sms.schedule import sync

        started = time.perf_counter()
        result = sync()
        db.session.commit()
        click.echo(f"{result.wanted} reminders wanted: {result.queued} queued, {result.moved} moved, "
                   f"{result.withdrawn} withdrawn, {result.unchanged} unchanged "
                   f"({time.perf_counter() - started:.2f} s)")

    staff_group = click.Group("staff", help="Staff accounts.")
    app.cli.add_command(staff_group)

    @staff_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(["officer", "mediator", "mediation_group", "admin"]), required=True)
    @click.option("--phone", default=None, help="Work number shown to households.")
    @click.password_option()
    def staff_create(email: str, name: str, role: str, phone: str | None, password: str) -> None:
        """Create a staff account (the password is stored as an argon2 hash)."""
        from sqlalchemy import select

        from guide.extensions import db
        from guide.models import StaffUser
        from guide.phones import normalize
        from guide.security import hash_password

        if len(password) < 12:
            raise click.BadParameter("use at least 12 characters", param_hint="password")
        if db.session.scalars(select(StaffUser).where(StaffUser.email == email.lower())).first():
            raise click.BadParameter("an account with this email exists", param_hint="email")
        e164 = normalize(phone) if phone else None
        if phone and e164 is None:
            raise click.BadParameter("not a valid phone number", param_hint="phone")
        db.session.add(StaffUser(email=email.lower(), name=name, role=role, phone=e164,
                                 password_hash=hash_password(password)))
        db.session.commit()
        click.echo(f"created {role} {email}")

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

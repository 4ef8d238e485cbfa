"""Flask commands: `flask --app guide demo`, `flask --app guide backup PATH`,
`flask --app guide translate extract|update|compile`, `flask --app guide optimize-db` (nightly: the query
planner's statistics, guide/core/maintenance.py); `audio build` comes from the guide room (features/guide/cli.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from guide.core.extensions import db
from guide.core.i18n import SOURCE_LANGUAGE, TRANSLATIONS_DIR, compile_catalogues, configured_languages, language
from guide.core.maintenance import backup_database, optimize, stop_on_signals
from guide.core.phones import normalize
from guide.core.security import hash_password
from guide.demo import load_demo
from guide.features.guide.cli import register as register_audio
from guide.features.guide.public import today
from guide.features.privacy.cli import register as register_privacy
from guide.features.reminders.service import sync
from guide.jobs import register as register_jobs
from guide.messaging.gateway import make_gateway
from guide.messaging.outbox import dispatch_once
from guide.messaging.route import describe, route_problem
from guide.models import Role, StaffUser
from guide.models.staff import TITLE_LENGTH

ROOT = Path(__file__).resolve().parent.parent


def register_cli(app: Flask) -> None:
    register_privacy(app)
    register_audio(app)
    register_jobs(app)
    _register_demo(app)
    _register_sms(app)
    _register_staff(app)
    _register_backup(app)
    _register_translate(app)
    _register_optimize(app)


def _register_demo(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Bring the schema up to date, load demo staff and households, and print how to sign in as each."""
        from flask_migrate import upgrade  # noqa: PLC0415 (Alembic: 0.3 s at every start of the web app otherwise)

        upgrade()
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        rows = load_demo(today())
        click.echo("The public guide needs no sign-in:")
        for code in current_app.config["LANGUAGES"]:
            click.echo(f"  {language(code).name:10} {base}/?lang={code}")
        click.echo(f"Staff sign in at {base}/staff/login:")
        for who, _lang, how in rows:
            if "@" in how:
                click.echo(f"  {who:40} {how}")
        click.echo(f"Households sign in at {base}/sign-in with their phone number; the SMS code is printed here:")
        for who, lang, how in rows:
            if "@" not in how:
                click.echo(f"  {who:40} [{lang}] {how}")


def _register_sms(app: Flask) -> None:
    sms_group = click.Group("sms", help="The SMS channel.")
    app.cli.add_command(sms_group)

    @sms_group.command("dispatch")
    @click.option("--once", is_flag=True, help="Drain what is due, then exit.")
    @click.option("--interval", default=5.0, help="Seconds between rounds when running continuously.")
    def sms_dispatch(once: bool, interval: float) -> None:
        """Send due SMS from the outbox (safe to run as several processes).

        SIGTERM or Ctrl-C: the sends under way finish and are recorded, the messages claimed and not sent go back to
        the queue, then the process exits 0; nothing is left "sending"."""

        config = current_app.config
        problem = route_problem(config)
        if problem:
            raise click.ClickException(problem)
        gateway = make_gateway(current_app)  # one SDK client, its connections kept from round to round
        with stop_on_signals() as stop:
            while not stop.is_set():
                result = dispatch_once(gateway, limit=config["SMS_BATCH"], senders=config["SMS_SENDERS"],
                                       stop=stop.is_set)
                if result.claimed or result.reconciled:
                    click.echo(f"sent {result.sent}, retried {result.retried}, failed {result.failed}, "
                               f"reconciled {result.reconciled}, review {result.review}, skipped {result.skipped}"
                               + (f", put back in the queue {result.released}" if result.released else ""))
                if once and not result.claimed:
                    break
                if not result.claimed:
                    stop.wait(interval)
            if stop.is_set():
                click.echo("stopped: nothing left sending", err=True)

    @sms_group.command("check-route")
    def sms_check_route() -> None:
        """Refuse an SMS route that cannot work in France (two-way from a 06/07 number, replies to an alphanumeric
        sender); bin/entrypoint runs it before the web and dispatcher processes start."""
        problem = route_problem(current_app.config)
        if problem:
            raise click.ClickException(problem)
        click.echo(describe(current_app.config))

    @sms_group.command("schedule")
    def sms_schedule() -> None:
        """Recompute every household's reminders (also done on each change; run it nightly as a safety net)."""

        started = time.perf_counter()
        result = sync()
        db.session.commit()
        click.echo(f"{result.wanted} reminders wanted: {result.queued} queued, {result.moved} moved, "
                   f"{result.withdrawn} withdrawn, {result.unchanged} unchanged "
                   f"({time.perf_counter() - started:.2f} s)")


def _register_staff(app: Flask) -> None:
    staff_group = click.Group("staff", help="Staff accounts.")
    app.cli.add_command(staff_group)

    @staff_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
    @click.option("--phone", default=None, help="Work number shown to households.")
    @click.option("--title", default=None, help='Shown beside the name, in French: "chargée de relogement", '
                  '"médiateur"... (default: the role\'s label).')
    @click.password_option()
    def staff_create(email: str, name: str, role: str, phone: str | None, title: str | None,
                     password: str) -> None:
        """Create a staff account (the password is stored as an argon2 hash)."""

        if len(password) < 12:
            raise click.BadParameter("use at least 12 characters", param_hint="password")
        if db.session.scalars(select(StaffUser).where(StaffUser.email == email.lower())).first():
            raise click.BadParameter("an account with this email exists", param_hint="email")
        e164 = normalize(phone) if phone else None
        if phone and e164 is None:
            raise click.BadParameter("not a valid phone number", param_hint="phone")
        db.session.add(StaffUser(email=email.lower(), name=name, role=role, phone=e164, title=clean_title(title),
                                 password_hash=hash_password(password)))
        db.session.commit()
        click.echo(f"created {role} {email}")

    @staff_group.command("title")
    @click.argument("email")
    @click.argument("title", required=False, default="")
    def staff_title(email: str, title: str) -> None:
        """Set the title EMAIL's person uses beside their name, in French ("chargée de relogement",
        "médiateur"...): letters, the households' contacts. Without TITLE: back to the role's label."""
        member = db.session.scalars(select(StaffUser).where(StaffUser.email == email.lower())).first()
        if member is None:
            raise click.BadParameter("no account with this email", param_hint="email")
        member.title = clean_title(title)
        db.session.commit()
        click.echo(f"{member.name}, {member.title}" if member.title else
                   f"{member.name}: no title, the label of the role {member.role} is shown")


def _register_optimize(app: Flask) -> None:
    @app.cli.command("optimize-db")
    def optimize_db() -> None:
        """Nightly: refresh the query planner's statistics (SQLite: ANALYZE and PRAGMA optimize)."""
        started = time.perf_counter()
        with db.engine.connect() as connection:
            statements = optimize(connection, nightly=True)
        click.echo(f"{'; '.join(statements) or 'nothing to do'} ({time.perf_counter() - started:.2f} s)")


def _register_backup(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    def backup(path: Path) -> None:
        """Copy the database to PATH while the app runs: SQLite's online backup, or pg_dump --format=custom."""
        kind = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
        click.echo(f"{kind} backup written to {path}")


def _register_translate(app: Flask) -> None:
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
        extract.callback()  # type: ignore[misc]  # click types a callback as optional: this command has one
        for code in configured_languages():
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


def clean_title(title: str | None) -> str | None:
    """A staff title as stored: spaces trimmed, None when empty; too long is refused."""
    cleaned = " ".join((title or "").split())
    if len(cleaned) > TITLE_LENGTH:
        raise click.BadParameter(f"at most {TITLE_LENGTH} characters", param_hint="title")
    return cleaned or None

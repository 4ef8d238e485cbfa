"""`flask --app guide privacy retention|export|erase`: the data protection commands
(guide/features/privacy/service.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from guide.core import audit
from guide.core.extensions import db
from guide.features.privacy.retention import run_retention
from guide.features.privacy.service import erase_household, export_household
from guide.models import Household


def register(app: Flask) -> None:
    group = AppGroup("privacy", help="Data protection: retention job, a household's export, its erasure.")
    app.cli.add_command(group)

    def _find(reference: str) -> Household:
        household = db.session.scalars(select(Household).where(Household.reference == reference.strip())).first()
        if household is None:
            raise click.ClickException(f"no household with reference {reference!r}")
        return household

    @group.command("retention")
    @click.option("--dry-run", is_flag=True, help="Count what would go, change nothing.")
    def retention(dry_run: bool) -> None:
        """Anonymise households past the retention period; purge old codes, links, sessions, SMS texts, log entries."""

        result = run_retention(datetime.now(UTC), dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        click.echo(f"households anonymised: {len(result.households)} ({verb})")
        if result.failed:
            click.echo(f"households that could not be anonymised: {len(result.failed)} (see the log)")
        click.echo(f"sign-in codes purged: {result.sign_in_codes}; sign-in links purged: {result.sign_in_links}; "
                   f"sign-in tries purged: {result.sign_in_tries}; "
                   f"ended or expired sessions purged: {result.sessions}")
        click.echo(f"SMS texts blanked or masked: {result.sms_texts}; SMS rows of no household deleted: "
                   f"{result.sms_rows}; SMS sessions ended: {result.sms_sessions}")
        click.echo(f"access-log entries deleted: {result.access_log}")
        if result.failed:
            raise SystemExit(1)

    @group.command("export")
    @click.argument("reference")
    def export(reference: str) -> None:
        """Print a household's data as JSON (right of access); the export is written to the access log."""

        household = _find(reference)
        with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
            data = export_household(household)
        audit.record("system", None, "export", household_id=household.id, entity="household",
                     entity_id=household.id, channel="cli")
        db.session.commit()
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))

    @group.command("erase")
    @click.argument("reference")
    @click.option("--yes", is_flag=True, help="Confirm: the erasure cannot be undone.")
    def erase(reference: str, yes: bool) -> None:
        """Erase a household, keeping only anonymous statistics (one transaction)."""

        household = _find(reference)
        if not yes:
            raise click.ClickException("erasure cannot be undone: add --yes to confirm")
        statistic = erase_household(household, "system", None, reason="request")
        db.session.commit()
        click.echo(f"erased; anonymous statistics kept: stage {statistic.stage}, {statistic.proposals} proposals, "
                   f"{statistic.refusals} refusals, {statistic.mediations} mediations")

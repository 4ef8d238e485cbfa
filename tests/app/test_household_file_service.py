"""The staff household file's writes live in guide/features/household_file/service.py: the record and its access-log
entry in one transaction. The views in guide/features/household_file/staff.py only read the form, check access, call
and redirect."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guide.core.extensions import db
from guide.features.household_file import service as household_file
from guide.models import AuditEntry, ContactNote, Household, Role, StaffUser
from tests.factories import make_household, make_staff


def _counts(app, household_id: int) -> tuple[int, int, date | None]:  # type: ignore[no-untyped-def]
    with app.app_context():
        notes = db.session.scalar(select(func.count()).select_from(ContactNote)
                                  .where(ContactNote.household_id == household_id))
        logged = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.entity == "contact_note"))
        return notes, logged, db.session.get(Household, household_id).last_contact_on


def test_a_note_its_log_entry_and_the_last_contact_are_saved_together(app, ctx) -> None:  # type: ignore[no-untyped-def]
    officer = make_staff(role=Role.OFFICER)
    household = make_household(officer_id=officer.id)
    with app.test_request_context():
        household_file.add_note(db.session.get(Household, household.id), db.session.get(StaffUser, officer.id),
                                date(2026, 11, 20), "phone", "Rappeler lundi")
    assert _counts(app, household.id) == (1, 1, date(2026, 11, 20)), "the note, its log entry and the date go together"


def test_a_note_whose_log_entry_fails_is_not_saved(app, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    officer = make_staff(role=Role.OFFICER)
    household = make_household(officer_id=officer.id)

    def broken(*_args, **_kwargs) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("the access log is down")

    monkeypatch.setattr("guide.core.audit.record", broken)
    with app.test_request_context():
        with pytest.raises(RuntimeError):
            household_file.add_note(db.session.get(Household, household.id),
                                    db.session.get(StaffUser, officer.id), date(2026, 11, 20), "phone", "Rappeler")
        db.session.rollback()
    assert _counts(app, household.id) == (0, 0, None), "a note without its log entry must not be saved"


def test_the_file_views_write_nothing_themselves() -> None:
    """No session write, commit or model construction in guide/features/household_file/staff.py: the service does it."""
    views = Path(__file__).resolve().parents[2] / "guide" / "features" / "household_file" / "staff.py"
    source = views.read_text(encoding="utf-8")
    writes = re.findall(r"db\.session\.(?:add|delete|commit|flush)\b|\b(?:Proposal|Appointment|ContactNote|Consent|"
                        r"BudgetFacts|HouseholdPhone)\(", source)
    assert not writes, f"guide/features/household_file/staff.py writes itself: {writes}"

"""guide/core/together.py: several short lists in one statement, each list whole and only its own rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import event, inspect, select

from guide.core.extensions import db
from guide.core.together import Part, load_together
from guide.models import ContactNote, MoveExpense, Proposal
from tests.factories import make_household, make_proposal


def _statements(app: Flask, run: Any) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        return run(), seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_lists_come_back_whole_in_one_statement(app: Flask, ctx: None) -> None:
    mine, other = make_household(), make_household()
    for rank in (3, 1, 2):
        make_proposal(mine, rank=rank)
    make_proposal(other, rank=1)
    with app.app_context():
        db.session.add(MoveExpense(household_id=mine.id, kind="mail_forwarding", idempotency_key="k1",
                                   amount=Decimal("35.90"), invoice_on=date(2026, 11, 2), due_on=date(2026, 11, 10),
                                   photo=b"\x89PNG big bytes", photo_type="image/png"))
        db.session.commit()
        (proposals, notes, expenses), seen = _statements(app, lambda: load_together(
            Part(select(Proposal).where(Proposal.household_id == mine.id),
                 order=lambda rows: sorted(rows, key=lambda p: p.rank)),
            Part(select(ContactNote).where(ContactNote.household_id == mine.id)),
            Part(select(MoveExpense).where(MoveExpense.household_id == mine.id), without=[MoveExpense.photo])))
        assert len(seen) == 1, f"three lists cost {len(seen)} statements: {seen}"
        assert [(p.household_id, p.rank) for p in proposals] == [(mine.id, 1), (mine.id, 2), (mine.id, 3)], \
            "the proposals list is not this household's three, in the order asked"
        assert notes == [], "an empty list came back with rows"
        assert [e.kind for e in expenses] == ["mail_forwarding"]
        assert "photo" in inspect(expenses[0]).unloaded, "a column left out was read anyway"
        assert expenses[0].photo == b"\x89PNG big bytes", "a column left out cannot be read when asked for"


def test_rows_are_summed_not_multiplied(app: Flask, ctx: None) -> None:
    """Lists of 3 and 2 rows: each row once (a product of the lists, as collections joined on one parent give,
    would put each proposal twice and each note three times)."""
    household = make_household()
    for rank in (1, 2, 3):
        make_proposal(household, rank=rank)
    with app.app_context():
        for n in range(2):
            db.session.add(ContactNote(household_id=household.id, on=date(2026, 11, 1 + n), channel="phone",
                                       text=f"Appel {n}"))
        db.session.commit()
        proposals, notes = load_together(Part(select(Proposal).where(Proposal.household_id == household.id)),
                                         Part(select(ContactNote).where(ContactNote.household_id == household.id)))
        assert (len(proposals), len(notes)) == (3, 2)
        assert len({id(p) for p in proposals}) == 3, "a row came back twice"

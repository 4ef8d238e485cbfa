"""Several short lists read by one SQL statement (`load_together`).

A page that shows many short lists about one household (its proposals, appointments, notes, consents...) would
run one statement per list. `load_together` runs them as one: each query becomes a subquery, and the subqueries
are set side by side with FULL OUTER JOIN ... ON false, so every result row carries the row of exactly one query
(the other queries' columns are NULL). It is a UNION ALL of different tables whose rows the ORM still turns into
objects, in the session's identity map like any others. The rows are the sum of the lists, never their product
(unlike several collections joined-eager-loaded on one parent).

SQL keeps no order from a subquery: each list comes back in no particular order, and the caller sorts it (the
`Part`'s `order`). Needs FULL OUTER JOIN: PostgreSQL, or SQLite ≥ 3.39.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Subquery, false, null, select
from sqlalchemy.orm import InstrumentedAttribute, aliased, defer
from sqlalchemy.orm.interfaces import LoaderOption

from guide.core.extensions import db


@dataclass(frozen=True)
class Part:
    """One list: `query` selects one mapped class (`select(Model).where(...)`, with a LIMIT if it needs one);
    `order` sorts the loaded rows (the query's ORDER BY holds only inside its subquery, for its LIMIT);
    `options(alias)` gives loader options on the aliased class (selectinload...); `without` names columns not read
    (large ones: a photo's bytes), NULL in the subquery and deferred on the objects (read if ever used)."""

    query: Select[Any]
    order: Callable[[list[Any]], list[Any]] = list
    options: Callable[[Any], Sequence[LoaderOption]] = field(default=lambda _alias: ())
    without: Sequence[InstrumentedAttribute[Any]] = ()

    def subquery(self) -> Subquery:
        left_out = {attribute.key for attribute in self.without}
        if not left_out:
            return self.query.subquery()
        return self.query.with_only_columns(*(null().label(column.name) if column.name in left_out else column
                                              for column in self.query.selected_columns)).subquery()


def load_together(*parts: Part) -> list[list[Any]]:
    """The rows of each part, in one statement (in the parts' order)."""
    subqueries = [part.subquery() for part in parts]
    entities = [aliased(part.query.column_descriptions[0]["entity"], subquery, adapt_on_names=True)
                for part, subquery in zip(parts, subqueries, strict=True)]
    joined: Any = subqueries[0]
    for subquery in subqueries[1:]:
        joined = joined.outerjoin(subquery, false(), full=True)
    statement = select(*entities).select_from(joined)
    for part, entity in zip(parts, entities, strict=True):
        statement = statement.options(*part.options(entity), *(defer(getattr(entity, attribute.key))
                                                                for attribute in part.without))
    lists: list[list[Any]] = [[] for _ in parts]
    for row in db.session.execute(statement):
        for rows, loaded in zip(lists, row, strict=True):
            if loaded is not None:
                rows.append(loaded)
    return [part.order(rows) for part, rows in zip(parts, lists, strict=True)]

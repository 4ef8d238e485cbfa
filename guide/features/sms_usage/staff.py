"""Messages and segments per month for the last 12 months, by outcome and by kind (admins, mediation group)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from guide.core import audit
from guide.core.auth import staff_may
from guide.core.extensions import db
from guide.core.permissions import SEE_SMS_USAGE
from guide.core.timeutil import zone
from guide.messaging.labels import KIND_FAMILIES, OUTCOMES, kind_family, kind_label
from guide.models import SmsMessage

bp = Blueprint("staff", __name__, url_prefix="/staff")



def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Tally:
    messages: int = 0
    segments: int = 0

    def add(self, messages: int, segments: int) -> None:
        self.messages += messages
        self.segments += segments


@dataclass
class UsageMonth:
    key: str  # "2026-11"
    label: str
    total: Tally = field(default_factory=Tally)
    outcomes: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in OUTCOMES})
    families: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KIND_FAMILIES})


def month_starts(now: datetime, months: int = 12) -> list[datetime]:
    """The first instants (UTC) of the last `months` months in the service's zone, and of the next month."""
    here = now.astimezone(zone())
    year, month = here.year, here.month
    firsts = []
    for back in range(months - 1, -2, -1):
        y, m = divmod((year * 12 + month - 1) - back, 12)
        firsts.append(datetime(y, m + 1, 1, tzinfo=zone()).astimezone(UTC))
    return firsts


def usage(now: datetime) -> tuple[list[UsageMonth], UsageMonth, dict[str, Tally]]:
    """Messages and segments per month (sent, or due, in that month), by outcome and kind; totals.

    One portable query (a CASE over the month bounds, grouped in a subquery) for SQLite and PostgreSQL alike."""
    bounds = month_starts(now)
    moment = func.coalesce(SmsMessage.sent_at, SmsMessage.send_after)
    month_index = case(*[(moment < bounds[i + 1], i) for i in range(len(bounds) - 1)], else_=len(bounds))
    rows = select(month_index.label("month"), SmsMessage.kind.label("kind"), SmsMessage.status.label("status"),
                  SmsMessage.segments.label("segments")).where(moment >= bounds[0], moment < bounds[-1]).subquery()
    grouped = db.session.execute(select(rows.c.month, rows.c.kind, rows.c.status, func.count(),
                                        func.coalesce(func.sum(rows.c.segments), 0))
                                 .group_by(rows.c.month, rows.c.kind, rows.c.status)).all()
    months = []
    for start in bounds[:-1]:
        first = start.astimezone(zone()).date()
        months.append(UsageMonth(key=f"{first:%Y-%m}", label=format_date(date(first.year, first.month, 1),
                                                                           "LLLL y")))
    kinds: dict[str, Tally]
    total, kinds = UsageMonth(key="total", label=_("Total sur 12 mois")), {}
    outcome_of = {state: name for name, (states, _label) in OUTCOMES.items() for state in states}
    for index, kind, status, messages, segments in grouped:
        if not 0 <= index < len(months):
            continue
        outcome = outcome_of.get(status, "waiting")
        for target in (months[index], total):
            target.total.add(messages, segments)
            target.outcomes[outcome].add(messages, segments)
            target.families[kind_family(kind)].add(messages, segments)
        kinds.setdefault(kind, Tally()).add(messages, segments)
    return list(reversed(months)), total, dict(sorted(kinds.items()))


@bp.get("/sms/usage")
@staff_may(SEE_SMS_USAGE)
def sms_usage() -> ResponseReturnValue:
    months, total, kinds = usage(_now())
    audit.record("staff", g.staff.id, "read_sms_usage")
    return render_template("staff/sms_usage.html", months=months, total=total, kinds=kinds,
                           outcomes={k: label for k, (_states, label) in OUTCOMES.items()},
                           families=KIND_FAMILIES, kind_label=kind_label,
                           show_logged=total.outcomes["logged"].messages > 0)

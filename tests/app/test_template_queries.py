"""Views build the whole template context: no template, global or filter reads the database while a page renders.

A statement counter on the engine notes every SQL statement sent between Flask's before_render_template and
template_rendered signals (and jinja2-fragments' block signals, for htmx fragments)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import before_render_template, template_rendered
from jinja2_fragments.flask import before_render_template_block, template_block_rendered
from sqlalchemy import event

from guide.core.extensions import db
from guide.models import Role
from guide.models.sms import InboxStatus, SmsInbound
from tests import factories
from tests.factories import (
    make_appointment,
    make_budget,
    make_household,
    make_move_expense,
    make_plan_item,
    make_proposal,
    make_staff,
    signed_in,
)


class RenderQueries:
    """The SQL statements sent while a template was rendering, by template name."""

    def __init__(self) -> None:
        self.rendering: list[str] = []
        self.seen: list[tuple[str, str]] = []
        self.rendered: list[str] = []

    def before(self, _app, template=None, template_name=None, **_kw) -> None:  # type: ignore[no-untyped-def]
        self.rendering.append(template_name or template.name)

    def after(self, _app, template=None, template_name=None, **_kw) -> None:  # type: ignore[no-untyped-def]
        self.rendered.append(self.rendering.pop())

    def statement(self, _conn, _cursor, statement, _parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if self.rendering:
            self.seen.append((self.rendering[-1], " ".join(statement.split())[:160]))


@pytest.fixture()
def render_queries(app) -> Iterator[RenderQueries]:  # type: ignore[no-untyped-def]
    recorder = RenderQueries()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", recorder.statement)
    for start, end in ((before_render_template, template_rendered),
                       (before_render_template_block, template_block_rendered)):
        start.connect(recorder.before, app)
        end.connect(recorder.after, app)
    yield recorder
    event.remove(engine, "before_cursor_execute", recorder.statement)
    for start, end in ((before_render_template, template_rendered),
                       (before_render_template_block, template_block_rendered)):
        start.disconnect(recorder.before, app)
        end.disconnect(recorder.after, app)


def _household_with_everything(officer_id: int, **overrides):  # type: ignore[no-untyped-def]
    """A moved household with a proposal, an appointment, a budget, a plan, a cost to refund and an SMS waiting."""

    household = make_household(stage="my-answer", officer_id=officer_id,
                               moved_on=date.today() - timedelta(days=70), **overrides)
    make_proposal(household)
    make_appointment(household)
    make_budget(household)
    make_plan_item(household, "action", {"text": "Appeler la CAF"})
    make_move_expense(household, invoice_on=date.today() - timedelta(days=60))

    with factories.APP.app_context():
        db.session.add(SmsInbound(message_sid=f"SM{household.id:032d}", household_id=household.id,
                                  from_number="+33612345678", body="Bonjour", received_at=datetime.now(UTC),
                                  inbox_status=InboxStatus.OPEN))
        db.session.commit()
    return household


def _assert_no_render_queries(client, recorder: RenderQueries, urls: list[str]) -> None:  # type: ignore[no-untyped-def]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{url} gave {response.status_code}"
    assert recorder.rendered, "no template was rendered: the signals were not caught"
    assert not recorder.seen, "templates read the database while rendering (the view must pass the data in):\n" + \
        "\n".join(f"  {name}: {sql}" for name, sql in recorder.seen)


def test_staff_pages_render_without_queries(client, app, ctx, render_queries) -> None:  # type: ignore[no-untyped-def]
    officer, mediator, admin = (make_staff(role=role) for role in (Role.OFFICER, Role.MEDIATOR, Role.ADMIN))
    household = _household_with_everything(officer.id, mediator_id=mediator.id)
    base = f"/staff/households/{household.id}"
    file_pages = ["/staff/", base, f"{base}/after-move", "/staff/refunds", "/staff/sms/inbox"]
    plan_pages = [f"{base}/plan", f"{base}/plan/profile", f"{base}/plan/project", f"{base}/plan/visits"]
    signed_in(client, staff_id=officer.id)
    _assert_no_render_queries(client, render_queries, [*file_pages, f"{base}/data"])
    signed_in(client, staff_id=mediator.id)
    _assert_no_render_queries(client, render_queries, [*file_pages, *plan_pages])
    signed_in(client, staff_id=admin.id)
    _assert_no_render_queries(client, render_queries, [
        *file_pages, *plan_pages, f"{base}/data", f"{base}/erase", "/staff/access-log", "/staff/accounts",
        "/staff/mediation", "/staff/sms/usage", "/staff/survey"])


def test_household_pages_render_without_queries(client, app, ctx, render_queries) -> None:  # type: ignore[no-untyped-def]
    household = _household_with_everything(make_staff(role=Role.OFFICER).id)
    signed_in(client, household_id=household.id)
    _assert_no_render_queries(client, render_queries, [
        "/my", "/my/move", "/my/survey", "/my/data", "/my/plan", "/my/plan/profile", "/my/plan/project",
        "/my/plan/visits", "/my/mediation"])

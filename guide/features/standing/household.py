"""The household space: "where I stand" (what matters now, and one link to each of the rest), proposals,
contacts, written requests, papers."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Select, select

from guide.core import housing_benefit
from guide.core.auth import household_required, own_proposal
from guide.core.extensions import db
from guide.core.forms import ConfirmForm
from guide.core.i18n import negotiate_language
from guide.core.personal_pages import kept_per_revision, valid_until
from guide.core.timeutil import today
from guide.core.together import Part, load_together
from guide.features.after_move import service as after_move
from guide.features.plan import service as plan
from guide.features.simulator.service import figures, reason_words, verdict_words
from guide.features.standing.service import (
    active_appointments_query,
    affordability,
    budget_of,
    housing_benefits,
    proposals_query,
    standing,
)
from guide.models import PlanItemKind, WrittenRequest

bp = Blueprint("household", __name__)


def _written_requests_query() -> Select[WrittenRequest]:
    """The household's ten latest written requests, newest first."""
    return (select(WrittenRequest).where(WrittenRequest.household_id == g.household.id)
            .order_by(WrittenRequest.id.desc()).limit(10))


def _written_requests() -> list[WrittenRequest]:
    return list(db.session.scalars(_written_requests_query()).all())


def _newest_first(rows: list[WrittenRequest]) -> list[WrittenRequest]:
    return sorted(rows, key=lambda r: r.id, reverse=True)


@bp.get("/my")
@household_required
@kept_per_revision
def home() -> ResponseReturnValue:
    """What matters now (the stage, the one thing to do and its date, the next appointment), then one link to
    each of the rest, with its main fact: one screen or two on a phone instead of eight cards. Kept in memory
    until the household's file changes (core/personal_pages.py), or its next appointment starts."""
    household = g.household
    # the page's short lists in one statement (guide/core/together.py)
    proposals, appointments, requests, actions = load_together(
        Part(proposals_query(household), order=lambda rows: sorted(rows, key=lambda p: p.rank)),
        Part(active_appointments_query(household),
             order=lambda rows: sorted(rows, key=lambda a: (a.starts_at, a.id))),
        Part(_written_requests_query(), order=_newest_first),
        Part(plan.items_query(household.id, PlanItemKind.ACTION), order=plan.item_order))
    view = standing(household, today(), appointments, proposals)
    if view.next_appointment is not None:
        valid_until(view.next_appointment.starts_at)  # then the next one is "next"
    content = current_app.extensions["content"]
    slugs = content.stage_slugs()
    stage_page = content.stage(negotiate_language(), household.stage) if household.stage in slugs else None
    return render_template("household/home.html", household=household, view=view, confirm_form=ConfirmForm(),
                           requests=requests, after=after_move.home_status(household, today()),
                           plan_actions=plan.next_actions(household, 1, lang=negotiate_language(),
                                                          actions=actions),
                           stage_page=stage_page, stage_number=slugs.index(household.stage) + 1 if stage_page else 0,
                           stage_total=len(slugs))


@bp.get("/my/proposals")
@household_required
@kept_per_revision
def proposals() -> ResponseReturnValue:
    return render_template("household/my_proposals.html", household=g.household, view=standing(g.household, today()))


@bp.get("/my/contacts")
@household_required
@kept_per_revision
def contacts() -> ResponseReturnValue:
    return render_template("household/my_contacts.html", household=g.household, view=standing(g.household, today()))


@bp.get("/my/requests")
@household_required
@kept_per_revision
def requests() -> ResponseReturnValue:
    return render_template("household/my_requests.html", household=g.household, requests=_written_requests())


@bp.get("/my/papers")
@household_required
@kept_per_revision
def papers() -> ResponseReturnValue:
    return render_template("household/my_papers.html", household=g.household, view=standing(g.household, today()))


@bp.get("/my/lost-phone")
@household_required
def lost_phone() -> ResponseReturnValue:
    return render_template("household/my_lost_phone.html", household=g.household)


@bp.get("/my/proposals/<int:proposal_id>")
@household_required
def proposal(proposal_id: int) -> ResponseReturnValue:
    found = own_proposal(proposal_id)
    view = standing(g.household, today())
    item = next(p for p in view.proposals if p.proposal.id == found.id)
    budget = budget_of(g.household)
    benefits = housing_benefits(g.household, budget, [found])
    money = affordability(g.household, found, budget, benefits)
    verdict = None
    if money is not None:
        verdict = {"code": money.assessment.verdict.value, "words": verdict_words(money.assessment, True),
                   "reasons": [reason_words(r) for r in money.assessment.reasons],
                   "before": figures(money.before), "after": figures(money.after)}
    rows = [(_("Aujourd'hui"), "now", benefits["now"]),
            (_("Avec ce logement"), "new", benefits[f"proposal-{found.id}"])]
    return render_template("household/proposal.html", household=g.household, item=item, view=view,
                           verdict=verdict, benefit_rows=rows, caf_simulator=housing_benefit.CAF_SIMULATOR)

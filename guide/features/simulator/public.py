"""The budget simulator: the charter's money figures (§7.1) for the current flat and a proposed one.

Two ways in, one reading of the figures and one result: short question pages (a start page, five steps, "check
your answers", the result), and the one-page form at /simulator/all that staff may prefer. GET only, so a result
can be bookmarked; nothing is stored and no sign-in is needed. The answers stay in the page address (the app
sends no Referer, so they do not leak to other sites). Only pages without answers are kept by the page cache:
no one's figures go into a server store. The rules live in `guide.rules.budget`; `service` reads the figures in
the page's language and says the results in words; `steps` cuts the form into pages.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from guide.core.page_cache import cached_page
from guide.features.simulator import steps
from guide.features.simulator.service import (
    ALL_FIELDS,
    GROUPS,
    NEW_FIELDS,
    SOCIAL_NEW,
    SimulatorForm,
    field_views,
    money,
    percent,
    read_form,
    result,
)
from guide.rules.budget import (
    RESTE_A_VIVRE_ALERT,
    TAUX_EFFORT_ALERT,
)

bp = Blueprint("public", __name__)


def _thresholds() -> dict[str, str]:
    return {"rate": percent(TAUX_EFFORT_ALERT), "amount": money(RESTE_A_VIVRE_ALERT)}


def _errors(form: SimulatorForm, names: tuple[str, ...]) -> list[object]:
    fields = field_views(form)
    return [fields[f.name] for f in ALL_FIELDS if f.name in form.errors and f.name in names]


@bp.get("/simulator")
@cached_page
def simulator() -> ResponseReturnValue:
    """The start page; an address of the first version with figures in it opens the one-page form's result."""
    if steps.has_answers(request.args):
        kept = steps.answers(request.args)
        if any(f.name in kept for f in NEW_FIELDS) and SOCIAL_NEW not in kept:
            kept[SOCIAL_NEW] = "0"  # that form's box, left unticked, meant "not social housing"
        return redirect(url_for(".all_on_one_page") + "?" + urlencode(kept), 301)
    return render_template("public/simulator_start.html", first=steps.STEPS[0])


@bp.get("/simulator/<slug>")
def step(slug: str) -> ResponseReturnValue:
    """One step: its fields checked when sent, then the next step (or back to the check page after a change)."""
    current = steps.STEP_BY_SLUG.get(slug)
    if current is None:
        abort(404)
    sent = request.args.get("sent") == "1"
    changing = request.args.get("return") == "check"
    form = read_form(request.args, current.fields if sent else (), sent=sent)  # checked once sent only
    if sent and not form.errors:
        following = steps.next_step(current)
        if changing or following is None:
            return redirect(url_for(".check") + steps.query(request.args), 303)
        return redirect(url_for(".step", slug=following.slug) + steps.query(request.args), 303)
    if not steps.has_answers(request.args) and not sent:
        g.cacheable_page = True  # the same empty page for every reader: kept by the page cache
    previous = steps.previous_step(current)
    if changing:
        back = url_for(".check") + steps.query(request.args)
    elif previous is not None:
        back = url_for(".step", slug=previous.slug) + steps.query(request.args)
    else:
        back = url_for(".simulator")
    fields = field_views(form)
    names = tuple(f.name for f in current.fields)
    return render_template(
        "public/simulator_step.html", step=current, number=steps.step_number(current), total=len(steps.STEPS),
        form=form, fields=[fields[name] for name in names], errors=_errors(form, names), back=back,
        carried=steps.answers(request.args, without=(*names, SOCIAL_NEW) if current.group == "new" else names),
        changing=changing, answers_query=steps.query(request.args))


def _checked_or_redirect() -> SimulatorForm | ResponseReturnValue:
    """Every answer read; a step with an error (an address changed by hand) opens that step with its messages."""
    if not steps.has_answers(request.args):
        return redirect(url_for(".step", slug=steps.STEPS[0].slug), 303)
    form = read_form(request.args, sent=True)
    wrong = steps.first_step_with_errors(form)
    if wrong is not None:
        return redirect(url_for(".step", slug=wrong.slug) + steps.query(request.args, sent="1"), 303)
    return form


@bp.get("/simulator/check")
def check() -> ResponseReturnValue:
    form = _checked_or_redirect()
    if not isinstance(form, SimulatorForm):
        return form
    return render_template("public/simulator_check.html", sections=steps.check_sections(form),
                           change_query=steps.query(request.args, **{"return": "check"}),
                           answers_query=steps.query(request.args), last=steps.STEPS[-1])


@bp.get("/simulator/result")
def result_page() -> ResponseReturnValue:
    form = _checked_or_redirect()
    if not isinstance(form, SimulatorForm):
        return form
    return render_template("public/simulator_result.html", result=result(form), thresholds=_thresholds(),
                           answers_query=steps.query(request.args), form=form)


@bp.get("/simulator/all")
def all_on_one_page() -> ResponseReturnValue:
    """Every figure on one page (staff often prefer it): the same reading and the same result as the steps."""
    form = read_form(request.args, sent=request.args.get("sent") == "1")
    outcome = result(form) if form.submitted and not form.errors else None
    fields = field_views(form)
    if not form.submitted:
        g.cacheable_page = True
    return render_template(
        "public/simulator.html", form=form, result=outcome,
        groups={group: [fields[f.name] for f in ALL_FIELDS if f.group == group] for group in GROUPS},
        errors=_errors(form, tuple(f.name for f in ALL_FIELDS)), thresholds=_thresholds(),
        answers_query=steps.query(request.args))

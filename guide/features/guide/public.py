"""The public guide: home, journey, rights pages, glossary, guided questions. No sign-in, nothing personal."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from guide.core import transaction
from guide.core.audio import MIME_TYPE
from guide.core.auth import public_file, safe_next
from guide.core.content import ContentStore
from guide.core.extensions import csrf
from guide.core.forms import DATE_MESSAGES, PARTS, BadFigure, parse_date_parts
from guide.core.i18n import negotiate_language
from guide.core.page_cache import cached_page
from guide.core.security import same_origin_request
from guide.core.timeutil import today
from guide.features.guide import listen, service
from guide.features.guide.forms import FeedbackForm
from guide.messaging import outbox
from guide.rules.flows import Flow, FlowState, parse_date, walk

bp = Blueprint("public", __name__)

log = logging.getLogger("guide.health")

AUDIO_MAX_AGE = 365 * 24 * 3600


def store() -> ContentStore:
    return current_app.extensions["content"]


@bp.get("/")
@cached_page
def home() -> ResponseReturnValue:
    lang = negotiate_language()
    stages = [store().stage(lang, slug) for slug in store().stage_slugs()]
    return render_template("public/home.html", stages=stages, flows=_flow_list(lang), pages=store().pages(lang))


@bp.get("/journey")
@cached_page
def journey() -> ResponseReturnValue:
    lang = negotiate_language()
    stages = [store().stage(lang, slug) for slug in store().stage_slugs()]
    return render_template("public/journey.html", stages=stages)


@bp.get("/journey/<slug>")
@cached_page
def stage(slug: str) -> ResponseReturnValue:
    lang = negotiate_language()
    context = listen.stage_context(lang, slug)
    if context is None:
        abort(404)
    return _spoken("public/stage.html", f"stages-{slug}", lang, context, feedback=_feedback_form(f"stages/{slug}"))


@bp.get("/pages")
@cached_page
def pages() -> ResponseReturnValue:
    return render_template("public/pages.html", pages=store().pages(negotiate_language()))


@bp.get("/pages/<slug>")
@cached_page
def page(slug: str) -> ResponseReturnValue:
    lang = negotiate_language()
    context = listen.rights_page_context(lang, slug)
    if context is None:
        abort(404)
    return _spoken("public/page.html", f"pages-{slug}", lang, context, feedback=_feedback_form(f"pages/{slug}"))


@bp.get("/glossary")
@cached_page
def glossary() -> ResponseReturnValue:
    lang = negotiate_language()
    return _spoken("public/glossary.html", "glossary", lang, listen.glossary_context(lang))


def _spoken(template: str, key: str, lang: str, context: dict, **extra: object) -> str:
    """A page with a spoken file: its player is offered when the file of the page's present text is built."""
    audio = listen.page_audio(key, template, context, lang)
    return render_template(template, audio=audio, **context, **extra)


@bp.get("/audio/<name>")
@public_file  # the same file for everyone: the session is not read, no "Vary: Cookie"
def audio_file(name: str) -> ResponseReturnValue:
    """A spoken page (core/audio.py): its name holds a hash of its text, so it never changes and is kept a year."""
    path = listen.library().path(name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=MIME_TYPE, max_age=AUDIO_MAX_AGE, conditional=True, etag=True)
    response.headers["Cache-Control"] = f"public, max-age={AUDIO_MAX_AGE}, immutable"
    return response


# --- guided questions -------------------------------------------------------------------------

def _flow_list(lang: str) -> list[dict]:
    flows = sorted(store().flows.values(), key=lambda f: (f.order, f.id))
    return [{"id": f.id, **{k: store().flow_words(lang, f.id).get(k, "") for k in ("title", "summary")}}
            for f in flows]


@bp.get("/flows")
@cached_page
def flows() -> ResponseReturnValue:
    return render_template("public/flows.html", flows=_flow_list(negotiate_language()))


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _fill(text: str, values: dict[str, object]) -> str:
    """Put computed values into a block's words: dates written out in the reader's language."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        if isinstance(found, date):
            return format_date(found, format="full")
        if isinstance(found, int):
            return format_decimal(abs(found))
        return match.group(0) if found is None else str(found)

    return _PLACEHOLDER.sub(value, text)


@bp.get("/flows/<flow_id>")
@cached_page
def flow(flow_id: str) -> ResponseReturnValue:
    lang = negotiate_language()
    structure = store().flows.get(flow_id)
    if structure is None:
        abort(404)
    words = store().flow_words(lang, flow_id)
    answers, typed = _typed_dates(structure, request.args)
    state: FlowState = walk(structure, answers, today(), at=request.args.get("at"))
    step_words = words.get("steps", {}).get(state.step.id, {})
    back_url = None
    if state.path:
        previous = state.path[-1]
        back_url = _flow_url(flow_id, {**state.answers_before(previous), "at": previous,
                                       previous: state.answers[previous]})
    context = {"flow_id": flow_id, "words": words, "state": state, "step_words": step_words,
               "back_url": back_url, "restart_url": url_for("guide.public.flow", flow_id=flow_id)}
    if state.step.kind == "result":
        blocks = [store().html(lang, _fill(step_words.get("blocks", {}).get(b, ""), state.values),
                               cache=not state.values) for b in state.blocks]
        stage_page = store().stage(lang, state.step.stage) if state.step.stage else None
        return render_template("public/flow_result.html", blocks=blocks, stage_page=stage_page,
                               other_flows=[f for f in _flow_list(lang) if f["id"] != flow_id], **context)
    hidden = {sid: state.answers[sid] for sid in state.path}
    error_message = _flow_error(state.error)
    parts: dict[str, str] = {}
    if state.step.kind == "date":
        parts, code = typed.get(state.step.id) or (_date_parts(state.prefill), None)
        if code is not None and (state.error or code == "required"):  # the boxes say best what is wrong
            error_message = str(DATE_MESSAGES[code])
    return render_template("public/flow_step.html", hidden=hidden, error_message=error_message, date_parts=parts,
                           **context)


def _typed_dates(flow: Flow, args: Mapping[str, str]) -> tuple[dict[str, str], dict[str, tuple[dict[str, str],
                                                                                                  str | None]]]:
    """The answers with each date typed in day / month / year boxes (`<step>-day`, `-month`, `-year`) as one value
    the walk reads (ISO when the boxes make a date); and, per such step, the boxes as typed and why they make no date.
    A single `<step>=2026-11-20` (a back link, a link from an SMS) is read as before."""
    answers = {key: str(value) for key, value in args.items()}
    typed: dict[str, tuple[dict[str, str], str | None]] = {}
    for step in flow.steps.values():
        if step.kind != "date" or not any(f"{step.id}-{p}" in args for p in PARTS):
            continue
        parts = {p: str(args.get(f"{step.id}-{p}", "")).strip() for p in PARTS}
        try:
            answers[step.id] = parse_date_parts(parts["day"], parts["month"], parts["year"]).isoformat()
            typed[step.id] = (parts, None)
        except BadFigure as bad:
            answers[step.id] = "/".join(parts.values()) if any(parts.values()) else ""
            typed[step.id] = (parts, bad.code)
    return answers, typed


def _date_parts(value: str | None) -> dict[str, str]:
    """A date answer already given (ISO, or typed as 20/11/2026) back in its three boxes."""
    found = parse_date(value) if value else None
    return {"day": str(found.day), "month": str(found.month), "year": str(found.year)} if found else {}


def _flow_url(flow_id: str, params: dict[str, str]) -> str:
    return url_for("guide.public.flow", flow_id=flow_id) + "?" + urlencode(params)


def _flow_error(code: str | None) -> str | None:
    if code is None:
        return None
    return {
        "choose": _("Choisissez une réponse."),
        "date_invalid": str(DATE_MESSAGES["not_numbers"]),
        "date_out_of_range": _("Cette date semble fausse. Vérifiez l'année."),
    }[code]


# --- feedback ---------------------------------------------------------------------------------

def _feedback_form(page_key: str) -> FeedbackForm:
    form = FeedbackForm(formdata=None)
    form.page.data = page_key
    return form


@bp.post("/feedback")
@csrf.exempt  # the pages carry no token (they are cached for every reader): the browser's origin is checked instead
def feedback() -> ResponseReturnValue:
    form = FeedbackForm()
    page_key = form.page.data or ""
    if not _page_exists(page_key):
        abort(404)
    if not same_origin_request(request):
        return render_template("public/feedback_done.html", back=_page_url(page_key), refused=True), 403
    if form.validate_on_submit():
        service.record_feedback(page_key, negotiate_language(), form.useful.data == "yes")
        return render_template("public/feedback_done.html", back=_page_url(page_key))
    return render_template("public/feedback_done.html", feedback=form, back=_page_url(page_key), thanks=False), 422


def _page_exists(page_key: str) -> bool:
    kind, _sep, slug = page_key.partition("/")
    if kind == "stages":
        return slug in store().stage_slugs()
    if kind == "pages":
        return store().page("fr", slug) is not None
    return False


def _page_url(page_key: str) -> str:
    kind, _sep, slug = page_key.partition("/")
    return url_for("guide.public.stage", slug=slug) if kind == "stages" else url_for("guide.public.page", slug=slug)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """For the proxy or the orchestrator: 200 when this process can reach the database, 503 when it cannot; and
    whether the SMS outbox is stuck ("outbox": "stuck": a message that may go has waited more than
    GUIDE_OUTBOX_STUCK_MINUTES and none went out meanwhile; guide/messaging/outbox.py `health`).
    The rate-limit storage is not checked: without Redis each process counts in its own memory and still serves."""
    problem = transaction.database_problem()
    if problem is not None:
        log.warning("health check: database unreachable (%s)", problem)
        return {"status": "unavailable", "reason": "database"}, 503, {"Cache-Control": "no-store"}
    # the outbox's state is said, not failed on: this process serves pages whatever the dispatchers do
    state = outbox.health()
    return {"status": "ok", "outbox": "stuck" if state.stuck else "ok",
            "outbox_oldest_due_seconds": round(state.oldest_due_seconds)}, 200, {"Cache-Control": "no-store"}


@bp.get("/language")
def language_menu() -> ResponseReturnValue:
    """The language menu as a page of its own (the header menu links here when folded)."""
    return render_template("public/language.html", next_url=safe_next(request.args.get("next")))


@bp.get("/language/<code>")
def choose_language(code: str) -> ResponseReturnValue:
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = safe_next(request.args.get("next"))
    response = redirect(target, code=303)
    response.set_cookie(current_app.config["LANGUAGE_COOKIE"], code,
                        max_age=current_app.config["LANGUAGE_COOKIE_MAX_AGE"], samesite="Lax",
                        secure=current_app.config["FORCE_HTTPS"], httponly=True)
    return response



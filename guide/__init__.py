"""The relocation guide: a Flask application factory."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, g, render_template, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.datastructures import ImmutableMultiDict

from guide.core import config as config_module
from guide.core.extensions import babel, compress, csrf, db, htmx, limiter, talisman
from guide.core.i18n import (
    check_languages,
    current_language,
    enabled_languages,
    negotiate_language,
)
from guide.core.wtforms_i18n import Request

if TYPE_CHECKING:
    from guide.models.base import Model

ROOT = Path(__file__).resolve().parent.parent

# The rooms of guide/features/ that serve pages, each a blueprint with one child per audience
# (household, staff, public, twilio): endpoints read "<feature>.<audience>.<view>".
FEATURES = ("guide", "simulator", "signin", "standing", "appointments", "requests", "mediation", "plan",
            "after_move", "survey", "privacy", "household_file", "caseload", "csv_import", "accounts", "sms_replies",
            "sms_usage", "legal")

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings (defaults, GUIDE_* environment, then `config`), extensions, blueprints."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder="static")
    app.request_class = Request  # WTForms' messages translated from a catalogue read once (core/wtforms_i18n.py)
    app.config.from_object(config_module.Config)
    app.config.from_prefixed_env("GUIDE")
    if config:
        app.config.update(config)
    if isinstance(app.config["LANGUAGES"], str):
        app.config["LANGUAGES"] = [c.strip() for c in app.config["LANGUAGES"].split(",") if c.strip()]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_secret_key(Path(app.instance_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app)
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["FORCE_HTTPS"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(app.config["TRANSLATIONS_DIR"])
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LANGUAGE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIME_ZONE"]
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "valkey")):
        # a Redis that stops answering costs a request half a second, then its process counts in memory
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5,
                                                   **app.config.get("RATELIMIT_STORAGE_OPTIONS", {})}

    check_languages(app)
    if app.config["LOG_JSON"]:
        from guide.core.logs import configure_json_logging

        configure_json_logging()
    _init_extensions(app)

    from guide.core.content import ContentStore, term_anchor

    app.extensions["content"] = ContentStore.load(app.config["LANGUAGES"], Path(app.config["CONTENT_DIR"]))
    app.jinja_env.filters["term_anchor"] = term_anchor
    from guide.core import templating

    templating.register(app)
    from guide.core import labels

    labels.register(app)
    from guide.core import bidi

    bidi.register(app)
    from guide.core.permissions import template_can

    app.jinja_env.globals["can"] = template_can  # who may do what (guide/core/permissions.py), without a query

    from guide import features

    for feature in FEATURES:
        app.register_blueprint(importlib.import_module(f"{features.__name__}.{feature}.blueprint").bp)
    from guide.core import transaction

    transaction.install(app)  # one transaction per request, retried when the database is busy
    from guide.features.phones import service as household_phones
    from guide.features.reminders import service as schedule
    from guide.features.signin import service as signin
    from guide.messaging import outbox

    # the outbox imports no feature: what it needs from them is handed in here
    outbox.install(app, outbox.OutboxHooks(mint_link=signin.mint_link, record_opt_out=household_phones.record_opt_out))
    schedule.install()  # reminders written and withdrawn in the transaction that changes their cause
    from guide import jobs
    from guide.core import metrics

    # /metrics, for the operator (token): the outbox and the jobs read from the database at each scrape
    metrics.install(app, collectors=[outbox.metric_families, jobs.metric_families])

    from guide.cli import register_cli

    register_cli(app)
    _wrap_wsgi(app)  # before the other hooks: its after_request hook then runs after theirs
    _register_hooks(app)
    return app


def _wrap_wsgi(app: Flask) -> None:
    """What runs around Flask, inside out: the page cache, the kept household pages, the proxy headers, the
    Server-Timing measure. Wrapped as Flask's documentation says, which mypy reads as replacing a method with
    another type."""
    from guide.core import metrics, page_cache, personal_pages
    from guide.core.proxies import trust_proxies
    from guide.core.server_timing import ServerTiming

    # anonymous guide pages served from memory (core/page_cache.py), after the proxy headers decided the scheme
    cache = page_cache.install(app, Path(app.template_folder or "templates"), Path(app.config["TRANSLATIONS_DIR"]))
    cache.observers.append(metrics.observe_cached)  # answers from memory counted with the others (/metrics)
    app.wsgi_app = cache  # type: ignore[method-assign]
    # a household's pages kept per revision of its file (core/personal_pages.py): a session cookie passes the cache
    kept = personal_pages.install(app, app.wsgi_app, cache.version)
    kept.observers.append(metrics.observe_cached)
    app.wsgi_app = kept  # type: ignore[method-assign]
    # forwarded headers believed only from that many proxies in front (the rightmost values), and by nothing else
    hops = int(app.config["PROXY_HOPS"] or 0)
    app.wsgi_app = trust_proxies(app.wsgi_app, hops)  # type: ignore[method-assign,assignment]
    # the whole request's time, when asked (GUIDE_SERVER_TIMING): outermost, so nothing the app does escapes it
    app.wsgi_app = ServerTiming(app.wsgi_app, lambda: bool(app.config["SERVER_TIMING"]))  # type: ignore[method-assign]


def _database_url(app: Flask) -> str:
    url = app.config["DATABASE_URL"]
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return url


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite as a real embedded database: WAL, a busy timeout, foreign keys enforced."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    if app.config["MIGRATIONS"]:
        # Flask-Migrate brings Alembic (0.3 s of CPU at start): for `flask db` and tools, not the web server
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(Path(__file__).parent / "migrations"))
    babel.init_app(app, locale_selector=negotiate_language)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["FORCE_HTTPS"],
        content_security_policy=CSP,
        frame_options="DENY",
        # same-origin: other sites get no referrer (personal-link tokens stay here), while our own forms still carry
        # the Referer that flask-wtf requires over HTTPS (with no-referrer, every form behind TLS would be a 400)
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )


def _without_nul(values: Any) -> ImmutableMultiDict:
    return ImmutableMultiDict([(key, value.replace("\x00", "")) for key, value in values.items(multi=True)])


def _register_hooks(app: Flask) -> None:
    _register_request_hooks(app)
    _register_template_context(app)
    _register_response_hooks(app)
    _register_error_pages(app)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def drop_nul_characters() -> None:
        """NUL is never text anyone typed, and PostgreSQL refuses it in text columns (a 500): no page has it in its
        address, and it is dropped from query strings and forms. Signed webhooks keep what was signed;
        guide/features/sms_replies/twilio.py cleans what it stores."""
        if "\x00" in request.path:
            abort(404)
        if any("\x00" in value for _key, value in request.args.items(multi=True)):
            request.args = _without_nul(request.args)
        if request.blueprint != "sms_replies.twilio" and request.method in ("POST", "PUT", "PATCH") and any(
                "\x00" in value for _key, value in request.form.items(multi=True)):
            request.form = _without_nul(request.form)

    from guide.core.auth import note_activity

    app.before_request(note_activity)  # who is signed in: the session record the cookie names, checked each request


def _register_template_context(app: Flask) -> None:
    @app.context_processor
    def language_context() -> dict[str, Any]:
        from guide.core.auth import current_household, current_staff

        household, staff = current_household(), current_staff()
        signed_in_now: tuple[Model | None, ...] = (household, staff)
        for signed_in in signed_in_now:  # a commit in the view expired it: read it here, not while rendering
            state = sa_inspect(signed_in) if signed_in is not None else None
            if state is not None and state.persistent and state.expired_attributes:
                with suppress(ObjectDeletedError):  # erased meanwhile: the page is built as before
                    db.session.refresh(signed_in)
        return {"language": current_language(), "languages": enabled_languages(),
                "signed_in_household": household, "signed_in_staff": staff}


def _register_response_hooks(app: Flask) -> None:
    @app.after_request
    def private_pages_not_kept(response: Response) -> Response:
        """Nothing shown to a signed-in household or staff member stays in the browser's cache: on a shared phone,
        the back button after "not my phone" must not bring the file back. Static and public files are not
        personal (and reading the session would add "Vary: Cookie" to them)."""
        from guide.core.auth import HOUSEHOLD_KEY, STAFF_KEY, serves_public_file

        if not serves_public_file() and "Cache-Control" not in response.headers and (
                session.get(HOUSEHOLD_KEY) is not None or session.get(STAFF_KEY) is not None):
            response.headers["Cache-Control"] = "private, no-store"
        return response

    @app.after_request
    def vary_on_htmx(response: Response) -> Response:
        """The one place that sets "Vary: HX-Request": on responses of views that asked `htmx` (core/extensions)."""
        if g.get("asked_htmx"):
            response.vary.add("HX-Request")
        return response

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = g.get("lang_chosen")
        if chosen and request.cookies.get(app.config["LANGUAGE_COOKIE"]) != chosen:
            response.set_cookie(app.config["LANGUAGE_COOKIE"], chosen,
                                max_age=app.config["LANGUAGE_COOKIE_MAX_AGE"], samesite="Lax",
                                secure=app.config["FORCE_HTTPS"], httponly=True)
        if "lang_code" in g:
            response.vary.update(("Cookie", "Accept-Language"))
        return response


def _register_error_pages(app: Flask) -> None:
    def error_page(code: int) -> Callable[[Exception], ResponseReturnValue]:
        def handler(_error: Exception) -> ResponseReturnValue:
            if code == 500:
                db.session.rollback()
            return render_template("public/error.html", code=code), code

        return handler

    for code in (403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, error_page(code))

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> ResponseReturnValue:
        return render_template("public/error.html", code=400), 400

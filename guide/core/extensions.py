"""Extension singletons, each wired to the app with init_app in create_app."""

from flask import g
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
babel = Babel()
csrf = CSRFProtect()


class Htmx(HTMX):  # type: ignore[misc]  # flask-htmx ships no types: HTMX is Any
    """flask-htmx's request helper (`if htmx:` instead of reading the HX-Request header). A view that asks it makes
    its response depend on that header: create_app's after_request hook then adds "Vary: HX-Request", the one place
    that sets it, so a cache never serves a fragment for a page or a page for a fragment."""

    def __bool__(self) -> bool:
        g.asked_htmx = True
        asked: bool = super().__bool__()
        return asked


htmx = Htmx()
compress = Compress()
talisman = Talisman()
# Counters live in RATELIMIT_STORAGE_URI (Redis when several processes run, so every process counts the same hits).
# If that storage fails (Redis restarting, a network blip), each process goes on counting in its own memory and
# checks the storage again after 1, 2, 4... 32 s: a sign-in page never fails because of Redis, and the limits
# still hold per process meanwhile. Any other storage error is logged and the request served (swallow_errors).
limiter = Limiter(key_func=get_remote_address, default_limits=[], in_memory_fallback_enabled=True,
                  swallow_errors=True)

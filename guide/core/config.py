"""Defaults, overridden by GUIDE_* environment variables (Flask's from_prefixed_env)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"


class Config:
    SECRET_KEY: str | None = None  # GUIDE_SECRET_KEY in production; a per-install key is made otherwise
    DATABASE_URL = f"sqlite:///{INSTANCE / 'guide.sqlite3'}"
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    TIME_ZONE = "Europe/Paris"
    # the ONE list of languages (guide/core/i18n.py takes names, direction and script from Babel's locale data); a new
    # language is a code here, a folder in CONTENT_DIR and a catalogue in TRANSLATIONS_DIR: no code changes
    LANGUAGES = ["fr", "ar", "en", "tr", "pt"]
    CONTENT_DIR = str(ROOT / "content")  # the guide's words as data (content/README.md)
    TRANSLATIONS_DIR = str(ROOT / "translations")  # interface strings (gettext catalogues)
    # spoken guide pages made ahead of time (`flask --app guide audio build`, guide/core/audio.py)
    AUDIO_DIR = str(INSTANCE / "audio")
    DEFAULT_LANGUAGE = "fr"
    # The legal pages (features/legal): who publishes the site, how to reach them, who hosts it. The host is
    # not known to the code: GUIDE_LEGAL_HOST must be set before going live (the page says "not given" until then).
    LEGAL_PUBLISHER = "Métropole européenne de Lille (MEL)"
    LEGAL_ADDRESS = "2 boulevard des Cités Unies, CS 70043, 59040 Lille Cedex"
    LEGAL_PHONE = "+33320212223"
    LEGAL_EMAIL = ""
    LEGAL_DIRECTOR = "Le président de la Métropole européenne de Lille"
    LEGAL_HOST = ""
    # RGAA: without an audit the site is "non conforme"; after one, its rate (e.g. 78.5) makes it "partiellement
    # conforme" (50 % or more) or "totalement conforme" (100 %), and the footer says so.
    ACCESSIBILITY_AUDIT_RATE: float | None = None
    ACCESSIBILITY_STATEMENT_DATE = "2026-12-07"
    LANGUAGE_COOKIE = "lang"
    LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
    FORCE_HTTPS = False  # True in production behind TLS
    # reverse proxies in front of the app whose X-Forwarded-For/Proto/Host are trusted: 0 = none (the app faces
    # clients directly; a forwarded header is ignored), 1 = one proxy (nginx, Caddy) that sets them
    PROXY_HOPS = 0
    # Flask-Migrate's `flask db` commands (and flask_migrate.upgrade() in tools and tests); the WSGI entry point
    # (guide/wsgi.py) turns it off: a web worker never migrates, and Alembic costs 0.3 s of CPU at each start
    MIGRATIONS = True
    # a household's pages kept in memory per revision of its file (guide/core/personal_pages.py); False draws them
    # at every request (bench/kept_pages.py compares both)
    PERSONAL_PAGE_CACHE = True
    SERVER_TIMING = False  # True: a Server-Timing header with the time spent in the app (benchmarks only)
    LOG_JSON = False  # one JSON object per line on stderr for the `guide` loggers (no personal data)
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session; a form left open on a shared phone still posts
    COMPRESS_MIMETYPES = ["text/html", "text/css", "application/javascript", "text/javascript",
                          "image/svg+xml", "application/json", "text/calendar"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 500
    SEND_FILE_MAX_AGE_DEFAULT = 7 * 24 * 3600
    # Household sign-in (no password): short sessions fit for a shared phone. Sessions are records on the server
    # (guide/core/sessions.py): idle and maximum age are checked there, and signing out ends them.
    HOUSEHOLD_IDLE_MINUTES = 15
    HOUSEHOLD_MAX_HOURS = 2
    SIGNIN_CODE_MINUTES = 10  # any unexpired, unused code of the number signs in, whatever was asked since
    # Per-number limits over a sliding window, each for one asking address (an IPv4 address, an IPv6 /64) and in
    # all, counted alike for known and unknown numbers (guide/features/signin/service.py). From one or two addresses a
    # stranger uses at most 2 x 3 codes and 2 x 5 wrong tries: the owner's own share stays whole.
    SIGNIN_WINDOW_HOURS = 24  # at most 24: the page says "today" or "tomorrow from HH:MM"
    SIGNIN_CODES_PER_NUMBER_FROM_ONE_ADDRESS = 3  # past it: no code made, the page says so and until when
    SIGNIN_CODES_PER_NUMBER = 9
    SIGNIN_WRONG_TRIES_PER_NUMBER_FROM_ONE_ADDRESS = 5
    SIGNIN_WRONG_TRIES_PER_NUMBER = 15  # guessing: at most 15 tries a day, each against at most 9 live codes
    # per address, all numbers together (Flask-Limiter): a social centre's Wi-Fi or a carrier's shared address
    # serves many families (a mediator signing in 20 families in an hour asks about 20-40 codes)
    SIGNIN_REQUESTS_PER_ADDRESS = "60 per hour"
    SIGNIN_TRIES_PER_ADDRESS = "120 per hour"
    SIGNIN_LINK_HOURS = 72
    SIGNIN_MIN_RESPONSE_SECONDS = 0.25  # the same delay whether or not a number is known
    STAFF_IDLE_MINUTES = 60
    STAFF_MAX_HOURS = 12  # a staff session ends 12 hours after the login, even in use
    STAFF_MAX_FAILED_LOGINS = 5
    STAFF_LOCK_MINUTES = 15
    # memory:// counts per process; with several processes (gunicorn workers, hosts) use redis://127.0.0.1:6379/0
    # so they share counters (guide/core/extensions.py: if Redis fails, each process falls back to its memory)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "guide"  # keys in Redis: LIMITS:LIMITER/guide/...
    RATELIMIT_HEADERS_ENABLED = False
    SMS_BACKEND = "log"  # "log" prints and stores; "twilio" sends through the official SDK
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_FROM: str | None = None  # a number able to receive replies, or an alphanumeric sender (one-way)
    TWILIO_MESSAGING_SERVICE_SID: str | None = None
    TWILIO_API_URL: str | None = None  # only for tests: a local fake Twilio server
    # two-way: the sender can receive replies (a number or short code; keywords understood at /sms/inbound);
    # one-way: an alphanumeric sender, no reply possible (texts point to the site instead of asking for a reply)
    SMS_TWO_WAY = True
    SMS_SENDERS = 4  # sends at Twilio at once per dispatcher process (`flask --app guide sms dispatch`)
    SMS_BATCH = 100  # messages claimed per dispatcher round
    PLAN_POLL_SECONDS = 10  # how often an open action-plan page asks whether the other side changed something
    QUIET_START_HOUR = 9
    QUIET_END_HOUR = 20  # SMS go out between 09:00 and 20:00, Monday to Saturday, public holidays excepted
    DEFAULT_REGION = "FR"  # phone numbers typed without +33
    # the housing benefit estimate (guide/core/housing_benefit.py): how long a page waits for the model and the
    # simulation together, in seconds; after that it says "not ready yet" and the result lands in the cache
    HOUSING_BENEFIT_WAIT = 0.25
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # requests above 16 MB (three 5 MB photos and text) are refused
    # data protection (`flask --app guide privacy retention`, guide/features/privacy/retention.py)
    RETENTION_ANONYMISE_DAYS = 730  # a household file is anonymised this long after its last operation
    RETENTION_ACCESS_LOG_DAYS = 365  # access-log entries are deleted after this
    RETENTION_SMS_DAYS = 365  # SMS texts are blanked after this (counts and statuses stay)
    AUDIT_PSEUDONYM_KEY: str | None = None  # the access log's pseudonym key; derived from SECRET_KEY when unset
    # operations (docs/operations.md): the periodic jobs (guide/jobs.py), /metrics, /healthz
    BACKUP_DIR: str | None = None  # the nightly backup job writes here (none when unset)
    BACKUP_KEEP = 7  # backups kept in BACKUP_DIR
    JOBS_CRON: dict[str, str] = {}  # noqa: RUF012 - e.g. GUIDE_JOBS_CRON='{"backup": "0 1 * * *"}'
    METRICS_TOKEN: str | None = None  # /metrics answers only with "Authorization: Bearer <token>"; 404 when unset
    OUTBOX_STUCK_MINUTES = 15  # /healthz reports the outbox stuck when a sendable SMS waits longer


def load_secret_key(app_instance: Path) -> str:
    """A random key kept in instance/ so sessions survive restarts on a dev machine."""
    path = app_instance / "secret_key"
    if not path.exists():
        app_instance.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()

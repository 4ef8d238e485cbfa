"""Secrets and hashes: random codes and tokens, keyed hashes for what must be looked up, argon2 for passwords."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from functools import cache
from urllib.parse import unquote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Request, current_app
from werkzeug.urls import iri_to_uri

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown accounts (the same time spent); made on the first login, not at import:
    an argon2 hash costs 0.1 to 1 s of start-up in every process, most of which never see a login."""
    return _hasher.hash("not a real password: used to spend the same time on unknown accounts")


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 with the app's secret: the database alone cannot reverse a code, token or phone number."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    """Six random digits from the operating system's CSPRNG."""
    return f"{secrets.randbelow(10**6):06d}"


def new_token() -> str:
    """A URL-safe random token: 128 bits in 22 characters (a session's)."""
    return secrets.token_urlsafe(16)


# --- personal links: /k/<token> signs its holder in --------------------------------------------------------------

LINK_PATH = "/k/"  # the path of a personal link (guide/features/signin/household.py serves /k/<token>)
MASKED_LINK = LINK_PATH + "…"  # what is left of one once its token is cut
PERSONAL_LINK = re.compile(re.escape(LINK_PATH) + r"[A-Za-z0-9_-]+")  # its token: new_link_token's URL-safe alphabet


def mask_personal_links(text: str) -> str:
    """The text with every personal link cut to "/k/…": what staff, an export or an old SMS row may show."""
    return PERSONAL_LINK.sub(MASKED_LINK, text)


LINK_TOKEN_BYTES = 12
LINK_TOKEN_CHARS = 16  # base64url: 4 characters for 3 bytes, no padding


def new_link_token() -> str:
    """A personal sign-in link's token (the "<token>" of "<site>/k/<token>" in an SMS): 96 bits in 16 characters.

    Six characters shorter than a session token, so every SMS keeps room for plain words and a long site address.
    96 bits are safe here because a link is only worth guessing while it lives: it works once, for
    SIGNIN_LINK_HOURS (72 h), and the database keeps only its keyed hash (a leaked copy gives no link). Guessing
    is online only (POST /k/ is limited to 30 an hour per address): even a billion guesses against a million live
    links would hit one with a chance of 10^15 / 2^96, about 1 in 80 trillion. NIST SP 800-63B asks at least 64
    bits for a secret that stands for a session; sessions themselves keep 128 bits (`new_token`).
    """
    return secrets.token_urlsafe(LINK_TOKEN_BYTES)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Argon2 check; an unknown account is checked against a dummy hash so it takes the same time."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# --- where a redirect may go ------------------------------------------------------------------------------------

_MAX_TARGET = 2048
_ENCODED_SLASH = re.compile(r"%(?:25)*(?:2f|5c)", re.IGNORECASE)  # %2F, %5C, and their re-encodings (%252F...)


def same_site_path(target: object) -> str | None:
    """The target if it is a path of this site ("/my", "/pages/costs?x=1#y"), else None: the one check before any
    redirect to an address that came from outside (a `next=` parameter, a stored link target).

    Refused: anything but a string starting with one "/" (a scheme, a host, "//", "/\\"), control and invisible
    characters and whitespace (browsers drop tabs and newlines, so "/\t/evil.test" becomes "//evil.test"), any
    backslash (browsers read it as "/"), encoded slashes or backslashes in the path, and strings whose Unicode
    compatibility form or the form werkzeug puts in the Location header would fail any of these.
    """
    if not isinstance(target, str) or not 0 < len(target) <= _MAX_TARGET:
        return None
    try:
        location = iri_to_uri(target)  # what the Location header will carry
    except ValueError:
        return None
    candidates = {target, unicodedata.normalize("NFKC", target), location}
    if all(_plain_local_path(candidate) for candidate in candidates):
        return target
    return None


def _plain_local_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value or _has_invisible(value):
        return False
    path = value.split("?", 1)[0].split("#", 1)[0]
    if _ENCODED_SLASH.search(path) or "//" in path:
        return False
    for _round in range(3):  # what a server or proxy that decodes the path once more would see
        path = unquote(path)
        folded = unicodedata.normalize("NFKC", path)
        if "\\" in folded or "//" in folded or _has_invisible(folded):
            return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def _has_invisible(value: str) -> bool:
    """Control, format (zero-width, bidirectional), unassigned or private-use characters, or any kind of space."""
    return any(unicodedata.category(ch)[0] in "CZ" for ch in value)


def same_origin_request(request: Request) -> bool:
    """Whether a browser sent this form from one of this site's own pages: the check that replaces a CSRF token
    where a page must carry no per-reader secret (cached guide pages: their feedback form).

    Browsers say where a request comes from and a page of another site cannot change it: `Sec-Fetch-Site`
    (every current browser) must be "same-origin"; without it, `Origin` (sent with every POST since 2019-2020) must
    be this site's scheme and host; without either, the `Referer` (our Referrer-Policy is same-origin: it is sent to
    ourselves) must be one of our pages. Nothing of the three: refused (a cross-site form may hide all but the
    first, which old browsers lack; a request without any is not from a browser page of ours).
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site.strip().lower() == "same-origin"
    own = f"{request.scheme}://{request.host}".lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.strip().lower() == own
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.scheme) and f"{referer.scheme}://{referer.netloc}".lower() == own
